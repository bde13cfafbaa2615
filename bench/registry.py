"""Benchmark: import a 50,000-camera CSV into the registry on SQLite and on PostgreSQL.

Each step runs the real CLI (``python -m camhealth ...``) as a child process and reports its
wall time, CPU time and peak RSS (from the child's own rusage, via ``os.wait4``: the same numbers as
``getrusage(RUSAGE_CHILDREN)`` but for that one child, not the largest so far).

    uv run python bench/registry.py [--cameras 50000] [--skip-postgres]

PostgreSQL: 127.0.0.1:5432, user postgres; a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
from cryptography.fernet import Fernet

from camhealth.camera_registry.exporting import write_areas, write_cameras
from camhealth.camera_registry.importing import read_areas, read_cameras
from camhealth.camera_registry.records import AreaKind, AreaRecord, CameraRecord, CameraRole
from camhealth.camera_registry.store import Registry
from camhealth.config import load_settings

CAMERAS_PER_AREA = 100
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def areas(count: int) -> Iterator[AreaRecord]:
    kinds = list(AreaKind)
    for n in range(count):
        yield AreaRecord(
            id=f"area-{n:04d}",
            name=f"区域{n}",
            kind=kinds[n % len(kinds)],
            district=f"街道{n % 12}",
            key_area=n % 3 != 0,
            lat=36.9 + n / 10_000,
            lon=120.7,
        )


def cameras(count: int) -> Iterator[CameraRecord]:
    for n in range(count):
        host = f"10.{n // 65536}.{n // 256 % 256}.{n % 256}"
        yield CameraRecord(
            id=f"3702820000131{n:07d}",
            name=f"区域{n // CAMERAS_PER_AREA}点位{n % CAMERAS_PER_AREA}",
            area_id=f"area-{n // CAMERAS_PER_AREA:04d}",
            role=CameraRole.e_police if n % 10 == 0 else CameraRole.surveillance,
            onvif_url=f"http://{host}/onvif/device_service",
            rtsp_url=f"rtsp://{host}:554/Streaming/Channels/101",
            sub_rtsp_url=f"rtsp://{host}:554/Streaming/Channels/102",
            platform_url=f"rtsp://10.255.0.1/relay/{n}",
            declared_networked=True,
            tags=("bench",),
        )


def with_credentials(plain: Path, out: Path) -> None:
    """The same cameras with username and password columns (the exporter never writes them)."""
    with plain.open(encoding="utf-8-sig") as src, out.open("w", encoding="utf-8") as dst:
        dst.write(src.readline().rstrip("\n") + ",username,password\n")
        for n, line in enumerate(src):
            dst.write(f"{line.rstrip(chr(10))},admin,pw-{n:06d}\n")


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Run ``camhealth ARGS``: wall and CPU (user + system) seconds, peak RSS MiB, last line."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "camhealth", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert child.stdout is not None
    output = child.stdout.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"camhealth {' '.join(args)} failed:\n{output}")
    lines = output.strip().splitlines()
    cpu = usage.ru_utime + usage.ru_stime
    return wall, cpu, usage.ru_maxrss / 1024, lines[-1] if lines else ""


def bench(backend: str, url: str, files: dict[str, Path]) -> None:
    env = os.environ | {
        "CAMHEALTH_DATABASE__URL": url,
        "CAMHEALTH_CREDENTIALS__KEY": Fernet.generate_key().decode(),
        "CAMHEALTH_LOGGING__LEVEL": "WARNING",
    }
    steps = [
        ("start-up only (camhealth --version)", ["--version"]),
        ("areas import", ["areas", "import", str(files["areas"])]),
        ("cameras import (all new)", ["cameras", "import", str(files["cameras"])]),
        ("cameras import again (unchanged)", ["cameras", "import", str(files["cameras"])]),
        ("cameras import with credentials", ["cameras", "import", str(files["credentials"])]),
        ("same, again (credentials compared)", ["cameras", "import", str(files["credentials"])]),
        ("cameras list --format csv", ["cameras", "list", "-f", "csv", "-o", os.devnull]),
    ]
    for name, args in steps:
        wall, cpu, rss, said = run(args, env)
        print(f"| {backend} | {name} | {wall:.1f} | {cpu:.1f} | {rss:.0f} | {said} |", flush=True)


async def split(backend: str, url: str, files: dict[str, Path]) -> None:
    """In one process: CPU seconds of reading the file versus applying it to the database."""
    settings = load_settings(None, environ={"CAMHEALTH_DATABASE__URL": url})
    started = time.process_time()
    rows = read_cameras(files["cameras"])
    read = time.process_time() - started
    async with await Registry.open(settings) as registry:
        await registry.apply_areas(read_areas(files["areas"]))
        for attempt in ("all new", "unchanged"):
            started = time.process_time()
            await registry.apply_cameras(rows)
            applied = time.process_time() - started
            print(f"| {backend} | {read:.1f} | {attempt}: {applied:.1f} |", flush=True)


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextmanager
def database(backend: str, work: Path, tag: str) -> Iterator[str]:
    """A URL of a new, empty database; a PostgreSQL one is dropped afterwards."""
    if backend == "SQLite":
        yield f"sqlite+aiosqlite:///{work / f'{tag}.db'}"
        return
    name = f"camhealth_bench_{tag}_{os.getpid()}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=50_000)
    parser.add_argument("--skip-postgres", action="store_true")
    options = parser.parse_args()
    backends = ["SQLite"] if options.skip_postgres else ["SQLite", "PostgreSQL"]
    with tempfile.TemporaryDirectory(prefix="camhealth-bench-") as tmp:
        work = Path(tmp)
        files = {name: work / f"{name}.csv" for name in ("areas", "cameras", "credentials")}
        area_count = -(-options.cameras // CAMERAS_PER_AREA)
        with files["areas"].open("wb") as out:
            write_areas(areas(area_count), "csv", out)
        with files["cameras"].open("wb") as out:
            write_cameras(cameras(options.cameras), "csv", out)
        with_credentials(files["cameras"], files["credentials"])
        size = files["cameras"].stat().st_size / 2**20
        print(f"{options.cameras} cameras in {area_count} areas, CSV {size:.1f} MiB\n")
        print("| backend | step | wall s | CPU s | peak RSS MiB | output |")
        print("|---|---|---|---|---|---|")
        for backend in backends:
            with database(backend, work, "cli") as url:
                bench(backend, url, files)
        print("\n| backend | read_cameras CPU s | apply_cameras CPU s |\n|---|---|---|")
        for backend in backends:
            with database(backend, work, "split") as url:
                asyncio.run(split(backend, url, files))


if __name__ == "__main__":
    main()
