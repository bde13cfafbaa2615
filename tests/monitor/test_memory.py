"""Freed memory goes back to the system (glibc, Linux): what keeps the monitor's resident set
near its live data."""

from __future__ import annotations

import collections
import gc
import subprocess
import sys

import pytest

from camhealth.monitor import memory

# In a fresh process: a thread allocates 256 MiB in 96 kB blocks (under glibc's mmap
# threshold, so from an arena) with a 1 kB survivor after each, then frees the blocks. The
# survivors pin the heap's top, so nothing is returned until give_back.
FRAGMENTED = """
import threading
from pathlib import Path
from camhealth.monitor import memory

def rss():
    lines = Path("/proc/self/status").read_text().splitlines()
    line = next(l for l in lines if l.startswith("VmRSS"))
    return int(line.split()[1]) // 1024

def churn():
    big, small = [], []
    for i in range(2730):
        big.append(bytearray(b"x" * 96_000))  # written: resident
        small.append(bytearray(b"y" * 1024))  # over 512 bytes: from glibc, not pymalloc
    big.clear()
    pin.append(small)

pin = []
thread = threading.Thread(target=churn)
thread.start()
thread.join()
before = rss()
print(memory.give_back(), before, rss())
"""


@pytest.mark.skipif(memory._LIBC is None, reason="not glibc: give_back is a no-op there")
def test_free_pages_held_by_a_thread_arena_go_back() -> None:
    out = subprocess.run(
        [sys.executable, "-c", FRAGMENTED], capture_output=True, text=True, check=True
    ).stdout.split()
    returned, before, after = out[0] == "True", int(out[1]), int(out[2])
    assert before > 200  # the freed blocks were still resident
    assert returned and after < before - 150


@pytest.mark.skipif(memory._LIBC is None, reason="not glibc")
def test_the_arena_limit_is_accepted() -> None:
    assert memory.limit_arenas()


def _cycle(n: int) -> list[object]:
    """A small reference cycle: freed only by the collector, as a finished probe's task,
    future and exception (with its traceback's frames) are."""
    cycle: list[object] = [n]
    cycle.append(cycle)
    return cycle


def _full_collections(churn_batches: int) -> int:
    """Full collections while objects that live a little (like a probe's) come and go over
    a large long-lived heap (like a fleet's states)."""
    fleet = [{"camera": n, "facts": [n, str(n)]} for n in range(100_000)]
    recent: collections.deque[list[list[object]]] = collections.deque(maxlen=300)
    full = 0

    def count(phase: str, info: dict[str, int]) -> None:
        nonlocal full
        full += phase == "stop" and info["generation"] == 2

    gc.collect()
    gc.callbacks.append(count)
    try:
        for n in range(churn_batches):
            recent.append([_cycle(n) for _ in range(20)])
    finally:
        gc.callbacks.remove(count)
    del fleet
    return full


def test_the_tuned_collector_runs_far_fewer_full_collections() -> None:
    default = gc.get_threshold()
    try:
        untuned = _full_collections(30_000)
        memory.tune_collector()
        tuned = _full_collections(30_000)
    finally:
        gc.set_threshold(*default)
    assert untuned >= 4
    assert tuned <= untuned // 4, (untuned, tuned)
