"""Rates and camera uptime over a period, from what was recorded over time.

What an assessor computes from continuous monitoring: each recorded value holds from its time
until the next record (or, with ``hold``, for at most that long: a monitor that stopped says
nothing about the time after).  Time that no record covers is "no data" and weighs nothing.

- A time-weighted rate is the integral of the numerator over the integral of the denominator:
  camera-hours intact over camera-hours, so a camera added mid-month weighs by its time in the
  registry, and stretches with an empty denominator add nothing.
- A camera's uptime splits the period into intact, not intact (a status that was not intact,
  or unknown, which the indicators count as not intact) and no data.
- Yes/no statuses over time combine (``combined``): a key area is HD-covered while any of its
  cameras is both HD and intact.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from itertools import pairwise
from typing import Generic, TypeVar

from camhealth.health.events import Event, EventKind
from camhealth.health.indicators import Rate, stars

V = TypeVar("V")
Change = tuple[datetime, bool]  # a yes/no status from this time on
HOUR = 3600.0


@dataclass(frozen=True)
class Period:
    """The half-open time range [start, end)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ValueError("a period must end after it starts")

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()

    @classmethod
    def parse(cls, text: str, tz: tzinfo) -> Period:
        """``2026-11`` (a month), ``2026-11-02`` (a day) or ``2026-11-02T08`` (an hour), in ``tz``.

        Bad text, or a month or day that does not exist, raises ValueError.
        """
        match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2})(?:T(\d{2}))?)?", text.strip())
        if not match:
            raise ValueError(f"not a period: {text!r} (use 2026-11, 2026-11-02 or 2026-11-02T08)")
        year, month, day, hour = (int(part) if part else None for part in match.groups())
        assert year is not None and month is not None
        start = datetime(year, month, day or 1, hour or 0, tzinfo=tz)
        if hour is not None:
            return cls(start, start + timedelta(hours=1))
        if day is not None:
            return cls(start, start + timedelta(days=1))
        following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
        return cls(start, following)


@dataclass(frozen=True)
class Segment(Generic[V]):
    value: V
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def segments(
    points: Iterable[tuple[datetime, V]], period: Period, hold: timedelta | None = None
) -> list[Segment[V]]:
    """The stretches of ``period`` each recorded value held, in time order.

    A point holds until the next one or the period's end, and for at most ``hold`` when it is
    given; the last point before the period carries into it.  Of points with the same time the
    later in ``points`` wins.
    """
    ordered = sorted(points, key=lambda point: point[0])
    found = []
    for n, (at, value) in enumerate(ordered):
        end = ordered[n + 1][0] if n + 1 < len(ordered) else period.end
        end = min(end, period.end) if hold is None else min(end, period.end, at + hold)
        start = max(at, period.start)
        if end > start:
            found.append(Segment(value, start, end))
    return found


@dataclass(frozen=True)
class WeightedRate:
    """A rate weighted by time: numerator and denominator integrated over seconds."""

    numerator_seconds: float
    denominator_seconds: float
    data_seconds: float  # how much of the period a record covered
    period_seconds: float

    @property
    def ratio(self) -> float | None:
        if not self.denominator_seconds:
            return None
        return self.numerator_seconds / self.denominator_seconds

    @property
    def stars(self) -> int:
        return stars(self.numerator_seconds, self.denominator_seconds)


def time_weighted(
    samples: Iterable[tuple[datetime, Rate]], period: Period, hold: timedelta | None = None
) -> WeightedRate:
    """The rate over ``period`` from recorded (time, numerator/denominator) samples."""
    held = segments(samples, period, hold)
    return WeightedRate(
        numerator_seconds=sum(s.value.numerator * s.seconds for s in held),
        denominator_seconds=sum(s.value.denominator * s.seconds for s in held),
        data_seconds=sum(s.seconds for s in held),
        period_seconds=period.seconds,
    )


@dataclass(frozen=True)
class Uptime:
    """One camera's time in a period: intact, not intact (or unknown), and not recorded."""

    intact_seconds: float
    down_seconds: float
    no_data_seconds: float
    outages: int  # times it went from intact to not intact within the period

    @property
    def intact_hours(self) -> float:
        return self.intact_seconds / HOUR

    @property
    def downtime_hours(self) -> float:
        return self.down_seconds / HOUR

    @property
    def ratio(self) -> float | None:
        """Intact share of the recorded time; None when nothing was recorded."""
        recorded = self.intact_seconds + self.down_seconds
        return self.intact_seconds / recorded if recorded else None


def uptime(
    points: Iterable[tuple[datetime, bool | None]], period: Period, hold: timedelta | None = None
) -> Uptime:
    """A camera's uptime from its intact status over time (True, False, or None for unknown)."""
    held = segments(points, period, hold)
    intact = sum(s.seconds for s in held if s.value is True)
    down = sum(s.seconds for s in held if s.value is not True)
    outages = sum(
        1
        for before, after in pairwise(held)
        if before.value is True and after.value is not True and before.end == after.start
    )
    return Uptime(intact, down, period.seconds - intact - down, outages)


def intact_changes(events: Iterable[Event]) -> list[Change]:
    """A camera's intact status over time from its events, each dated from when it began."""
    return status_changes(events, EventKind.became_intact, EventKind.became_not_intact)


def status_changes(events: Iterable[Event], on: EventKind, off: EventKind) -> list[Change]:
    """A status over time from the events that turn it on and off, dated from when it began."""
    return [(event.since, event.kind is on) for event in events if event.kind in (on, off)]


def hd_changes(events: Iterable[Event]) -> list[Change]:
    return status_changes(events, EventKind.became_hd, EventKind.became_not_hd)


def combined(
    timelines: Sequence[Sequence[Change]], rule: Callable[[list[bool]], bool]
) -> list[Change]:
    """One status over time from several: at each change of any, ``rule`` of their values
    (a status is False before its first change: unknown counts as no)."""
    ordered = [sorted(timeline, key=lambda change: change[0]) for timeline in timelines]
    times = sorted({at for timeline in ordered for at, _ in timeline})
    keys = [[at for at, _ in timeline] for timeline in ordered]

    def value_at(n: int, at: datetime) -> bool:
        index = bisect_right(keys[n], at)  # the last change at or before ``at`` holds
        return bool(index) and ordered[n][index - 1][1]

    return [(at, rule([value_at(n, at) for n in range(len(ordered))])) for at in times]
