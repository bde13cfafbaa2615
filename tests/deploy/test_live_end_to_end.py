"""End to end with everything running: a real Prometheus scraping a running camhealth.

A small simulated city (live_city.py: ``camhealth simulate``, its registry imported with the
CLI, ``camhealth run`` with short probe intervals and confirmation counts) is scraped every
second by Prometheus (Debian package) with the project's scrape job and recording rules, and a
copy of its alert rules with every ``for:`` shortened to 0: how long each alert waits is covered
by the promtool unit tests (deploy/prometheus/tests/), and a test cannot wait 5 to 30 minutes.
Checked against this live Prometheus: every dashboard query and variable returns numbers; the
recorded city and district rates and stars equal camhealth's own from the same scrape; and
faults injected through the simulator's control API (one camera offline, another's picture
black) fire the matching alerts with the camera's area, district and fault, which resolve once
the faults are cleared.

test_end_to_end.py, on a static exporter text, covers the alerts a small live city does not
raise (clock skew, lost coverage, exporter down...) and Alertmanager's routing and inhibitions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from camhealth.camera_registry.records import AreaKind
from tests.deploy.dashboard_queries import dashboard_queries, unanswered
from tests.deploy.live_city import LiveCity, live_city
from tests.deploy.prometheus import prometheus, query, recorded_and_own
from tests.deploy.servers import eventually_agree, eventually_equal, get_json, wait_for

pytestmark = pytest.mark.slow

# The labels that say which alert is about what; Alert is their values, in this order.
ALERT_LABELS = ("alertname", "severity", "scope", "camera", "area", "district", "fault")
Alert = tuple[str | None, ...]
CITY_INTACTNESS = "city:camhealth_indicator:ratio indicator=intactness"
ACTIVE = {"pending", "firing"}
# A fault is confirmed within seconds; this leaves room for a loaded 2-core machine.
CONFIRMED = 60.0


@dataclass(frozen=True)
class Live:
    city: LiveCity
    prometheus: str


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    workdir = tmp_path_factory.mktemp("live")
    with live_city(workdir) as city, prometheus(workdir, [city.exporter]) as url:
        # The mix's blurred camera confirmed: then every kind of series the dashboards show exists.
        wait_for(lambda: query(url, "camhealth_camera_fault"), "an image fault", CONFIRMED)
        wait_for(lambda: recorded_and_own(url)[0], "recorded rates")
        yield Live(city, url)


def test_every_dashboard_query_and_variable_returns_numbers(live: Live) -> None:
    queries = dashboard_queries()
    eventually_equal(lambda: unanswered(live.prometheus, queries), [])


def test_recorded_rates_equal_camhealths_own(live: Live) -> None:
    recorded = eventually_agree(lambda: recorded_and_own(live.prometheus))
    key_districts = {a.district for a in live.city.areas.values() if a.key_area}
    crossroads = {a.district for a in live.city.areas.values() if a.kind is AreaKind.intersection}
    # the city's four rates, three per district with key areas, e-police coverage, three stars
    assert len(recorded) == 4 + 3 * len(key_districts) + len(crossroads) + 3
    assert recorded[CITY_INTACTNESS] < 1  # the mix's offline and blurred cameras count


def test_injected_faults_fire_their_alerts_and_resolve_once_cleared(live: Live) -> None:
    offline, black = _intact_key_area_cameras(live)[:2]
    expected = {
        _alert(live.city, "CamhealthCameraOffline", offline),
        _alert(live.city, "CamhealthCameraImageFault", black, fault="blank"),
    }
    before = eventually_agree(lambda: recorded_and_own(live.prometheus))
    try:
        live.city.set_faults(offline, "offline")
        live.city.set_faults(black, "blank")
        eventually_equal(lambda: _alerts_about(live, {offline, black}, {"firing"}), expected, 60)
        during = eventually_agree(lambda: recorded_and_own(live.prometheus))
        assert during[CITY_INTACTNESS] < before[CITY_INTACTNESS]
    finally:
        live.city.set_faults(offline)
        live.city.set_faults(black)
    eventually_equal(lambda: _alerts_about(live, {offline, black}, ACTIVE), set(), CONFIRMED)
    eventually_equal(lambda: recorded_and_own(live.prometheus)[0], before, CONFIRMED)


def _intact_key_area_cameras(live: Live) -> list[str]:
    """Cameras camhealth sees intact in key areas: faults there lower the city's intactness."""
    intact = query(live.prometheus, "camhealth_camera_intact == 1")
    key_areas = {id for id, area in live.city.areas.items() if area.key_area}
    return sorted(s["metric"]["camera"] for s in intact if s["metric"]["area"] in key_areas)


def _alert(city: LiveCity, name: str, camera: str, fault: str | None = None) -> Alert:
    """A camera alert as the rules should raise it, its place taken from the registry."""
    area = city.area_of(camera)
    labels = {
        "alertname": name,
        "severity": "warning",
        "scope": "camera",
        "camera": camera,
        "area": area.id,
        "district": area.district,
        "fault": fault,
    }
    return tuple(labels[key] for key in ALERT_LABELS)


def _alerts_about(live: Live, cameras: set[str], states: set[str]) -> set[Alert]:
    alerts = get_json(f"{live.prometheus}/api/v1/alerts")["data"]["alerts"]
    return {
        tuple(a["labels"].get(key) for key in ALERT_LABELS)
        for a in alerts
        if a["labels"].get("camera") in cameras and a["state"] in states
    }
