"""Where the deployment files live, and a runner for the tools that check them."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
RULE_FILES = sorted((PROMETHEUS / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS / "tests").glob("*.yml"))
ALERTMANAGER = DEPLOY / "alertmanager"
DASHBOARDS = REPO / "dashboards"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a checker; its output is kept for the assertion message."""
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=120, cwd=cwd, check=False
    )


def alert_rules() -> list[dict[str, Any]]:
    return [rule for path in RULE_FILES for rule in _rules(path) if "alert" in rule]


def recording_rules() -> list[dict[str, Any]]:
    return [rule for path in RULE_FILES for rule in _rules(path) if "record" in rule]


def _rules(path: Path) -> list[dict[str, Any]]:
    return [rule for group in load_yaml(path)["groups"] for rule in group["rules"]]
