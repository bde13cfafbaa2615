"""The indicators on hand-counted cities: definitions, no data, stars, reasons."""

from __future__ import annotations

from camhealth.camera_registry.demo_city import build_demo_city
from camhealth.health.indicators import (
    AreaCoverage,
    CoverageReason,
    Indicator,
    Rate,
    compute_indicators,
)
from tests.health.city import area, camera, intersection, status

R = CoverageReason


def _reasons(report, indicator=Indicator.hd_coverage) -> dict[str, CoverageReason | None]:
    return {a.area: a.reason for a in report.areas if a.indicator is indicator}


def test_each_indicator_counts_as_the_reference_defines_it():
    areas = [area("park"), area("school"), area("lane", key=False), intersection("x1")]
    cameras = [
        camera("p1", "park"),
        camera("p2", "park", platform=False, declared=True),
        camera("s1", "school"),
        camera("l1", "lane"),  # not in a key area: counts nowhere
        camera("x1-e", "x1", e_police=True),
        camera("x1-s", "x1"),
    ]
    states = {
        "p1": status("p1", networked=True),
        "p2": status("p2", hd=False),
        "s1": status("s1", intact=False, networked=True),
        "l1": status("l1", networked=True),
        "x1-e": status("x1-e", intact=False),
        "x1-s": status("x1-s"),
    }
    city = compute_indicators(areas, cameras, states).city
    assert city.hd_coverage == Rate(1, 2)
    assert city.intactness == Rate(2, 3)
    assert city.networking == Rate(2, 3)
    assert city.networking_declared == 1
    assert city.epolice_coverage == Rate(0, 1)


def test_an_area_needs_one_camera_intact_and_hd_at_the_same_time():
    areas = [area("a")]
    cameras = [camera("hd-broken", "a"), camera("sd-fine", "a")]
    states = {
        "hd-broken": status("hd-broken", intact=False),
        "sd-fine": status("sd-fine", hd=False),
    }
    report = compute_indicators(areas, cameras, states)
    assert report.city.hd_coverage == Rate(0, 1)
    assert report.city.intactness == Rate(1, 2)
    assert _reasons(report) == {"a": R.cameras_not_intact}


def test_cameras_never_probed_and_disabled_cameras_count_as_not_intact():
    areas = [area("a")]
    cameras = [camera("new", "a"), camera("off", "a", enabled=False), camera("ok", "a")]
    states = {"off": status("off", networked=True), "ok": status("ok", networked=True)}
    city = compute_indicators(areas, cameras, states).city
    assert city.intactness == Rate(1, 3)
    assert city.networking == Rate(1, 3)


def test_an_empty_denominator_is_no_data_with_no_stars():
    report = compute_indicators([area("lane", key=False)], [camera("c", "lane")], {})
    for indicator in Indicator:
        rate = report.city.rate(indicator)
        assert rate == Rate(0, 0) and rate.ratio is None and rate.stars == 0
    assert report.city.l4p4_stars == report.city.l4p6_stars == 0


def test_stars_are_reached_at_80_90_and_exactly_100_percent():
    assert [Rate(n, 10).stars for n in (7, 8, 9, 10)] == [0, 3, 4, 5]
    assert Rate(999, 1000).stars == 4
    assert Rate(4, 5).stars == 3 and Rate(79, 100).stars == 0


def test_l4p4_needs_both_parts_at_the_level():
    areas = [area(f"a{n}") for n in range(10)]
    cameras = [camera(f"c{n}", f"a{n}") for n in range(10)]
    cameras += [camera(f"d{n}", f"a{n}") for n in range(10)]
    states = {c.id: status(c.id) for c in cameras}
    for n in range(4):  # four broken SD cameras: coverage stays 100%, intactness 80%
        states[f"d{n}"] = status(f"d{n}", intact=False, hd=False)
    city = compute_indicators(areas, cameras, states).city
    assert (city.hd_coverage.stars, city.intactness.stars, city.l4p4_stars) == (5, 3, 3)


def test_indicators_are_given_per_district_and_summed_for_the_city():
    areas = [area("a", "东城"), area("b", "西城"), area("c", "西城"), intersection("x", "东城")]
    cameras = [
        camera("ca", "a"),
        camera("cb", "b"),
        camera("cc", "c"),
        camera("e", "x", e_police=True),
    ]
    states = {"ca": status("ca"), "cb": status("cb", intact=False), "e": status("e")}
    report = compute_indicators(areas, cameras, states)
    assert [d.district for d in report.districts] == ["东城", "西城"]
    east, west = report.district("东城"), report.district("西城")
    assert (east.hd_coverage, east.epolice_coverage) == (Rate(1, 1), Rate(1, 1))
    assert (west.hd_coverage, west.intactness, west.epolice_coverage) == (
        Rate(0, 2),
        Rate(0, 2),
        Rate(),
    )
    assert report.city.district is None and report.city.hd_coverage == Rate(1, 3)
    assert report.district("nowhere").intactness == Rate()


def test_each_uncovered_area_says_why():
    areas = [area(name) for name in ("empty", "unprobed", "sd", "down", "faulty", "ok")]
    cameras = [
        camera("u", "unprobed"),
        camera("sd", "sd"),
        camera("down-hd", "down"),
        camera("faulty-hd", "faulty"),
        camera("faulty-down", "faulty"),
        camera("ok", "ok"),
    ]
    states = {
        "sd": status("sd", hd=False),
        "down-hd": status("down-hd", intact=False, online=False),
        "faulty-hd": status("faulty-hd", intact=False),
        "faulty-down": status("faulty-down", intact=False, online=False),
        "ok": status("ok"),
    }
    report = compute_indicators(areas, cameras, states)
    assert _reasons(report) == {
        "empty": R.no_cameras,
        "unprobed": R.not_probed,
        "sd": R.no_hd_camera,
        "down": R.cameras_offline,
        "faulty": R.cameras_not_intact,
        "ok": None,
    }
    assert [a.area for a in report.uncovered(Indicator.hd_coverage)] == [
        "down",
        "empty",
        "faulty",
        "sd",
        "unprobed",
    ]


def test_an_intersection_needs_an_intact_e_police_camera():
    areas = [intersection(name) for name in ("none", "surveillance-only", "broken", "ok")]
    cameras = [
        camera("s", "surveillance-only"),
        camera("b", "broken", e_police=True),
        camera("e", "ok", e_police=True),
    ]
    states = {"s": status("s"), "b": status("b", intact=False, online=False), "e": status("e")}
    report = compute_indicators(areas, cameras, states)
    assert _reasons(report, Indicator.epolice_coverage) == {
        "none": R.no_cameras,
        "surveillance-only": R.no_e_police_camera,
        "broken": R.cameras_offline,
        "ok": None,
    }
    assert report.city.epolice_coverage == Rate(1, 4)
    assert all(isinstance(a, AreaCoverage) and a.candidates <= a.cameras for a in report.areas)


def test_a_key_intersection_counts_for_both_coverages():
    areas = [area("x", kind=intersection("x").kind)]
    report = compute_indicators(areas, [camera("e", "x", e_police=True)], {"e": status("e")})
    assert (report.city.hd_coverage, report.city.epolice_coverage) == (Rate(1, 1), Rate(1, 1))
    assert [a.indicator for a in report.areas] == [
        Indicator.hd_coverage,
        Indicator.epolice_coverage,
    ]


def test_the_demo_city_all_intact_then_one_district_down():
    demo = build_demo_city()
    states = {c.id: status(c.id, networked=c.platform_url is not None) for c in demo.cameras}
    report = compute_indicators(demo.areas, demo.cameras, states)
    key_areas = [a for a in demo.areas if a.key_area]
    key_cameras = [c for c in demo.cameras if c.area_id in {a.id for a in key_areas}]
    assert report.city.hd_coverage == Rate(len(key_areas), len(key_areas))
    assert report.city.intactness == Rate(len(key_cameras), len(key_cameras))
    assert report.city.epolice_coverage.denominator == 14 and report.city.l4p6_stars == 5
    assert report.city.l4p4_stars == 5
    district = key_areas[0].district
    down = {a.id for a in demo.areas if a.district == district}
    for c in demo.cameras:
        if c.area_id in down:
            states[c.id] = status(c.id, intact=False, online=False)
    report = compute_indicators(demo.areas, demo.cameras, states)
    hit = report.district(district)
    assert hit.hd_coverage.numerator == hit.intactness.numerator == 0
    assert report.city.intactness.numerator == len(key_cameras) - hit.intactness.denominator
    assert {a.reason for a in report.areas if a.district == district} == {R.cameras_offline}
