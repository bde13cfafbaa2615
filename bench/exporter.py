"""Benchmark: /metrics at 20,000 and 50,000 cameras, from synthetic Snapshots.

Two parts for each size:

- **render** (in this process, CPU seconds, best of 3): the camera lines of a new fleet, of a
  Snapshot with 1% of the cameras changed, and the whole body in the Prometheus text format,
  in OpenMetrics and gzipped (what a scrape gets), from lines already made;
- **scrape** (the exporter app in a child process, the client here, over 127.0.0.1, with
  Prometheus' own Accept and Accept-Encoding headers): wall time to the last byte, and the
  server's CPU seconds (the child's ``process_time`` around the scrape, so the render ahead
  of a new Snapshot is counted), the client's gunzip timed apart.  Scenarios: the first
  Snapshot of the fleet scraped the moment it is published (the scrape waits for the render),
  the same scraped again, the 1%-changed Snapshot scraped the moment it is published, and
  the same scraped once the exporter has rendered it ahead (the usual case).

Every camera is probed, with 1080p frames, device facts, a platform URL, one in twenty with a
confirmed fault.

    uv run python bench/exporter.py --out bench/exporter.md
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import multiprocessing
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import aiohttp
from health_core import publish, run_header  # bench/health_core.py: the same run facts

from camhealth.camera_registry.records import AreaKind, AreaRecord, CameraRecord, CameraRole
from camhealth.config import Settings
from camhealth.exporter.accounts import Accounts
from camhealth.exporter.app import _METRICS_CACHE, build_app, serve
from camhealth.exporter.camera_metrics import CameraLines
from camhealth.exporter.metrics import render, render_gzip
from camhealth.health.snapshot import MonitorFacts, Snapshot, build_snapshot
from camhealth.health.state import CameraState, Confirmed, FaultState, LastProbe
from camhealth.probes.results import DeviceFacts, FailureCode, ProbeKind

T0 = datetime(2026, 11, 29, 8, tzinfo=UTC)
FAULTS = ("blur", "too_dark", "occlusion", "frozen", "noise")
PORT = 19810
# What Prometheus 2.x/3.x sends when it scrapes.
PROMETHEUS_HEADERS = {
    "Accept": "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
    "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
    "Accept-Encoding": "gzip",
}


def city(cameras: int) -> tuple[Snapshot, Snapshot]:
    """``cameras`` cameras, 10 to an area, 30 districts; a tenth of the areas intersections.

    The second Snapshot is the first a moment later with 1% of the cameras changed.
    """
    areas = [
        AreaRecord(
            id=f"area-{i:05d}",
            name=f"区域 {i}",
            district=f"街道{i % 30:02d}",
            key_area=i % 10 != 0,
            kind=AreaKind.intersection if i % 10 == 0 else AreaKind.park_square,
        )
        for i in range(cameras // 10)
    ]
    records = [
        CameraRecord(
            id=f"3706850000132{i:07d}",
            name=f"摄像机 {i}",
            area_id=f"area-{i // 10:05d}",
            role=CameraRole.e_police if i % 100 == 0 else CameraRole.surveillance,
            rtsp_url=f"rtsp://10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}/main",
            platform_url=f"rtsp://platform.example/{i}",
        )
        for i in range(cameras)
    ]
    states = {r.id: _state(r.id, i) for i, r in enumerate(records)}
    monitor = MonitorFacts(3.0, 0.004, tuple((k, "ok", 1000) for k in ProbeKind))
    first = build_snapshot(T0, areas, records, states, monitor)
    for record in records[::100]:
        states[record.id] = replace(states[record.id], width=1280, height=720)
    return first, build_snapshot(T0, areas, records, states, monitor)


def _state(camera: str, i: int) -> CameraState:
    up = i % 40 != 0
    faults = (FaultState(FAULTS[i % 5], Confirmed(True, T0), 2.0),) if i % 20 == 1 else ()
    failure = None if up else FailureCode.timeout
    return replace(
        CameraState(camera),
        online=Confirmed(up, T0),
        stream=Confirmed(up, T0),
        hd=Confirmed(True, T0),
        networked=Confirmed(up, T0),
        intact=Confirmed(up and not faults, T0),
        faults=faults,
        width=1920,
        height=1080,
        probes=tuple(LastProbe(kind, T0, failure, 0.1 + i % 7 / 10) for kind in ProbeKind),
        device=DeviceFacts("Hikvision", "DS-2CD2T47", "V5.7.3", clock_skew_seconds=0.3),
        codec="h264",
        updated_at=T0,
    )


def cpu(work, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    """The least CPU seconds of ``repeat`` runs of ``work()`` (``work`` may set up first:
    it returns the timed callable)."""
    best = float("inf")
    for _ in range(repeat):
        timed = work()
        start = time.process_time()
        timed()
        best = min(best, time.process_time() - start)
    return best


def renders(first: Snapshot, second: Snapshot) -> dict[str, Any]:
    def changed():  # type: ignore[no-untyped-def]
        kept = CameraLines()
        kept.of(first)
        return lambda: kept.of(second)

    lines = CameraLines().of(first)
    text = render(first, cameras=lines)
    return {
        "series": text.count(b"\n") - text.count(b"\n#"),
        "mb": len(text) / 1e6,
        "gz_mb": len(render_gzip(first, True, lines)) / 1e6,
        "new_lines": cpu(lambda: lambda: CameraLines().of(first)),
        "changed_lines": cpu(changed),
        "text": cpu(lambda: lambda: render(first, False, lines)),
        "om": cpu(lambda: lambda: render(first, True, lines)),
        "gzip": cpu(lambda: lambda: render_gzip(first, True, lines)),
    }


# -- the scrapes: the exporter in a child process ------------------------------------------


def server(cameras: int, tmp: str, commands: Connection) -> None:
    """The child: serves /metrics of ``city(cameras)``; ``publish NAME`` swaps the Snapshot,
    ``rendered`` waits until the exporter has rendered it ahead, ``cpu`` asks its CPU time."""
    first, second = city(cameras)
    asyncio.run(_serve({"first": first, "second": second}, Path(tmp), commands))


async def _serve(snapshots: dict[str, Snapshot], tmp: Path, commands: Connection) -> None:
    settings = Settings.model_validate(
        {
            "database": {"url": f"sqlite+aiosqlite:///{tmp / 'bench.db'}"},
            "exporter": {"host": "127.0.0.1", "port": PORT},
        }
    )
    accounts = await Accounts.open(settings)
    current: list[Snapshot | None] = [None]
    app = build_app(lambda: current[0], settings, accounts=accounts)
    loop = asyncio.get_running_loop()
    async with serve(app, settings.exporter):
        commands.send("ready")
        while (command := await loop.run_in_executor(None, commands.recv)) != "stop":
            if command.startswith("publish "):
                current[0] = snapshots[command.removeprefix("publish ")]
            elif command == "rendered":
                while app[_METRICS_CACHE].prepared is not current[0]:  # noqa: ASYNC110 - no event to wait on
                    await asyncio.sleep(0.05)
            commands.send(time.process_time())
    await accounts.aclose()


async def scrapes(commands: Connection) -> dict[str, Any]:
    """(wall s, server CPU s, client gunzip CPU s) of each scenario, and the body sizes."""
    found: dict[str, Any] = {}
    async with aiohttp.ClientSession(auto_decompress=False) as session:

        async def scrape(name: str, before: str) -> None:
            commands.send(before)
            start_cpu = commands.recv()
            start = time.perf_counter()
            async with session.get(
                f"http://127.0.0.1:{PORT}/metrics", headers=PROMETHEUS_HEADERS
            ) as response:
                body = await response.read()
            wall = time.perf_counter() - start
            commands.send("cpu")
            server_cpu = commands.recv() - start_cpu
            unzip_start = time.process_time()
            plain = gzip.decompress(body)
            found[name] = (wall, server_cpu, time.process_time() - unzip_start)
            assert plain.endswith(b"# EOF\n")  # OpenMetrics, whole

        await scrape("first", "publish first")
        await scrape("again", "cpu")
        await scrape("changed", "publish second")
        commands.send("publish first")
        commands.recv()
        await scrape("ahead", "rendered")  # first, rendered ahead from the second's lines
    return found


def measure(cameras: int, tmp: str) -> dict[str, Any]:
    start = time.perf_counter()
    first, second = city(cameras)
    build = time.perf_counter() - start
    row = {"cameras": cameras, "build": build, **renders(first, second)}
    del first, second
    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.Process(target=server, args=(cameras, tmp, theirs), daemon=True)
    child.start()
    try:
        assert ours.recv() == "ready"
        row |= asyncio.run(scrapes(ours))
        ours.send("stop")
    finally:
        child.join(timeout=60)
        if child.is_alive():
            child.kill()
    return row


def report(rows: list[dict[str, Any]], header: str) -> str:
    lines = [
        "Render: CPU seconds in one process, best of 3 (lines: the per-camera families; "
        "bodies from lines already made).\n",
        "| cameras | series | body (MB) | gzip (MB) | lines, new fleet | lines, 1% changed "
        "| text body | OpenMetrics body | OpenMetrics gzip |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['cameras']:,} | {r['series']:,} | {r['mb']:.1f} | {r['gz_mb']:.1f} "
            f"| {r['new_lines']:.2f} | {r['changed_lines']:.2f} | {r['text']:.2f} "
            f"| {r['om']:.2f} | {r['gzip']:.2f} |"
        )
    lines += [
        "",
        "Scrapes: the exporter in a child process, Prometheus' headers (OpenMetrics, gzip), "
        "over 127.0.0.1; wall seconds to the last byte / the server's CPU seconds (with its "
        "render ahead) / the client's gunzip CPU seconds (not in the wall time).\n",
        "| cameras | first Snapshot, scraped at once | same again | 1% changed, scraped at "
        "once | scraped after its render ahead |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        cells = " | ".join(
            "{:.3f} / {:.3f} / {:.3f}".format(*r[name])
            for name in ("first", "again", "changed", "ahead")
        )
        lines.append(f"| {r['cameras']:,} | {cells} |")
    builds = ", ".join(f"{r['cameras']:,}: {r['build']:.1f} s" for r in rows)
    return (
        header
        + "\n".join(lines)
        + f"\n\n(Building the synthetic Snapshots, not timed: {builds}.)\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 50_000])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    sizes = " ".join(map(str, args.sizes))
    header = run_header(f"uv run python bench/exporter.py --sizes {sizes}")
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(size, tmp) for size in args.sizes]
    publish("Exporter benchmark", report(rows, header), args.out)


if __name__ == "__main__":
    main()
