"""What the console reads from the history store: the city's trend, a camera's events, its
timeline and its last picture.  Shapes for the templates, computed here so they stay simple.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from camhealth.exporter.history import HistoryStore
from camhealth.health.events import Event
from camhealth.health.indicators import Indicator
from camhealth.health.snapshot import Snapshot
from camhealth.health.state import Confirmed
from camhealth.health.timeline import Period, intact_changes, segments

TREND_DAYS = 7
TIMELINE = timedelta(hours=24)
EVENTS_KEPT = timedelta(days=30)  # how far back a camera page looks for events
_DAWN = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Trend:
    """One indicator's city-wide ratio over the last days, as an SVG polyline 0..100 x 0..100."""

    indicator: Indicator
    points: str  # "x,y x,y ..." with y = 100 - percent
    last: float


async def trends(history: HistoryStore | None, snapshot: Snapshot) -> list[Trend]:
    """Each indicator's recorded city ratios, ending with the Snapshot's; an indicator needs
    at least one recorded point besides the present to have a trend ([] without history)."""
    if history is None:
        return []
    now = snapshot.made_at
    start = now - timedelta(days=TREND_DAYS)
    series: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for row in await history.history(start, now):
        if row["district"] == "" and row["denominator"]:
            series[row["indicator"]].append((row["at"], row["numerator"] / row["denominator"]))
    found = []
    for indicator in Indicator:
        points = series.get(indicator.value, [])
        current = snapshot.indicators.city.rate(indicator).ratio
        if current is not None:
            points.append((now, current))
        if len(points) >= 2:
            found.append(_trend(indicator, points, start, now))
    return found


def _trend(
    indicator: Indicator, points: list[tuple[datetime, float]], start: datetime, now: datetime
) -> Trend:
    span = (now - start).total_seconds()
    xy = [
        (max(0.0, (at - start).total_seconds()) / span * 100, 100 - ratio * 100)
        for at, ratio in points
    ]
    return Trend(indicator, " ".join(f"{x:.1f},{y:.1f}" for x, y in xy), points[-1][1])


async def camera_events(history: HistoryStore, camera: str, now: datetime) -> list[Event]:
    """The camera's events of the last days, oldest first."""
    return await history.events(start=now - EVENTS_KEPT, camera=camera)


@dataclass(frozen=True)
class Stretch:
    """Part of the timeline bar: ``left`` and ``width`` in percent of the last 24 hours."""

    intact: bool | None
    left: float
    width: float
    start: datetime
    end: datetime


def timeline(events: Sequence[Event], now: datetime, current: Confirmed) -> list[Stretch]:
    """The intact status over the last 24 hours; a stretch before any event is unknown.

    ``current`` (the state's intact status) closes it, so events pruned or not yet stored
    leave the present right.
    """
    period = Period(now - TIMELINE, now)
    # Unknown from the beginning of time until the first change we know of.
    changes: list[tuple[datetime, bool | None]] = [(_DAWN, None), *intact_changes(events)]
    if current.since is not None:
        changes.append((current.since, current.value))
    return [
        Stretch(
            part.value,
            (part.start - period.start).total_seconds() / period.seconds * 100,
            part.seconds / period.seconds * 100,
            part.start,
            part.end,
        )
        for part in segments(changes, period)
    ]


def last_picture_ref(events: Sequence[Event]) -> str | None:
    """The newest stored picture an event of the camera refers to."""
    return next((e.evidence.snapshot for e in reversed(events) if e.evidence.snapshot), None)


def as_rows(events: Sequence[Event]) -> list[dict[str, Any]]:
    """Newest first, for the events table."""
    return [
        {
            "at": e.at,
            "since": e.since,
            "kind": e.kind.value,
            "fault": e.fault,
            "probe": e.evidence.probe.value,
            "failure": e.evidence.failure.value if e.evidence.failure else None,
            "muted": e.muted,
        }
        for e in reversed(events)
    ]
