"""Benchmark: a full `camhealth run` over a simulated fleet: CPU, memory, database growth and how
many statuses match the simulator's truth manifest.

Per fleet size: `camhealth simulate` in its own process (clips encoded before it listens), the
registry imported with `camhealth areas/cameras import`, then `camhealth run --duration D` with
a SQLite database, measured from /proc (utime+stime, peak VmRSS) and by file sizes (database +
WAL), and finally every stored status compared with the truth.

    uv run python bench/health.py --cameras 5000 --cameras 20000 --duration 300
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from camhealth.config import load_settings
from camhealth.monitor.store import MonitorStore

MIX = """\
resolutions: {1280x720: 0.8, 704x576: 0.2}
codecs: {h264: 1.0}
faults: {offline: 0.04, hung: 0.02, blur: 0.03, no_frames: 0.02, platform_down: 0.03}
"""
INTERVALS = {
    "CAMHEALTH_PROBES__ONVIF_INTERVAL": "60",
    "CAMHEALTH_PROBES__RTSP_INTERVAL": "60",
    "CAMHEALTH_PROBES__FRAMES_INTERVAL": "120",
    "CAMHEALTH_PROBES__PLATFORM_INTERVAL": "120",
}
READY = "Ctrl-C stops the fleet."
CLK_TCK = os.sysconf("SC_CLK_TCK")
STATUSES = ("online", "intact", "networked", "hd")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def db_bytes(db: Path) -> int:
    """Bytes the data takes: used pages after a checkpoint (the WAL's size is not growth)."""
    with sqlite3.connect(db, timeout=30) as conn:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        pages, free, size = (
            conn.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("page_count", "freelist_count", "page_size")
        )
    return int((pages - free) * size)


def start_fleet(count: int, work: Path) -> subprocess.Popen[str]:
    (work / "mix.yml").write_text(MIX)
    args = [
        sys.executable, "-m", "camhealth", "simulate", "-n", str(count), "--mix",
        str(work / "mix.yml"), "--seed", "5", "--base-address", "127.110.0.0",
        "--platform", "127.109.0.2:8554", "--control", "127.109.0.2:8089",
        "--onvif-port", "8080", "--rtsp-port", "8554", "--warm",
        "--registry-out", str(work / "fleet.csv"), "--truth-out", str(work / "truth.json"),
    ]  # fmt: skip
    log = (work / "simulate.log").open("w")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, text=True)
    started = time.monotonic()
    while READY not in (work / "simulate.log").read_text():
        if process.poll() is not None:
            raise RuntimeError((work / "simulate.log").read_text()[-2000:])
        time.sleep(1)
    print(f"  simulator of {count} ready in {time.monotonic() - started:.0f} s", flush=True)
    return process


def camhealth(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "camhealth", *args], env=env, check=True)


def measure_run(env: dict[str, str], duration: float, db: Path, log: Path) -> dict[str, float]:
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "camhealth", "run", "--duration", str(duration)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    started, peak, cpu = time.monotonic(), 0.0, 0.0
    size_at: tuple[float, int] | None = None
    # Growth is measured over the last 40% of the run: after the first states, pictures and
    # the confirmations of the second frames round are in.
    warm = duration * 0.6
    while process.poll() is None:
        elapsed = time.monotonic() - started
        peak = max(peak, rss_mib(process.pid))
        if size_at is None and elapsed >= warm:
            size_at = (elapsed, db_bytes(db))
        cpu = cpu_seconds(process.pid)
        time.sleep(2)
    wall = time.monotonic() - started
    end_size = db_bytes(db)
    assert process.returncode == 0, log.read_text()[-2000:]
    growth = (end_size - size_at[1]) / (wall - size_at[0]) * 86400 if size_at else float("nan")
    return {"wall": wall, "cpu": cpu, "peak_mib": peak, "db_end": end_size, "growth_day": growth}


async def compare(env: dict[str, str], truth: dict[str, Any]) -> dict[str, tuple[int, int]]:
    settings = load_settings(None, environ=env)
    store = await MonitorStore.open(settings)
    states = await store.states()
    events = len(await store.events())
    await store.close()
    matched = {name: [0, 0] for name in STATUSES}
    for camera in truth["cameras"]:
        state = states.get(camera["id"])
        for name in STATUSES:
            want = camera["expected"][name]
            if want is None:
                continue
            matched[name][1] += 1
            seen = state is not None and getattr(state, name).value is True
            matched[name][0] += seen is want
    print(f"  {len(states)} states, {events} events", flush=True)
    return {name: (ok, total) for name, (ok, total) in matched.items()}


def bench(count: int, duration: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        db = work / "monitor.db"
        env = {
            **os.environ,
            **INTERVALS,
            "CAMHEALTH_DATABASE__URL": f"sqlite+aiosqlite:///{db}",
            "CAMHEALTH_CREDENTIALS__KEY": Fernet.generate_key().decode(),
            "CAMHEALTH_LOGGING__FORMAT": "json",
        }
        fleet = start_fleet(count, work)
        try:
            camhealth(env, "areas", "import", str(work / "fleet-areas.csv"))
            camhealth(env, "cameras", "import", str(work / "fleet.csv"))
            registry_size = db_bytes(db)
            figures = measure_run(env, duration, db, work / "run.log")
            truth = json.loads((work / "truth.json").read_text())
            matched = asyncio.run(compare(env, truth))
        finally:
            fleet.send_signal(signal.SIGINT)
            fleet.wait(60)
        return {"cameras": count, "registry_bytes": registry_size, **figures, "matched": matched}


def table(results: list[dict[str, object]], duration: float) -> str:
    lines = [
        f"| cameras | run (s) | CPU (s) | CPU (% of one core) | peak RSS (MiB) | DB after (MiB) "
        f"| DB growth per day (MiB, extrapolated) | {' | '.join(STATUSES)} |",
        "|" + "---|" * (7 + len(STATUSES)),
    ]
    for r in results:
        matched = r["matched"]
        assert isinstance(matched, dict)
        cells = [f"{ok}/{total}" for ok, total in matched.values()]
        lines.append(
            f"| {r['cameras']:,} | {r['wall']:.0f} | {r['cpu']:.0f} | "
            f"{100 * r['cpu'] / r['wall']:.0f} | {r['peak_mib']:.0f} | "  # type: ignore[operator]
            f"{r['db_end'] / 2**20:.1f} | {r['growth_day'] / 2**20:.0f} | {' | '.join(cells)} |"  # type: ignore[operator]
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cameras", type=int, action="append", required=True)
    parser.add_argument("--duration", type=float, default=300.0)
    args = parser.parse_args()
    results = []
    for count in args.cameras:
        print(f"{count} cameras", flush=True)
        results.append(bench(count, args.duration))
        print(table(results, args.duration), flush=True)


if __name__ == "__main__":
    main()
