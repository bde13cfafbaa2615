"""Event-loop lag, and whether the loop stalled during a probe.

A probe that timed out while the loop stalled may have had its answer waiting unread in the
socket: the timeout says something about our CPU, not about the camera.
"""

from __future__ import annotations

import asyncio
import math
from dataclasses import dataclass

from camhealth.probes.looplag import LoopLag


@dataclass
class StallWatch(LoopLag):
    """``LoopLag`` that also remembers when the loop last woke ``stall`` seconds late."""

    stall: float = 1.0
    last_stall: float = -math.inf  # loop time
    due: float = math.inf  # when the sampler should wake next (loop time)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self.due = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            lag = max(0.0, loop.time() - self.due)
            if lag >= self.stall:
                self.last_stall = loop.time()
            self.record(lag)

    def stalled_since(self, started: float) -> bool:
        """Whether the loop stalled after ``started``, or is stalling now (the sampler has
        not had its turn yet). Loop time."""
        now = asyncio.get_running_loop().time()
        return self.last_stall >= started or now - self.due >= self.stall
