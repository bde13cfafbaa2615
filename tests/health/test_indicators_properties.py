"""Properties of the indicator arithmetic over arbitrary cities."""

from __future__ import annotations

from dataclasses import dataclass, replace

from hypothesis import given, settings
from hypothesis import strategies as st

from camhealth.camera_registry.records import AreaKind, AreaRecord, CameraRecord
from camhealth.health.indicators import Indicator, IndicatorReport, Rate, compute_indicators
from camhealth.health.state import CameraState
from tests.health.city import area, camera, status

DISTRICTS = ("城关街道", "龙旺庄街道", "")


@dataclass(frozen=True)
class City:
    areas: list[AreaRecord]
    cameras: list[CameraRecord]
    states: dict[str, CameraState]

    def report(self) -> IndicatorReport:
        return compute_indicators(self.areas, self.cameras, self.states)


statuses = st.builds(
    status,
    st.just("x"),
    intact=st.booleans(),
    hd=st.none() | st.booleans(),
    online=st.booleans(),
    networked=st.none() | st.booleans(),
)


area_specs = st.tuples(
    st.sampled_from(DISTRICTS),
    st.booleans(),
    st.sampled_from([AreaKind.park_square, AreaKind.intersection]),
)
# area index, e_police, platform URL, declared networked, enabled (mostly), status
camera_specs = st.tuples(
    st.integers(0, 5),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.integers(0, 4).map(bool),
    st.none() | statuses,
)


def _city(area_list: list[tuple], camera_list: list[tuple]) -> City:
    areas = [area(f"a{n}", d, key=key, kind=kind) for n, (d, key, kind) in enumerate(area_list)]
    ids = [a.id for a in areas] or ["nowhere"]
    cameras, states = [], {}
    for n, (where, e_police, platform, declared, enabled, state) in enumerate(camera_list):
        record = camera(
            f"c{n}",
            ids[where % len(ids)],
            e_police=e_police,
            platform=platform,
            declared=declared,
            enabled=enabled,
        )
        cameras.append(record)
        if state is not None:
            states[record.id] = replace(state, camera=record.id)
    return City(areas, cameras, states)


cities = st.builds(_city, st.lists(area_specs, max_size=6), st.lists(camera_specs, max_size=14))


def _rates(report: IndicatorReport) -> list[Rate]:
    scopes = [report.city, *report.districts]
    return [scope.rate(indicator) for scope in scopes for indicator in Indicator]


def _before_after(city: City, changed: City) -> list[tuple[Rate, Rate]]:
    """Each rate of the city beside the same rate after a change (same areas, same scopes)."""
    return list(zip(_rates(city.report()), _rates(changed.report()), strict=True))


@settings(max_examples=100, deadline=None)
@given(cities)
def test_rates_are_shares_and_stars_are_levels(city: City):
    report = city.report()
    for rate in _rates(report):
        assert 0 <= rate.numerator <= rate.denominator
        assert (rate.ratio is None) == (rate.denominator == 0)
        assert rate.ratio is None or 0 <= rate.ratio <= 1
        assert rate.stars in (0, 3, 4, 5)
    for scope in (report.city, *report.districts):
        assert scope.l4p4_stars == min(scope.hd_coverage.stars, scope.intactness.stars)
    for indicator in (Indicator.hd_coverage, Indicator.epolice_coverage):
        covered = sum(a.covered for a in report.areas if a.indicator is indicator)
        assert report.city.rate(indicator).numerator == covered


@settings(max_examples=100, deadline=None)
@given(cities)
def test_the_city_is_the_sum_of_its_districts_and_of_one_district(city: City):
    report = city.report()
    summed = {i: sum((d.rate(i) for d in report.districts), Rate()) for i in Indicator}
    assert summed == {i: report.city.rate(i) for i in Indicator}
    merged = [a.model_copy(update={"district": "all"}) for a in city.areas]
    whole = compute_indicators(merged, city.cameras, city.states).city
    assert replace(whole, district=None) == report.city


@settings(max_examples=100, deadline=None)
@given(cities, st.data())
def test_one_more_intact_camera_never_lowers_a_rate(city: City, data: st.DataObject):
    if not city.areas:
        return
    where = data.draw(st.sampled_from(city.areas)).id
    extra = camera("extra", where, e_police=data.draw(st.booleans()))
    more = City(
        city.areas,
        [*city.cameras, extra],
        {**city.states, "extra": status("extra", networked=True)},
    )
    for before, after in _before_after(city, more):
        assert after.ratio is None or before.ratio is None or after.ratio >= before.ratio
        assert after.numerator >= before.numerator


@settings(max_examples=100, deadline=None)
@given(cities, st.data())
def test_a_camera_becoming_intact_never_lowers_a_count(city: City, data: st.DataObject):
    if not city.cameras:
        return
    which = data.draw(st.sampled_from(city.cameras)).id
    old = city.states.get(which) or status(which, intact=False, hd=None)
    mended = replace(city, states={**city.states, which: replace(old, intact=status(which).intact)})
    for before, after in _before_after(city, mended):
        assert after.denominator == before.denominator
        assert after.numerator >= before.numerator


@given(st.integers(0, 500), st.integers(1, 500))
def test_stars_never_fall_as_the_numerator_grows(numerator: int, denominator: int):
    numerator = min(numerator, denominator - 1)
    assert Rate(numerator, denominator).stars <= Rate(numerator + 1, denominator).stars
