"""deploy/alertmanager: amtool's check, the routes, and the inhibitions in a real Alertmanager."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import require_command
from tests.deploy.alertmanager import (
    CONFIG,
    alertmanager,
    config_delivering_to,
    post_alerts,
    states,
)
from tests.deploy.paths import ALERTMANAGER, run
from tests.deploy.servers import eventually_equal, free_port, running, send_json, wait_for

CHENGXIANG = "城厢街道"
GULIU = "古柳街道"


def test_amtool_accepts_the_config() -> None:
    result = run(require_command("amtool"), "check-config", CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        # A crew hears about its district's cameras and areas...
        ({"severity": "warning", "scope": "camera", "district": CHENGXIANG}, "crew-chengxiang"),
        ({"severity": "warning", "scope": "camera", "district": "穴坊镇"}, "crew-xuefang"),
        # ...and the duty officer too when it is critical.
        (
            {"severity": "critical", "scope": "area", "district": GULIU},
            "duty-officer,crew-guliu",
        ),
        # Rates are the operators' business.
        ({"severity": "warning", "scope": "district", "district": GULIU}, "operators"),
        ({"severity": "critical", "scope": "city", "district": "all"}, "duty-officer,operators"),
        # The monitor's own alerts go to its administrators.
        ({"severity": "warning", "scope": "monitor", "district": "all"}, "monitor-admins"),
        (
            {"severity": "critical", "scope": "monitor", "district": "all"},
            "monitor-admins,duty-officer",
        ),
        # A district without a crew of its own falls back to the operators.
        ({"severity": "warning", "scope": "camera", "district": "新区"}, "operators"),
    ],
)
def test_routes_by_severity_and_district(labels: dict[str, str], receivers: str) -> None:
    pairs = [f"{key}={value}" for key, value in labels.items()]
    result = run(
        require_command("amtool"), "config", "routes", "test", f"--config.file={CONFIG}", *pairs
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == receivers


def _alert(case: str, alertname: str, scope: str, severity: str, **labels: str) -> dict[str, str]:
    return {"case": case, "alertname": alertname, "scope": scope, "severity": severity, **labels}


def _camera(
    case: str, alertname: str, camera: str, area: str, instance: str = "a"
) -> dict[str, str]:
    return _alert(
        case,
        alertname,
        "camera",
        "warning",
        camera=camera,
        area=area,
        district=CHENGXIANG,
        instance=instance,
    )


def _district(case: str, alertname: str, district: str, severity: str) -> dict[str, str]:
    return _alert(case, alertname, "district", severity, district=district, area="all")


def _monitor(case: str, alertname: str, severity: str, **labels: str) -> dict[str, str]:
    return _alert(case, alertname, "monitor", severity, district="all", area="all", **labels)


def test_an_uncovered_area_and_a_networking_drop_hold_back_camera_alerts(tmp_path: Path) -> None:
    area = {"area": "huochezhan", "district": CHENGXIANG}
    platform_only = {"camera": "c4", "area": "wulong-gongyuan", "district": GULIU}
    alerts = [
        _alert("area-lost", "CamhealthKeyAreaLostHdCoverage", "area", "critical", **area),
        _camera("offline-in-lost-area", "CamhealthCameraOffline", "c1", "huochezhan"),
        _camera("fault-in-lost-area", "CamhealthCameraImageFault", "c2", "huochezhan"),
        _camera("offline-elsewhere", "CamhealthCameraOffline", "c3", "qichezhan"),
        _district("networking-drop", "CamhealthNetworkingDrop", GULIU, "critical"),
        _alert(
            "platform-only-in-drop",
            "CamhealthPlatformOnlyFailure",
            "camera",
            "warning",
            **platform_only,
        ),
        _camera("platform-only-elsewhere", "CamhealthPlatformOnlyFailure", "c5", "qichezhan"),
    ]
    expected = {
        "area-lost": "active",
        "offline-in-lost-area": "suppressed",
        "fault-in-lost-area": "active",
        "offline-elsewhere": "active",
        "networking-drop": "active",
        "platform-only-in-drop": "suppressed",
        "platform-only-elsewhere": "active",
    }
    _assert_states(tmp_path, alerts, expected)


def test_an_exporter_down_holds_back_its_camera_alerts_and_the_rates(tmp_path: Path) -> None:
    alerts = [
        _monitor("exporter-down", "CamhealthExporterDown", "critical", instance="a"),
        _camera("camera-of-down-instance", "CamhealthCameraOffline", "c1", "huochezhan", "a"),
        _camera("camera-of-other-instance", "CamhealthCameraOffline", "c2", "qichezhan", "b"),
        _district("district-rate", "CamhealthDistrictIndicatorBelowTarget", GULIU, "warning"),
    ]
    expected = {
        "exporter-down": "active",
        "camera-of-down-instance": "suppressed",
        "camera-of-other-instance": "active",
        "district-rate": "suppressed",
    }
    _assert_states(tmp_path, alerts, expected)


def test_no_exporter_at_all_holds_back_every_camera_alert(tmp_path: Path) -> None:
    alerts = [
        _monitor("exporter-absent", "CamhealthExporterAbsent", "critical", job="camhealth"),
        _camera("camera", "CamhealthCameraOffline", "c1", "huochezhan"),
        _monitor("scheduler", "CamhealthSchedulerLagging", "warning"),
    ]
    expected = {"exporter-absent": "active", "camera": "suppressed", "scheduler": "active"}
    _assert_states(tmp_path, alerts, expected)


def _assert_states(tmp_path: Path, alerts: list[dict[str, str]], expected: dict[str, str]) -> None:
    with alertmanager(tmp_path) as url:
        post_alerts(url, alerts)
        # The inhibitor learns of source alerts asynchronously.
        eventually_equal(lambda: states(url), expected, timeout=15)


def test_notifications_reach_the_example_webhook_receiver(tmp_path: Path) -> None:
    port = free_port()
    output = tmp_path / "webhook.log"
    receiver = [
        sys.executable,
        str(ALERTMANAGER / "webhook_receiver.py"),
        "--listen",
        f"127.0.0.1:{port}",
    ]
    with running(receiver, f"http://127.0.0.1:{port}/", output) as process:
        config = config_delivering_to(f"http://127.0.0.1:{port}", tmp_path / "am.yml")
        with alertmanager(tmp_path, config) as url:
            labels = {
                "alertname": "CamhealthKeyAreaLostHdCoverage",
                "area": "huochezhan",
                "district": CHENGXIANG,
                "severity": "critical",
                "scope": "area",
            }
            notes = {"summary": "no working HD camera", "runbook": "Crew: go there"}
            send_json(f"{url}/api/v2/alerts", [{"labels": labels, "annotations": notes}])
            lines = wait_for(lambda: _lines(output, 2), "two notifications at the receiver")
        assert process.poll() is None
    line = (
        f"firing critical {CHENGXIANG}/huochezhan CamhealthKeyAreaLostHdCoverage:"
        " no working HD camera | Crew: go there"
    )
    assert sorted(lines) == [f"/crews/chengxiang {line}", f"/duty-officer {line}"]


def _lines(output: Path, count: int) -> list[str] | None:
    lines = [
        line
        for line in output.read_text(encoding="utf-8").splitlines()
        if not line.startswith("listening")
    ]
    return lines if len(lines) >= count else None
