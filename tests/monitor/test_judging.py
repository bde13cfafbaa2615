"""Pictures are judged in worker processes: the same judgement as in-process, and a dead worker
costs only its own picture."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from skimage import data

from camhealth.health.thresholds import QualityThresholds
from camhealth.monitor.judging import JudgingPool, judge
from camhealth.probes.results import FrameSample


def _decoded_sample() -> FrameSample:
    rgb = np.ascontiguousarray(cv2.resize(data.astronaut(), (640, 360)))
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format="yuv420p")
    return FrameSample.of(frame, "h264", 0.1)


def test_a_worker_judges_a_decoded_picture_as_the_monitor_would() -> None:
    sample, thresholds = _decoded_sample(), QualityThresholds()
    pool = JudgingPool(1)
    try:
        remote = pool.submit(judge, sample, thresholds, None, None).result(timeout=60)
    finally:
        pool.shutdown()
    local = judge(sample, thresholds, None, None)
    assert (remote.diagnosis.width, remote.diagnosis.height) == (640, 360)
    assert [(c.fault, c.detected) for c in remote.diagnosis.checks] == [
        (c.fault, c.detected) for c in local.diagnosis.checks
    ]
    assert [c.score for c in remote.diagnosis.checks] == pytest.approx(
        [c.score for c in local.diagnosis.checks], abs=1e-6
    )
    assert remote.packed == local.packed
    # The evidence thumbnail comes back made: the monitor's loop converts and encodes nothing.
    thumb = cv2.imdecode(np.frombuffer(remote.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert thumb.shape == (360, 640, 3) and remote.jpeg == local.jpeg


def test_a_dead_worker_fails_its_own_job_and_the_pool_comes_back() -> None:
    pool = JudgingPool(1)
    try:
        with pytest.raises(BrokenProcessPool):
            pool.submit(os._exit, 3).result(timeout=60)
        assert pool.submit(abs, -5).result(timeout=60) == 5
    finally:
        pool.shutdown()


ORPHAN = """
import os, sys, time
from camhealth.monitor.judging import JudgingPool
pool = JudgingPool(1)
print(pool.submit(os.getpid).result(timeout=60), flush=True)
time.sleep(60)
"""


def test_a_worker_ends_when_its_monitor_is_killed() -> None:
    monitor = subprocess.Popen([sys.executable, "-c", ORPHAN], stdout=subprocess.PIPE, text=True)
    assert monitor.stdout is not None
    worker = int(monitor.stdout.readline())
    os.kill(monitor.pid, signal.SIGKILL)
    monitor.wait()
    deadline = time.monotonic() + 20
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended; only its parent (init, now) has yet to reap it
