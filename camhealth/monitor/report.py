"""The assessment report of a period: what an assessor computes from continuous monitoring.

- each indicator's time-weighted value and stars over the period, for the scope (the city or
  one district) and per district, from the indicator history the monitor recorded;
- the key areas without HD coverage, as the stored statuses stand when the report is made;
- every camera that was not intact during the period: its downtime and intact hours (from its
  ``became_intact``/``became_not_intact`` events), the faults confirmed at the start or during
  the period, and the last picture that showed it not intact.
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
from camhealth.health.timeline import Period, Uptime, WeightedRate, intact_changes, time_weighted
from camhealth.health.timeline import uptime as camera_uptime

# Once the monitor stops recording, its last sample stops counting after this many intervals
# (and never before HOLD_SECONDS: a busy monitor that samples late has not stopped).
HOLD_INTERVALS = 3
HOLD_SECONDS = 300.0
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
class Report:
    period: Period
    district: str | None
    made_at: datetime
    scope: ScopeRates
    districts: tuple[ScopeRates, ...]
    uncovered: tuple[AreaCoverage, ...]
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
    events: Sequence[Event],
    period: Period,
) -> list[CameraDowntime]:
    """The cameras not intact at some time of the period, most downtime first."""
    by_camera: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        by_camera[event.camera].append(event)
    found = []
    for camera in cameras:
        mine = [e for e in by_camera.get(camera.id, []) if e.at < period.end]
        time = camera_uptime(intact_changes(mine), period)
        if not time.down_seconds:
            continue
        proof = [e.evidence.snapshot for e in mine if e.kind in _NOT_INTACT and e.evidence.snapshot]
        area = areas.get(camera.area_id)
        faults = _faults_during(mine, period)
        found.append(CameraDowntime(camera, area, time, faults, proof[-1] if proof else None))
    found.sort(key=lambda d: (-d.uptime.down_seconds, d.camera.id))
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
        uncovered=now.uncovered(Indicator.hd_coverage),
        cameras=tuple(downtimes(cameras, by_id, events, period)),
    )
