"""Benchmark: /metrics at 20,000 and 50,000 cameras, from synthetic Snapshots.

For each size: the wall time of rendering the Prometheus text and the OpenMetrics text of a
new Snapshot, of compressing it (gzip level 1, what a Prometheus scrape gets), and of a scrape
over a real socket on 127.0.0.1, first of a new Snapshot (render + gzip + send) and then again
(cached: send only); with the sizes of the body and of its gzip.  Every camera is probed, with
1080p frames, device facts, a platform URL, and one in twenty with a confirmed fault.

    uv run python bench/exporter.py --out bench/exporter.md
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from health_core import machine  # bench/health_core.py: the same machine facts

from camhealth.camera_registry.records import AreaKind, AreaRecord, CameraRecord, CameraRole
from camhealth.config import Settings
from camhealth.exporter.accounts import Accounts
from camhealth.exporter.app import build_app, serve
from camhealth.exporter.metrics import CameraLines, render
from camhealth.health.snapshot import MonitorFacts, Snapshot, build_snapshot
from camhealth.health.state import CameraState, Confirmed, FaultState, LastProbe
from camhealth.probes.results import DeviceFacts, FailureCode, ProbeKind

T0 = datetime(2026, 11, 29, 8, tzinfo=UTC)
FAULTS = ("blur", "too_dark", "occlusion", "frozen", "noise")


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


def timed(work, repeat: int = 3):  # type: ignore[no-untyped-def]
    """The best of ``repeat`` runs (the machine is shared) in wall and CPU seconds, and the
    last result."""
    wall, cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = work()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return (wall, cpu), result


async def scrape_times(snapshots: tuple[Snapshot, Snapshot], tmp: Path) -> list[float]:
    """Wall times of scrapes: a new Snapshot, the same again, then the 1%-changed one."""
    settings = Settings.model_validate(
        {
            "database": {"url": f"sqlite+aiosqlite:///{tmp / 'bench.db'}"},
            "exporter": {"host": "127.0.0.1", "port": 19810},
        }
    )
    accounts = await Accounts.open(settings)
    current = [snapshots[0]]
    app = build_app(lambda: current[0], settings, accounts=accounts)
    times = []
    async with serve(app, settings.exporter), aiohttp.ClientSession() as session:
        for snapshot in (snapshots[0], snapshots[0], snapshots[1]):
            current[0] = snapshot
            start = time.perf_counter()
            async with session.get("http://127.0.0.1:19810/metrics") as response:
                await response.read()  # gzip, decompressed by the client
            times.append(time.perf_counter() - start)
    await accounts.aclose()
    return times


def warm(first: Snapshot, second: Snapshot) -> tuple[float, float]:
    """Rendering ``second`` with the camera lines kept from ``first`` (best of 3)."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(3):
        kept = CameraLines()
        render(first, cameras=kept)
        (run_wall, run_cpu), _ = timed(partial(render, second, cameras=kept), repeat=1)
        wall, cpu = min(wall, run_wall), min(cpu, run_cpu)
    return wall, cpu


def measure(cameras: int, tmp: Path) -> dict[str, Any]:
    (build, _), (first, second) = timed(lambda: city(cameras), repeat=1)
    text_s, text = timed(lambda: render(first))
    om_s, _ = timed(lambda: render(first, openmetrics=True))
    warm_s = warm(first, second)
    gzip_s, zipped = timed(lambda: gzip.compress(text, compresslevel=1, mtime=0))
    new, cached, after_change = asyncio.run(scrape_times((first, second), tmp))
    return {
        "cameras": cameras,
        "series": text.count(b"\n") - text.count(b"\n#"),
        "build": build,
        "text": text_s,
        "om": om_s,
        "warm": warm_s,
        "gzip": gzip_s,
        "mb": len(text) / 1e6,
        "gz_mb": len(zipped) / 1e6,
        "new": new,
        "cached": cached,
        "after_change": after_change,
    }


def report(rows: list[dict[str, Any]], header: str) -> str:
    def both(pair: tuple[float, float]) -> str:
        return f"{pair[0]:.2f} / {pair[1]:.2f}"

    lines = [
        "Render and gzip times are wall / CPU seconds (best of 3); scrapes are wall seconds "
        "over 127.0.0.1 with gzip, as Prometheus asks.\n",
        "| cameras | series | body (MB) | gzip (MB) | text, new Snapshot | text, 1% changed "
        "| OpenMetrics, new | gzip | scrape: new Snapshot | same again | 1% changed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['cameras']:,} | {r['series']:,} | {r['mb']:.1f} | {r['gz_mb']:.1f} "
            f"| {both(r['text'])} | {both(r['warm'])} | {both(r['om'])} | {both(r['gzip'])} "
            f"| {r['new']:.2f} | {r['cached']:.2f} | {r['after_change']:.2f} |"
        )
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
    command = "`uv run python bench/exporter.py`"
    header = f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with {command}.\n\n{machine()}\n"
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(size, Path(tmp)) for size in args.sizes]
    text = report(rows, header)
    print(text)
    if args.out:
        args.out.write_text("# Exporter benchmark\n\n" + text, encoding="utf-8")


if __name__ == "__main__":
    main()
