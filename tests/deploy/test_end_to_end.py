"""End to end through a real Prometheus and Alertmanager, fed by a static exporter.

A local HTTP server serves tests/deploy/data/exporter.prom, a tiny city in the exact format
camhealth's /metrics will produce; Prometheus scrapes it (and a dead second target) with the
project's scrape job, recording rules and alert rules, and sends its alerts to Alertmanager with
the project's configuration. Checked: the recorded rates equal the exporter's own, every
dashboard query and variable returns data, the expected alerts fire with their labels, and
Alertmanager holds back what the inhibitions say.

test_live_end_to_end.py makes the same checks against a running camhealth, with faults injected
through the simulator's control API.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.deploy.alertmanager import alertmanager
from tests.deploy.dashboard_queries import dashboard_queries, unanswered
from tests.deploy.prometheus import prometheus, recorded_and_own, static_exporter
from tests.deploy.servers import eventually_agree, eventually_equal, free_port, get_json, wait_for

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Stack:
    prometheus: str
    alertmanager: str
    exporter: str  # HOST:PORT of the static exporter
    dead: str  # HOST:PORT of a camhealth target that does not answer


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("monitoring")
    dead = f"127.0.0.1:{free_port()}"
    with (
        static_exporter() as exporter,
        alertmanager(workdir) as am_url,
        prometheus(workdir, [exporter, dead], am_url.removeprefix("http://")) as prom_url,
    ):
        stack = Stack(prom_url, am_url, exporter, dead)
        wait_for(lambda: recorded_and_own(prom_url)[0], "recorded rates")
        yield stack


def test_recorded_rates_equal_the_exporters_own(stack: Stack) -> None:
    recorded = eventually_agree(lambda: recorded_and_own(stack.prometheus))
    assert len(recorded) == 4 + 8 + 3  # the city's four rates, two districts', three stars


def test_every_dashboard_query_and_variable_returns_numbers(stack: Stack) -> None:
    queries = dashboard_queries()
    assert len(queries) > 40
    eventually_equal(lambda: unanswered(stack.prometheus, queries), [])


def test_the_expected_alerts_fire_in_prometheus(stack: Stack) -> None:
    expected = {
        ("CamhealthCameraOffline", "huochezhan-02"),
        ("CamhealthCameraOffline", "renmin-guangchang-03"),
        ("CamhealthCameraOffline", "lk-yantai-xinhua-01"),
        ("CamhealthCameraImageFault", "renmin-guangchang-01 blur"),
        ("CamhealthPlatformOnlyFailure", "wulong-gongyuan-02"),
        ("CamhealthCameraClockSkew", "wulong-gongyuan-02"),
        ("CamhealthKeyAreaLostHdCoverage", "城厢街道/renmin-guangchang"),
        ("CamhealthDistrictIndicatorBelowTarget", "城厢街道/all hd_coverage"),
        ("CamhealthDistrictIndicatorBelowTarget", "城厢街道/all intactness"),
        ("CamhealthDistrictIndicatorBelowTarget", "城厢街道/all networking"),
        ("CamhealthDistrictIndicatorBelowTarget", "古柳街道/all networking"),
        ("CamhealthDistrictIndicatorBelowTarget", "古柳街道/all epolice_coverage"),
        ("CamhealthCityIndicatorBelowTarget", "all/all hd_coverage"),
        ("CamhealthCityIndicatorBelowTarget", "all/all intactness"),
        ("CamhealthCityIndicatorBelowTarget", "all/all networking"),
        ("CamhealthCityIndicatorBelowTarget", "all/all epolice_coverage"),
        ("CamhealthSchedulerLagging", stack.exporter),
        ("CamhealthExporterDown", stack.dead),
    }

    def firing() -> set[tuple[str, str]]:
        alerts = get_json(f"{stack.prometheus}/api/v1/alerts")["data"]["alerts"]
        return {_what(a["labels"]) for a in alerts if a["state"] == "firing"}

    eventually_equal(firing, expected)


def test_alertmanager_gets_the_alerts_and_holds_back_as_configured(stack: Stack) -> None:
    wanted = {
        # in the area that lost its HD coverage: held back by the area's alert
        ("CamhealthCameraOffline", "renmin-guangchang-03"): "suppressed",
        ("CamhealthCameraOffline", "huochezhan-02"): "active",
        ("CamhealthKeyAreaLostHdCoverage", "城厢街道/renmin-guangchang"): "active",
        # the dead target's alert holds back the rates, which lack its share
        ("CamhealthExporterDown", stack.dead): "active",
        ("CamhealthCityIndicatorBelowTarget", "all/all intactness"): "suppressed",
    }

    def states() -> dict[tuple[str, str], str | None]:
        alerts = get_json(f"{stack.alertmanager}/api/v2/alerts")
        seen = {_what(a["labels"]): a["status"]["state"] for a in alerts}
        return {key: seen.get(key) for key in wanted}

    eventually_equal(states, wanted)


def _what(labels: dict[str, str]) -> tuple[str, str]:
    """An alert's name and what it is about, to compare sets of alerts at a glance."""
    if "camera" in labels:
        subject = " ".join(filter(None, (labels["camera"], labels.get("fault"))))
    elif labels.get("scope") == "monitor":
        subject = labels["instance"]
    else:
        place = f"{labels['district']}/{labels['area']}"
        subject = " ".join(filter(None, (place, labels.get("indicator"))))
    return labels["alertname"], subject
