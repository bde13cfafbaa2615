"""The Prometheus configuration and rules: promtool's checks and unit tests, and their coverage.

promtool runs the unit tests in deploy/prometheus/tests/; the tests here make sure those exist
for every rule, assert what every alert must carry, and prove the unit tests can fail.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_command
from tests.deploy.paths import (
    PROMETHEUS,
    RULE_TESTS,
    alert_rules,
    load_yaml,
    recording_rules,
    run,
)

SEVERITIES = {"critical", "warning"}
SCOPES = {"camera", "area", "district", "city", "monitor"}
# docker-compose.yml's, and the one beside a camhealth on the same machine (deploy/README.md)
CONFIGS = ["prometheus.yml", "prometheus-local.yml"]


@pytest.mark.parametrize("config", CONFIGS)
def test_promtool_accepts_the_config_and_its_rules(config: str) -> None:
    promtool = require_command("promtool")
    result = run(promtool, "check", "config", PROMETHEUS / config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 rule files found" in result.stdout


def test_the_local_config_differs_from_composes_only_in_addresses_and_intervals() -> None:
    compose, local = (load_yaml(PROMETHEUS / config) for config in CONFIGS)
    assert local["rule_files"] == compose["rule_files"]
    compose_jobs = {job["job_name"]: job for job in compose["scrape_configs"]}
    for job in local["scrape_configs"]:
        for target in (t for group in job["static_configs"] for t in group["targets"]):
            assert target.startswith("127.0.0.1:"), job
        assert _without_targets(job) == _without_targets(compose_jobs[job["job_name"]])


def _without_targets(job: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in job.items() if key != "static_configs"}


def test_promtool_unit_tests_pass() -> None:
    promtool = require_command("promtool")
    result = run(promtool, "test", "rules", *RULE_TESTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SUCCESS") == len(RULE_TESTS)


def test_unit_tests_fail_when_the_target_changes(tmp_path: Path) -> None:
    """A target of 80% instead of 90% must break the below-target expectations."""
    promtool = require_command("promtool")
    copy = tmp_path / "prometheus"
    shutil.copytree(PROMETHEUS, copy)
    recording = copy / "rules" / "camhealth-recording.yml"
    text = recording.read_text(encoding="utf-8")
    assert "expr: vector(0.9)" in text
    recording.write_text(text.replace("expr: vector(0.9)", "expr: vector(0.8)"), encoding="utf-8")
    result = run(promtool, "test", "rules", copy / "tests" / "area_and_indicator_alerts_test.yml")
    assert result.returncode != 0
    assert "CamhealthDistrictIndicatorBelowTarget" in result.stdout + result.stderr


def test_every_alert_has_severity_scope_and_annotations() -> None:
    for rule in alert_rules():
        name = rule["alert"]
        assert rule["labels"]["severity"] in SEVERITIES, name
        assert rule["labels"]["scope"] in SCOPES, name
        assert {"summary", "description", "runbook"} <= set(rule["annotations"]), name
        assert name.startswith("Camhealth"), name


def test_every_alert_is_seen_firing_with_district_and_area_in_a_unit_test() -> None:
    fired = _expected_alerts()
    for rule in alert_rules():
        name = rule["alert"]
        assert name in fired, f"no unit test sees {name} fire"
        for labels in fired[name]:
            assert {"severity", "scope", "district", "area"} <= set(labels), (name, labels)


def test_every_recording_rule_is_checked_by_a_unit_test() -> None:
    checked = [sample["labels"] for sample in _expected_samples()]
    for rule in recording_rules():
        wanted = [f'{key}="{value}"' for key, value in rule.get("labels", {}).items()]
        assert any(
            _series_name(labels) == rule["record"] and all(w in labels for w in wanted)
            for labels in checked
        ), f"no unit test checks {rule['record']} {wanted}"


def _expected_alerts() -> dict[str, list[dict[str, str]]]:
    fired: dict[str, list[dict[str, str]]] = {}
    for case in _test_cases():
        for check in case.get("alert_rule_test", []):
            for alert in check.get("exp_alerts") or []:
                fired.setdefault(check["alertname"], []).append(alert["exp_labels"])
    return fired


def _expected_samples() -> list[dict[str, str]]:
    return [
        sample
        for case in _test_cases()
        for check in case.get("promql_expr_test", [])
        for sample in check.get("exp_samples") or []
    ]


def _test_cases() -> list[dict]:
    return [case for path in RULE_TESTS for case in load_yaml(path)["tests"]]


def _series_name(labels: str) -> str:
    match = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", labels)
    return match.group(0) if match else ""
