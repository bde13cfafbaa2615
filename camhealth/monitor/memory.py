"""Keeping the monitor's resident memory near what it uses (glibc's allocator, Linux).

glibc gives each thread that allocates an arena of its own, up to eight per core, and keeps the
memory freed in each for later. The monitor's threads (probe decoding, the metrics render, the
database driver) each allocate large buffers in turn (keyframes, rendered families, rows), so
freed memory piles up in a dozen arenas, resident but unused. Two arenas, and giving the free
pages back every minute, keep the resident set near the live data: what a 1 GiB budget at
20,000 cameras needs (bench/health.md).

Elsewhere (another C library, another OS) both are no-ops.

Python's cycle collector is tuned for the monitor's allocation pattern (``tune_collector``): a
probe's objects live for its milliseconds to seconds, long enough to survive the default
young collections (every 700 net allocations), so they reach the oldest generation and make
full collections frequent. At 5,000 cameras probed at the 20,000-camera rate a full collection
ran every ~2.5 s and took 100-200 ms of the event loop, finding almost nothing (bench/health.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # mallopt(3)
ARENAS = 2
TRIM_SECONDS = 60.0
# Young collections every 50,000 net allocations (a few ms of probing: most probes' objects are
# gone by then), the middle one every 20 of them, the full one at most every 10 middle ones.
COLLECTOR_THRESHOLDS = (50_000, 20, 10)


def _glibc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    libc = ctypes.CDLL(name)
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


_LIBC = _glibc()


def limit_arenas() -> bool:
    """At most ``ARENAS`` malloc arenas from now on (threads started later share them)."""
    return _LIBC is not None and _LIBC.mallopt(M_ARENA_MAX, ARENAS) == 1


def give_back() -> bool:
    """Return the allocator's free pages to the system; True when some were."""
    return _LIBC is not None and _LIBC.malloc_trim(0) == 1


def tune_collector() -> None:
    """The cycle collector's thresholds for a long-running monitor (see the module's doc)."""
    gc.set_threshold(*COLLECTOR_THRESHOLDS)
