"""Time-weighted rates and camera uptime, checked against hand-computed figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from camhealth.health.indicators import Rate
from camhealth.health.timeline import (
    Period,
    Segment,
    combined,
    intact_changes,
    segments,
    time_weighted,
    uptime,
)
from tests.health.state_helpers import frames, minute, run

CST = timezone(timedelta(hours=8))  # China Standard Time
DAY = Period(datetime(2026, 11, 2, tzinfo=UTC), datetime(2026, 11, 3, tzinfo=UTC))


def at(hour: float, day: int = 2) -> datetime:
    return datetime(2026, 11, day, tzinfo=UTC) + timedelta(hours=hour)


def test_a_period_is_a_month_a_day_or_an_hour_in_the_city_time_zone():
    november = Period.parse("2026-11", CST)
    assert november.start == datetime(2026, 11, 1, tzinfo=CST)
    assert november.end == datetime(2026, 12, 1, tzinfo=CST)
    assert november.seconds == 30 * 86400
    assert Period.parse("2026-12", CST).end == datetime(2027, 1, 1, tzinfo=CST)
    assert Period.parse("2026-11-02", UTC) == DAY
    assert Period.parse("2026-11-02T08", UTC) == Period(at(8), at(9))


@pytest.mark.parametrize("text", ["2026", "2026-13", "2026-02-30", "11-2026", "2026-11-02T24"])
def test_a_period_that_does_not_exist_is_refused(text):
    with pytest.raises(ValueError):
        Period.parse(text, UTC)


def test_a_period_must_end_after_it_starts():
    with pytest.raises(ValueError):
        Period(at(5), at(5))


def test_each_value_holds_until_the_next_and_the_last_before_carries_in():
    points = [(at(20, day=1), "a"), (at(6), "b"), (at(6), "c"), (at(30), "d")]
    assert segments(points, DAY) == [
        Segment("a", at(0), at(6)),
        Segment("c", at(6), at(24)),
    ]


def test_hold_limits_how_long_a_value_speaks_for_the_time_after_it():
    points = [(at(23, day=1), "a"), (at(10), "b"), (at(23.5), "c")]
    assert segments(points, DAY, hold=timedelta(hours=2)) == [
        Segment("a", at(0), at(1)),
        Segment("b", at(10), at(12)),
        Segment("c", at(23.5), at(24)),
    ]
    assert segments([], DAY) == []


def test_a_time_weighted_rate_is_camera_hours_over_camera_hours():
    samples = [(at(0), Rate(9, 10)), (at(6), Rate(10, 10)), (at(12), Rate(5, 10))]
    rate = time_weighted(samples, DAY)
    hours = 3600
    assert rate.numerator_seconds == (9 * 6 + 10 * 6 + 5 * 12) * hours
    assert rate.denominator_seconds == 240 * hours
    assert rate.ratio == pytest.approx(174 / 240)
    assert rate.data_seconds == rate.period_seconds == 24 * hours


def test_a_camera_added_mid_period_weighs_by_its_time():
    rate = time_weighted([(at(0), Rate(1, 1)), (at(12), Rate(1, 3))], DAY)
    assert rate.ratio == pytest.approx((12 + 12) / (12 + 36))  # not the mean of 100% and 33%


def test_time_without_data_or_without_a_denominator_weighs_nothing():
    rate = time_weighted([(at(0), Rate(0, 0)), (at(6), Rate(3, 4))], DAY, hold=timedelta(hours=1))
    assert rate.data_seconds == 2 * 3600
    assert rate.ratio == pytest.approx(0.75)
    empty = time_weighted([(at(0), Rate(0, 0))], DAY)
    assert empty.ratio is None and empty.stars == 0


def test_stars_of_a_period_need_every_moment_for_five():
    assert time_weighted([(at(0), Rate(10, 10))], DAY).stars == 5
    almost = [(at(0), Rate(10, 10)), (at(23.99), Rate(9, 10))]
    assert time_weighted(almost, DAY).stars == 4


def test_a_camera_uptime_splits_the_period_and_counts_outages():
    points = [(at(22, day=1), True), (at(3), False), (at(5.5), True), (at(20), None)]
    result = uptime(points, DAY)
    assert result.intact_hours == pytest.approx(3 + 14.5)
    assert result.downtime_hours == pytest.approx(2.5 + 4)  # unknown counts as not intact
    assert (result.no_data_seconds, result.outages) == (0, 2)
    assert result.ratio == pytest.approx(17.5 / 24)


def test_time_nobody_recorded_is_neither_up_nor_down():
    result = uptime([(at(10), True)], DAY, hold=timedelta(hours=1))
    assert (result.intact_hours, result.downtime_hours) == (1, 0)
    assert result.no_data_seconds == 23 * 3600
    nothing = uptime([], DAY)
    assert nothing.ratio is None and nothing.no_data_seconds == DAY.seconds


def test_uptime_from_the_events_of_the_state_machine():
    _, events = run([frames(), frames("blur"), frames("blur"), frames(), frames()])
    # intact from minute 0; the blur began at 1 (confirmed at 2), its clearing at 3 (at 4)
    result = uptime(intact_changes(events), Period(minute(0), minute(10)))
    assert (result.intact_seconds, result.down_seconds, result.outages) == (8 * 60, 2 * 60, 1)


def test_statuses_combine_at_each_change_of_any():
    hd = [(at(0), True), (at(10), False)]
    intact = [(at(2), True), (at(6), False), (at(8), True)]
    both = combined([hd, intact], all)
    assert both == [(at(0), False), (at(2), True), (at(6), False), (at(8), True), (at(10), False)]
    assert uptime(both, DAY).intact_seconds == 6 * 3600
    assert combined([both, [(at(20), True)]], any)[-1] == (at(20), True)
    assert combined([[], []], all) == []  # never known: never yes
