"""Every query of the committed Grafana dashboards, as Grafana would ask Prometheus for it.

Grafana cannot run here, so the end-to-end tests ask a real Prometheus each panel's query and
each variable's values instead, with the variables set to match everything.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from tests.deploy.paths import DASHBOARDS
from tests.deploy.prometheus import query

BOARDS = sorted((DASHBOARDS / "json").glob("*.json"))
# What Grafana would put in place of its variables, for a query that selects everything.
SUBSTITUTIONS = {"$__rate_interval": "1m", "$__range": "1m"}
ANY_VALUE = ".+"


def dashboard_queries() -> list[str]:
    """Each panel's queries and each variable's values, of every dashboard."""
    return [expr for board in BOARDS for expr in _board_queries(board)]


def unanswered(url: str, queries: list[str]) -> list[str]:
    """The queries that give no numbers from the Prometheus at ``url``."""
    return [q for q in queries if not _numbers(query(url, q))]


def _numbers(result: list[dict[str, Any]]) -> bool:
    """Whether a query gave at least one series, and no NaN (0/0) among them."""
    return bool(result) and not any(math.isnan(float(r["value"][1])) for r in result)


def _board_queries(board: Path) -> list[str]:
    model = json.loads(board.read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in model["panels"] for t in p.get("targets", [])]
    for variable in model["templating"]["list"]:
        if variable["type"] == "query":
            selector, label = (
                variable["definition"].removeprefix("label_values(")[:-1].rsplit(",", 1)
            )
            exprs.append(f"count by ({label}) ({selector})")
    return [_substitute(expr) for expr in exprs]


def _substitute(expr: str) -> str:
    for name, value in SUBSTITUTIONS.items():
        expr = expr.replace(name, value)
    return re.sub(r"\$\w+", ANY_VALUE, expr)
