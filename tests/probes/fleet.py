"""A simulated fleet in a process of its own (``camhealth simulate``), for scale tests and bench.

The simulator runs beside the monitor as real cameras would, on the other core, so what the
monitor spends can be measured apart from what the cameras spend.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from camhealth.camera_registry.importing import read_cameras
from camhealth.probes.results import ProbeKind
from camhealth.probes.rtsp import probe_rtsp
from camhealth.probes.targets import Watched, watched

READY_LINE = "Ctrl-C stops the fleet."


@dataclass
class RunningFleet:
    cameras: list[Watched]
    faults: dict[str, set[str]]  # camera id → injected fault names
    pid: int

    def healthy(self) -> list[Watched]:
        return [c for c in self.cameras if not self.faults[c.id]]


@contextlib.contextmanager
def simulated_fleet(
    count: int, mix: dict[str, object], workdir: Path, timeout: float = 5.0, startup: float = 900
) -> Iterator[RunningFleet]:
    """Start ``count`` cameras drawn from ``mix``; yield them as the scheduler would watch them."""
    (workdir / "mix.yml").write_text(yaml.safe_dump(mix))
    base = f"127.{random.randint(150, 199)}.0.0"
    args = [
        sys.executable, "-m", "camhealth", "simulate", "-n", str(count),
        "--mix", str(workdir / "mix.yml"), "--base-address", base,
        "--registry-out", str(workdir / "fleet.csv"), "--truth-out", str(workdir / "truth.json"),
        "--control", f"127.0.0.1:{random.randint(20000, 30000)}",
        "--platform", f"{base.rsplit('.', 2)[0]}.255.250:8554",
        "--onvif-port", "8080", "--rtsp-port", "8554",
    ]  # fmt: skip
    log = (workdir / "simulate.log").open("w+")
    process = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        _wait_ready(process, workdir / "simulate.log", startup)
        yield RunningFleet(_watched(workdir / "fleet.csv", timeout), _faults(workdir), process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_ready(process: subprocess.Popen[str], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while READY_LINE not in log.read_text():
        if process.poll() is not None:
            raise RuntimeError(f"the simulator stopped: {log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            raise TimeoutError("the simulator did not start in time")
        time.sleep(0.5)


def _watched(registry: Path, timeout: float) -> list[Watched]:
    rows = read_cameras(registry)
    return [
        watched(
            row.record,
            row.record.username,
            row.record.password.get_secret_value() if row.record.password else None,
            timeout,
        )
        for row in rows
    ]


def _faults(workdir: Path) -> dict[str, set[str]]:
    truth = json.loads((workdir / "truth.json").read_text())
    return {camera["id"]: set(camera["faults"]) for camera in truth["cameras"]}


async def warm(fleet: RunningFleet, seconds: float = 900) -> None:
    """DESCRIBE each healthy camera once, so the simulator has encoded (or loaded) every clip
    before anything is measured; its clip cache on disk makes later runs start at once."""
    semaphore = asyncio.Semaphore(32)

    async def describe(camera: Watched) -> None:
        target = replace(camera.targets[ProbeKind.rtsp], timeout=seconds)
        async with semaphore:
            await probe_rtsp(target)

    await asyncio.gather(*(describe(camera) for camera in fleet.healthy()))
