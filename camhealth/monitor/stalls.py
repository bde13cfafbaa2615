"""Event-loop lag, and how long the loop stalled during a probe.

A probe that timed out while the loop stalled may have had its answer waiting unread in the
socket: the timeout says something about our CPU, not about the camera. How long it stalled
matters: a short stall in a long probe still left a camera that answers time to do so.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

from camhealth.probes.looplag import LoopLag

STALLS_KEPT = 4096  # lag samples: ~17 minutes at the sampler's pace, more than any probe


@dataclass
class StallWatch(LoopLag):
    """``LoopLag`` that also remembers each late wake-up: (loop time it woke, lag)."""

    wakes: deque[tuple[float, float]] = field(default_factory=lambda: deque(maxlen=STALLS_KEPT))

    def record(self, lag: float) -> None:
        super().record(lag)
        if lag > 0.0:
            self.wakes.append((self.due + lag, lag))

    def stalled_for(self, started: float) -> float:
        """Seconds the loop stalled since ``started`` (loop time), including a stall going on
        now (the sampler is overdue)."""
        now = asyncio.get_running_loop().time()
        stalled = max(0.0, now - max(self.due, started))
        for woke, lag in reversed(self.wakes):
            if woke <= started:
                break
            stalled += min(lag, woke - started)
        return stalled
