"""What the API reads besides the Snapshot: events, the indicators over time, evidence pictures.

``HistoryStore`` is the part of the monitor's store (``camhealth.monitor.store.MonitorStore``)
the API uses, so the monitor's store is passed as is: ``build_app(..., history=store)``.
``MemoryHistory`` is a complete in-memory one, for the tests and a monitor without a database.

An evidence picture is named by the reference its event carries (``Evidence.snapshot``):
``CAMERA_ID@ISO-TIME``.  ``picture_ref`` refuses any other shape before a store sees it, so a
name from a URL can never reach a file path or a query as something else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from camhealth.camera_registry.records import ID_PATTERN
from camhealth.health.events import Event

_REF = re.compile(ID_PATTERN.removesuffix("$") + r"@[0-9][0-9T:.+\-]{9,39}$")


def picture_ref(name: str) -> str | None:
    """``name`` if it has the shape of an evidence reference, else None."""
    return name if _REF.fullmatch(name) and ".." not in name else None


class HistoryStore(Protocol):
    async def events(
        self, start: datetime | None = None, end: datetime | None = None, camera: str | None = None
    ) -> list[Event]:
        """Events decided in [start, end), oldest first."""
        ...

    async def history(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Indicator samples in [start, end) plus the last one before ``start``, oldest first:
        rows of ``at``, ``district`` ("" = city), ``indicator``, ``numerator``, ``denominator``."""
        ...

    async def evidence(self, refs: Iterable[str]) -> dict[str, bytes]:
        """The JPEG of each reference that is stored."""
        ...

    async def last_pictures(self, cameras: Iterable[str]) -> dict[str, str]:
        """The reference of each camera's newest stored picture, for those that have one."""
        ...


@dataclass
class MemoryHistory:
    """A HistoryStore in memory."""

    events_kept: list[Event] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    pictures: dict[str, bytes] = field(default_factory=dict)

    async def events(
        self, start: datetime | None = None, end: datetime | None = None, camera: str | None = None
    ) -> list[Event]:
        return [
            e
            for e in sorted(self.events_kept, key=lambda e: e.at)
            if (start is None or e.at >= start)
            and (end is None or e.at < end)
            and (camera is None or e.camera == camera)
        ]

    async def history(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        rows = sorted(self.rows, key=lambda row: row["at"])
        before = [row["at"] for row in rows if row["at"] < start]
        first = before[-1] if before else start
        return [row for row in rows if first <= row["at"] < end]

    async def evidence(self, refs: Iterable[str]) -> dict[str, bytes]:
        return {ref: self.pictures[ref] for ref in refs if ref in self.pictures}

    async def last_pictures(self, cameras: Iterable[str]) -> dict[str, str]:
        wanted, found = set(cameras), {}
        # A reference is CAMERA@TIME (picture_ref): the newest time wins.
        for ref in sorted(self.pictures, key=lambda r: datetime.fromisoformat(r.split("@")[1])):
            camera = ref.rpartition("@")[0]
            if camera in wanted:
                found[camera] = ref
        return found
