"""Event-loop lag: how late a sleep wakes up, the sign that something blocks the loop.

``camhealth_event_loop_lag_seconds`` comes from here. A probe that blocked the loop (a decode
run inline, a huge parse) would show as lag for every camera, so the scheduler watches it.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass


@dataclass
class LoopLag:
    """Samples the loop's lag every ``interval`` seconds while :meth:`run` runs."""

    interval: float = 0.25
    last: float = 0.0
    worst: float = 0.0
    samples: int = 0
    due: float = math.inf  # when the sampler should wake next (loop time)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self.due = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            self.record(max(0.0, loop.time() - self.due))

    def record(self, lag: float) -> None:
        self.last, self.worst, self.samples = lag, max(self.worst, lag), self.samples + 1

    def take_worst(self) -> float:
        """The worst lag since the last call (for a gauge scraped periodically)."""
        worst, self.worst = self.worst, self.last
        return worst
