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
# Cameras per simulator process: each camera listens on two sockets (ONVIF, RTSP) and the hard
# open-file limit can be as low as 20,000, so a 20,000-camera fleet runs as three processes.
SHARD = 8000


@dataclass
class RunningFleet:
    cameras: list[Watched]
    faults: dict[str, set[str]]  # camera id → injected fault names
    pids: list[int]  # one simulator process per SHARD cameras

    def healthy(self) -> list[Watched]:
        return [c for c in self.cameras if not self.faults[c.id]]


@contextlib.contextmanager
def simulated_fleet(
    count: int, mix: dict[str, object], workdir: Path, timeout: float = 5.0, startup: float = 900
) -> Iterator[RunningFleet]:
    """Start ``count`` cameras drawn from ``mix``; yield them as the scheduler would watch them.

    The first shard's files (fleet.csv, truth.json, simulate.log) are in ``workdir``, the
    others' in ``workdir/shard-N``.
    """
    (workdir / "mix.yml").write_text(yaml.safe_dump(mix))
    network = random.randint(150, 199)
    dirs = [workdir if k == 0 else workdir / f"shard-{k}" for k in range(-(-count // SHARD))]
    processes: list[subprocess.Popen[str]] = []
    try:
        for k, shard_dir in enumerate(dirs):
            shard_dir.mkdir(exist_ok=True)
            size = min(SHARD, count - k * SHARD)
            processes.append(_start(k, size, network, workdir / "mix.yml", shard_dir))
        for process, shard_dir in zip(processes, dirs, strict=True):
            _wait_ready(process, shard_dir / "simulate.log", startup)
        yield RunningFleet(
            [c for d in dirs for c in _watched(d / "fleet.csv", timeout)],
            {cid: faults for d in dirs for cid, faults in _faults(d).items()},
            [process.pid for process in processes],
        )
    finally:
        for process in processes:
            _stop(process)


def _start(shard: int, count: int, network: int, mix: Path, workdir: Path) -> subprocess.Popen[str]:
    """One simulator process: 64 /24s of 127.NETWORK.0.0/16 per shard, its relay at .255.x."""
    base = f"127.{network}.{shard * 64}.0"
    args = [
        sys.executable, "-m", "camhealth", "simulate", "-n", str(count),
        "--first", str(1 + shard * SHARD),
        "--mix", str(mix), "--base-address", base,
        "--registry-out", str(workdir / "fleet.csv"), "--truth-out", str(workdir / "truth.json"),
        "--control", f"127.0.0.1:{random.randint(20000, 30000) + shard}",
        "--platform", f"127.{network}.255.{250 - shard}:8554",
        "--onvif-port", "8080", "--rtsp-port", "8554",
    ]  # fmt: skip
    with (workdir / "simulate.log").open("w") as log:
        return subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, text=True)


def _stop(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


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
