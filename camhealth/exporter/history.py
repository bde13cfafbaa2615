"""What the API reads besides the Snapshot: events, the indicators over time, evidence pictures.

``HistoryStore`` is the interface the monitor's store offers the exporter (``build_app(...,
history=...)``); ``MemoryHistory`` is a complete in-memory one, for a monitor without a
database and for the tests.  Picture names are checked here, once, for every store:
``picture_name`` refuses anything but ``folder/name.jpg`` made of safe characters, so a name
from a URL can never walk out of where pictures are kept.
"""

from __future__ import annotations

import re
from bisect import insort
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from camhealth.health.events import Event, EventKind
from camhealth.health.indicators import ScopeIndicators

_PICTURE = re.compile(r"^(?:[A-Za-z0-9_\-]{1,64}/){0,3}[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,127}\.jpg$")


def picture_name(name: str) -> str | None:
    """``name`` if it is a safe relative picture name (no ``..``, no absolute path), else None."""
    if not _PICTURE.fullmatch(name) or ".." in name:
        return None
    return name


@dataclass(frozen=True)
class EventQuery:
    camera: str | None = None
    kind: EventKind | None = None
    since: datetime | None = None  # events decided at or after
    until: datetime | None = None  # events decided before
    limit: int = 100


class HistoryStore(Protocol):
    async def events(self, query: EventQuery) -> Sequence[Event]:
        """Matching events, newest first, at most ``query.limit``."""
        ...

    async def indicator_history(
        self, start: datetime, end: datetime
    ) -> Sequence[tuple[datetime, ScopeIndicators]]:
        """The city's recorded indicators in [start, end), oldest first, with the last record
        before ``start`` (it holds at ``start``)."""
        ...

    async def picture(self, name: str) -> bytes | None:
        """The JPEG stored under ``name`` (already checked by ``picture_name``), or None."""
        ...


@dataclass
class MemoryHistory:
    """A HistoryStore in memory: what a monitor without a database keeps."""

    _events: list[Event] = field(default_factory=list)
    _indicators: list[tuple[datetime, ScopeIndicators]] = field(default_factory=list)
    _pictures: dict[str, bytes] = field(default_factory=dict)

    def add_events(self, events: Sequence[Event]) -> None:
        for event in events:
            insort(self._events, event, key=lambda e: e.at)

    def add_indicators(self, at: datetime, city: ScopeIndicators) -> None:
        insort(self._indicators, (at, city), key=lambda item: item[0])

    def add_picture(self, name: str, jpeg: bytes) -> None:
        if picture_name(name) is None:
            raise ValueError("not a safe picture name")
        self._pictures[name] = jpeg

    async def events(self, query: EventQuery) -> Sequence[Event]:
        found = [e for e in reversed(self._events) if _matches(e, query)]
        return found[: query.limit]

    async def indicator_history(
        self, start: datetime, end: datetime
    ) -> Sequence[tuple[datetime, ScopeIndicators]]:
        before = [item for item in self._indicators if item[0] < start][-1:]
        return before + [item for item in self._indicators if start <= item[0] < end]

    async def picture(self, name: str) -> bytes | None:
        return self._pictures.get(name)


def _matches(event: Event, query: EventQuery) -> bool:
    return (
        (query.camera is None or event.camera == query.camera)
        and (query.kind is None or event.kind is query.kind)
        and (query.since is None or event.at >= query.since)
        and (query.until is None or event.at < query.until)
    )
