"""Benchmark: CPU cost of the pure health core at 5,000 and 20,000 cameras.

Measures, in CPU seconds of this process (``time.process_time``): one ``state.step`` (a mix of
onvif, rtsp, frames with a diagnosis, and platform observations), a state's JSON round trip,
``compute_indicators`` and ``build_snapshot`` over the whole fleet. No I/O is involved.

    uv run python bench/health_core.py --out bench/health_core.md
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from camhealth.camera_registry.records import AreaKind, AreaRecord, CameraRecord, CameraRole
from camhealth.config import HealthConfig
from camhealth.health.indicators import compute_indicators
from camhealth.health.snapshot import build_snapshot
from camhealth.health.state import CameraState, Observation, step
from camhealth.probes.results import FailureCode, ProbeKind

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' stand-in pictures
from tests.health.state_helpers import Picture

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def picture(bad: str | None) -> Picture:
    """A 1080p picture judged on all ten faults, ``bad`` detected."""
    return Picture(1920, 1080, () if bad is None else (bad,))


OBSERVATIONS = [
    Observation(ProbeKind.onvif, duration=0.1),
    Observation(ProbeKind.rtsp, duration=0.1),
    Observation(ProbeKind.frames, diagnosis=picture(None), snapshot="s"),
    Observation(ProbeKind.frames, diagnosis=picture("blur"), snapshot="s"),
    Observation(ProbeKind.rtsp, failure=FailureCode.timeout),
    Observation(ProbeKind.platform, failure=FailureCode.not_found, direct_ok=True),
    Observation(ProbeKind.platform),
]


def city(n: int) -> tuple[list[AreaRecord], list[CameraRecord]]:
    areas = [
        AreaRecord(
            id=f"a{i}",
            name=f"a{i}",
            district=f"d{i % 12}",
            key_area=i % 4 != 3,
            kind=AreaKind.intersection if i % 4 == 3 else AreaKind.park_square,
        )
        for i in range(max(1, n // 30))
    ]
    cameras = [
        CameraRecord(
            id=f"c{i}",
            name=f"c{i}",
            area_id=areas[i % len(areas)].id,
            role=CameraRole.e_police if i % 10 == 0 else CameraRole.surveillance,
            platform_url=f"rtsp://p/{i}" if i % 5 else None,
            declared_networked=i % 7 == 0,
        )
        for i in range(n)
    ]
    return areas, cameras


def cpu(action: Callable[[], object], repeat: int = 1) -> float:
    start = time.process_time()
    for _ in range(repeat):
        action()
    return (time.process_time() - start) / repeat


def fleet_states(cameras: list[CameraRecord]) -> dict[str, CameraState]:
    config, states = HealthConfig(), {}
    for n, camera in enumerate(cameras):
        state = CameraState(camera.id)
        for k in range(len(OBSERVATIONS)):
            obs = OBSERVATIONS[(n + k) % len(OBSERVATIONS)]
            state, _ = step(state, obs, config, T0 + timedelta(minutes=k))
        states[camera.id] = state
    return states


def measure(n: int) -> dict[str, float]:
    areas, cameras = city(n)
    start = time.process_time()
    states = fleet_states(cameras)
    steps = n * len(OBSERVATIONS)
    step_us = (time.process_time() - start) / steps * 1e6
    sample = next(iter(states.values()))
    roundtrip_us = cpu(lambda: CameraState.from_dict(sample.to_dict()), 2000) * 1e6
    indicators_ms = cpu(lambda: compute_indicators(areas, cameras, states), 5) * 1e3
    snapshot_ms = cpu(lambda: build_snapshot(T0, areas, cameras, states), 5) * 1e3
    return {
        "cameras": n,
        "step_us": step_us,
        "roundtrip_us": roundtrip_us,
        "indicators_ms": indicators_ms,
        "snapshot_ms": snapshot_ms,
    }


def machine() -> str:
    cpu_model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    memory = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.strip()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"- CPU: {cpu_model}, `nproc` = {os.cpu_count()}, load average at start: {load}\n"
        f"- Python {platform.python_version()}\n- `free -h`:\n\n```\n{memory}\n```\n"
    )


def run_header(command: str) -> str:
    """The first lines of a recorded run: when, with which command, on what machine."""
    return f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `{command}`.\n\n{machine()}\n"


def publish(title: str, text: str, out: Path | None) -> None:
    """Print a run's markdown, and write it under ``title`` to ``out`` when asked."""
    print(text)
    if out:
        out.write_text(f"# {title}\n\n{text}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    args = parser.parse_args()
    header = machine()
    rows = [measure(n) for n in args.sizes]
    table = [
        "| cameras | step (µs) | state JSON round trip (µs) | compute_indicators (ms) | "
        "build_snapshot (ms) |",
        "|---|---|---|---|---|",
    ]
    table += [
        f"| {r['cameras']:,} | {r['step_us']:.0f} | {r['roundtrip_us']:.0f} | "
        f"{r['indicators_ms']:.0f} | {r['snapshot_ms']:.0f} |"
        for r in rows
    ]
    text = (
        f"# Health core benchmark\n\nRun {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with "
        f"`uv run python bench/health_core.py`.\n\n{header}\n" + "\n".join(table) + "\n"
    )
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
