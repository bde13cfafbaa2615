"""Judging a picture (its diagnosis and its sample packed for the store) in worker processes.

Why processes, not threads: the diagnosis is numpy and OpenCV in many short calls, each taking
the GIL back, and at 20,000 cameras the event loop holds the GIL nearly all the time; a thread
then waits at every call and pictures pile up behind it. A process has its own interpreter and,
on a 2-core box, the other core. A picture travels as its YUV planes (1.5 bytes a pixel) and
the judgement comes back; the worker imports only what judging needs (no SQLAlchemy, no aiohttp),
so it starts in about a second and stays small.

A worker that dies (a crash in a native library on a hostile picture, the OOM killer) breaks
the pool: the picture it held fails, and the next submission starts a new pool, so one bad
picture never stops the diagnosis of the others.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

import cv2

from camhealth.health.quality import FrameDiagnosis, diagnose
from camhealth.health.sequence import Sample
from camhealth.health.thresholds import QualityThresholds
from camhealth.monitor.pictures import pack_sample, unpack_sample
from camhealth.probes.results import FrameSample

log = logging.getLogger(__name__)
T = TypeVar("T")
PR_SET_PDEATHSIG = 1  # prctl(2)
TRACKER_WARNING = "ignore::UserWarning:multiprocessing.resource_tracker"


@dataclass(frozen=True)
class Judged:
    """A picture's diagnosis, its sample packed for the store and its JPEG thumbnail (for
    evidence and reference views), all made in the pool: the thumbnail's conversion and
    encoding on the event loop were 8% of its time at 20,000 cameras, where every camera's
    first pictures come with events."""

    diagnosis: FrameDiagnosis
    packed: bytes
    jpeg: bytes


def judge(
    frame: FrameSample,
    thresholds: QualityThresholds,
    previous: bytes | None,
    reference: bytes | None,
) -> Judged:
    """Judge ``frame`` against the camera's previous sample and its reference, both packed as
    the store keeps them: they are unpacked here, in the pool, not on the event loop."""
    diagnosis = diagnose(
        frame.image, thresholds, previous=_unpacked(previous), reference=_unpacked(reference)
    )
    return Judged(diagnosis, pack_sample(diagnosis.sample), frame.jpeg)


def _unpacked(packed: bytes | None) -> Sample | None:
    """A sample that does not unpack (damaged, or kept by a version whose Sample had other
    fields) is no sample: the picture is judged without it, and its own sample is kept."""
    try:
        return None if packed is None else unpack_sample(packed)
    except ValueError:
        return None


def _worker_started(monitor: int) -> None:
    # The pool is the parallelism; OpenCV's own threads would only wake the other core for
    # each small call (about 20% more CPU for the same diagnosis).
    cv2.setNumThreads(1)
    _end_with(monitor)


def _end_with(monitor: int) -> None:
    """Linux: a worker ends when its monitor does, even killed (SIGKILL, the OOM killer), rather
    than idle on as an orphan holding its memory."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != monitor:  # it died before that took effect
        os._exit(0)


def _quiet_tracker() -> None:
    """After a killed monitor, multiprocessing's resource tracker (started with the pool, writing
    to the monitor's stderr) frees the pool's semaphores and warns about it in plain text among
    the JSON log lines. That cleanup is expected: the warning is turned off in the children
    (``sys.warnoptions`` becomes their ``-W`` flags; this process's filters stay as they are)."""
    if TRACKER_WARNING not in sys.warnoptions:
        sys.warnoptions.append(TRACKER_WARNING)


class JudgingPool(Executor):
    """``workers`` processes judging pictures; a broken pool is replaced at the next submit."""

    def __init__(self, workers: int) -> None:
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _current(self) -> ProcessPoolExecutor:
        if self._pool is None:
            _quiet_tracker()
            self._pool = ProcessPoolExecutor(
                self._workers,
                mp_context=multiprocessing.get_context("spawn"),  # never fork a threaded process
                initializer=_worker_started,
                initargs=(os.getpid(),),
            )
        return self._pool

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        with self._lock:
            try:
                return self._current().submit(fn, *args, **kwargs)
            except BrokenProcessPool:
                log.warning("a diagnosis worker died; starting new ones")
                self._pool.shutdown(wait=False, cancel_futures=True)  # type: ignore[union-attr]
                self._pool = None
                return self._current().submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)
