"""The assessment report of a period: what an assessor computes from continuous monitoring.

- each indicator's time-weighted value and stars over the period, for the scope (the city or
  one district) and per district, from the indicator history the monitor recorded;
- the key areas that lacked HD coverage for at least ``MIN_UNCOVERED_SHARE`` of the period:
  the hours no camera of theirs was both HD and intact (from the cameras' ``became_hd``/
  ``became_intact`` events and their opposites), with why they are not covered now, if not;
- every camera that was not intact during the period: its downtime and intact hours (from its
  ``became_intact``/``became_not_intact`` events), the faults confirmed at the start or during
  the period, and the last picture that showed it not intact.

Statuses over time are counted up to when the report is made: the rest of a running month has
not happened yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from camhealth.camera_registry.records import AreaRecord, CameraRecord
from camhealth.health.events import Event, EventKind
from camhealth.health.indicators import AreaCoverage, Indicator, Rate, compute_indicators
from camhealth.health.state import CameraState
from camhealth.health.timeline import (
    Period,
    Uptime,
    WeightedRate,
    combined,
    hd_changes,
    intact_changes,
    time_weighted,
)
from camhealth.health.timeline import uptime as camera_uptime

# Once the monitor stops recording, its last sample stops counting after this many intervals
# (and never before HOLD_SECONDS: a busy monitor that samples late has not stopped).
HOLD_INTERVALS = 3
HOLD_SECONDS = 300.0
MIN_UNCOVERED_SHARE = 0.01  # of the period (a month: about 7 hours)
_NOT_INTACT = (EventKind.became_not_intact, EventKind.fault_confirmed)
_NOWHERE = AreaRecord(id="none", name="none")


@dataclass(frozen=True)
class ScopeRates:
    district: str | None  # None: the whole city
    rates: dict[Indicator, WeightedRate]

    @property
    def l4p4_stars(self) -> int:
        return min(self.rates[Indicator.hd_coverage].stars, self.rates[Indicator.intactness].stars)


@dataclass(frozen=True)
class CameraDowntime:
    camera: CameraRecord
    area: AreaRecord | None
    uptime: Uptime
    faults: tuple[str, ...]  # confirmed at the start of the period or during it
    evidence: str | None  # the reference of the last picture that showed it not intact


@dataclass(frozen=True)
class UncoveredArea:
    """A key area that lacked HD coverage for part of the period."""

    area: AreaRecord
    uncovered_seconds: float  # no camera of the area both HD and intact
    period_seconds: float  # of the period, up to when the report was made
    now: AreaCoverage  # its cameras, HD cameras and why it is not covered now (if not)

    @property
    def uncovered_hours(self) -> float:
        return self.uncovered_seconds / 3600

    @property
    def share(self) -> float:
        return self.uncovered_seconds / self.period_seconds


@dataclass(frozen=True)
class Report:
    period: Period
    district: str | None
    made_at: datetime
    scope: ScopeRates
    districts: tuple[ScopeRates, ...]
    uncovered: tuple[UncoveredArea, ...]
    cameras: tuple[CameraDowntime, ...]


def weighted_rates(
    rows: Iterable[dict[str, Any]], period: Period, hold: timedelta
) -> dict[str, dict[Indicator, WeightedRate]]:
    """Per district ("" = city) and indicator, the time-weighted rate over the period."""
    samples: dict[tuple[str, str], list[tuple[datetime, Rate]]] = defaultdict(list)
    for row in rows:
        rate = Rate(row["numerator"], row["denominator"])
        samples[(row["district"], row["indicator"])].append((row["at"], rate))
    found: dict[str, dict[Indicator, WeightedRate]] = defaultdict(dict)
    for (district, indicator), points in samples.items():
        found[district][Indicator(indicator)] = time_weighted(points, period, hold)
    return found


def _scope(
    district: str | None, rates: dict[Indicator, WeightedRate], seconds: float
) -> ScopeRates:
    empty = WeightedRate(0.0, 0.0, 0.0, seconds)
    return ScopeRates(district, {i: rates.get(i, empty) for i in Indicator})


def downtimes(
    cameras: Sequence[CameraRecord],
    areas: dict[str, AreaRecord],
    by_camera: dict[str, list[Event]],
    period: Period,
) -> list[CameraDowntime]:
    """The cameras not intact at some time of the period, most downtime first."""
    found = []
    for camera in cameras:
        mine = by_camera.get(camera.id, [])
        time = camera_uptime(intact_changes(mine), period)
        if not time.down_seconds:
            continue
        proof = [e.evidence.snapshot for e in mine if e.kind in _NOT_INTACT and e.evidence.snapshot]
        area = areas.get(camera.area_id)
        faults = _faults_during(mine, period)
        found.append(CameraDowntime(camera, area, time, faults, proof[-1] if proof else None))
    found.sort(key=lambda d: (-d.uptime.down_seconds, d.camera.id))
    return found


def uncovered_areas(
    areas: Sequence[AreaRecord],
    cameras: Sequence[CameraRecord],
    by_camera: dict[str, list[Event]],
    period: Period,
    now: dict[str, AreaCoverage],
) -> list[UncoveredArea]:
    """The key areas without an HD, intact camera for ``MIN_UNCOVERED_SHARE`` of the period
    or more, most uncovered first."""
    members: dict[str, list[CameraRecord]] = defaultdict(list)
    for camera in cameras:
        members[camera.area_id].append(camera)
    found = []
    for area in areas:
        if not area.key_area or area.id not in now:
            continue
        hd_and_intact = [
            combined([hd_changes(mine), intact_changes(mine)], all)
            for mine in (by_camera.get(c.id, []) for c in members[area.id] if c.enabled)
        ]
        covered = camera_uptime(combined(hd_and_intact, any), period).intact_seconds
        uncovered = period.seconds - covered
        if uncovered >= MIN_UNCOVERED_SHARE * period.seconds:
            found.append(UncoveredArea(area, uncovered, period.seconds, now[area.id]))
    found.sort(key=lambda u: (-u.uncovered_seconds, u.area.district, u.area.id))
    return found


def _faults_during(events: Sequence[Event], period: Period) -> tuple[str, ...]:
    """Faults confirmed at the period's start or confirmed within it (events in time order)."""
    active: set[str] = set()
    seen: set[str] = set()
    for event in events:
        if event.fault is None:
            continue
        if event.kind is EventKind.fault_confirmed:
            active.add(event.fault)
            if event.at >= period.start:
                seen.add(event.fault)
        elif event.kind is EventKind.fault_cleared and event.at < period.start:
            active.discard(event.fault)
    return tuple(sorted(seen | active))


def build_report(
    period: Period,
    district: str | None,
    made_at: datetime,
    registry: tuple[list[AreaRecord], list[CameraRecord]],
    history: Iterable[dict[str, Any]],
    events: Sequence[Event],
    states: dict[str, CameraState],
    hold: timedelta,
) -> Report:
    areas, cameras = registry
    rates = weighted_rates(history, period, hold)
    by_id = {area.id: area for area in areas}
    districts = sorted({a.district for a in areas} | (rates.keys() - {""}))
    if district is not None:
        cameras = [c for c in cameras if by_id.get(c.area_id, _NOWHERE).district == district]
        areas = [a for a in areas if a.district == district]
    now = compute_indicators(areas, cameras, states)
    coverage_now = {a.area: a for a in now.areas if a.indicator is Indicator.hd_coverage}
    by_camera: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        if event.at < period.end:
            by_camera[event.camera].append(event)
    past = _until(period, made_at)
    return Report(
        period=period,
        district=district,
        made_at=made_at,
        scope=_scope(district, rates.get(district or "", {}), period.seconds),
        districts=tuple(
            _scope(d, rates.get(d, {}), period.seconds)
            for d in districts
            if district is None or d == district
        ),
        uncovered=tuple(uncovered_areas(areas, cameras, by_camera, past, coverage_now))
        if past
        else (),
        cameras=tuple(downtimes(cameras, by_id, by_camera, past)) if past else (),
    )


def _until(period: Period, made_at: datetime) -> Period | None:
    """The part of the period that has happened when the report is made (None: none yet)."""
    end = min(period.end, made_at)
    return Period(period.start, end) if end > period.start else None
