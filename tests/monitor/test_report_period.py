"""The report's sections are judged over the period, not by the statuses when it is made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from camhealth.camera_registry.records import AreaKind
from camhealth.health.events import Event, EventKind, Evidence
from camhealth.health.state import CameraState
from camhealth.health.timeline import Period
from camhealth.monitor.report import Report, build_report
from camhealth.probes.results import ProbeKind
from tests.registry.builders import area, camera

DAY = Period(datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC))
AREAS = [
    area("k1", kind=AreaKind.school, key_area=True, district="d"),
    area("k2", kind=AreaKind.school, key_area=True, district="d"),
    area("k3", kind=AreaKind.school, key_area=True, district="d"),
]
CAMERAS = [camera("c1", "k1"), camera("c2", "k1"), camera("c3", "k2"), camera("c4", "k3")]
K = EventKind


def at(hour: float) -> datetime:
    return DAY.start + timedelta(hours=hour)


def event(cam: str, kind: EventKind, hour: float) -> Event:
    return Event(cam, kind, at(hour), at(hour), Evidence(ProbeKind.frames))


def good(cam: str, hour: float = 0) -> list[Event]:
    return [event(cam, K.became_hd, hour), event(cam, K.became_intact, hour)]


def report(
    events: list[Event], made_at: datetime, states: dict[str, CameraState] | None = None
) -> Report:
    registry = (AREAS, CAMERAS)
    return build_report(DAY, None, made_at, registry, [], events, states or {}, timedelta(0))


def test_areas_are_listed_by_their_uncovered_hours_over_the_period_not_by_now() -> None:
    events = [
        # k1: c1 covers 0-10 h, c2 covers 8-24 h: always covered
        *good("c1"),
        event("c1", K.became_not_intact, 10),
        *good("c2", 8),
        # k2: HD but not intact 6-18 h, covered again now
        *good("c3"),
        event("c3", K.became_not_intact, 6),
        event("c3", K.became_intact, 18),
        # k3: intact but not HD until 23.9 h: covered now, uncovered nearly all day
        event("c4", K.became_intact, 0),
        event("c4", K.became_not_hd, 0),
        event("c4", K.became_hd, 23.9),
    ]
    listed = {u.area.id: u for u in report(events, DAY.end + timedelta(days=3)).uncovered}
    assert set(listed) == {"k2", "k3"}
    assert listed["k2"].uncovered_hours == 12 and listed["k2"].share == 0.5
    assert round(listed["k3"].uncovered_hours, 1) == 23.9
    assert [u.area.id for u in report(events, DAY.end).uncovered] == ["k3", "k2"]  # most first


def test_a_period_still_running_is_judged_up_to_now() -> None:
    events = [*good("c1"), *good("c3"), *good("c4"), event("c3", K.became_not_intact, 6)]
    made = report(events, at(12))
    assert [u.area.id for u in made.uncovered] == ["k2"]
    assert made.uncovered[0].uncovered_hours == 6 and made.uncovered[0].share == 0.5
    down = {d.camera.id: d.uptime for d in made.cameras}
    assert down["c3"].downtime_hours == 6  # not the 18 hours left in the day
    assert report(events, at(-1)).uncovered == ()  # nothing has happened yet
