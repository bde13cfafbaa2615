"""dashboards/: the committed JSON is the code's output, and the dashboards are well formed.

That every query returns data from a real Prometheus is checked in test_end_to_end.py.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

from dashboards import generate
from dashboards.grafana import GRID_WIDTH, RATE_STEPS

BOARDS = {name: json.loads(text) for name, text in generate.render().items()}
BUILTIN_VARIABLES = {"__range", "__rate_interval", "__interval"}


def test_committed_json_is_what_the_code_generates() -> None:
    assert generate.stale() == [], "run `uv run python -m dashboards.generate` and commit"


def test_stale_names_changed_missing_and_extra_files(tmp_path: Path) -> None:
    for name, text in generate.render().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert generate.stale(tmp_path) == []
    (tmp_path / "camhealth-city.json").write_text("{}", encoding="utf-8")
    (tmp_path / "camhealth-faults.json").unlink()
    (tmp_path / "old.json").write_text("{}", encoding="utf-8")
    assert generate.stale(tmp_path) == ["camhealth-city.json", "camhealth-faults.json", "old.json"]


def test_the_four_dashboards() -> None:
    titles = sorted(board["title"] for board in BOARDS.values())
    assert titles == [
        "camhealth: camera",
        "camhealth: city overview",
        "camhealth: faults",
        "camhealth: monitor health",
    ]
    assert len({board["uid"] for board in BOARDS.values()}) == 4


def test_panels_fit_the_grid_without_overlapping() -> None:
    for board in BOARDS.values():
        grids = [panel["gridPos"] for panel in board["panels"]]
        for grid in grids:
            assert grid["x"] >= 0 and grid["x"] + grid["w"] <= GRID_WIDTH, board["uid"]
        for a, b in itertools.combinations(grids, 2):
            assert not _overlap(a, b), (board["uid"], a, b)
        assert len({panel["id"] for panel in board["panels"]}) == len(grids)


def test_queries_use_only_defined_variables_and_every_variable_is_used() -> None:
    for board in BOARDS.values():
        defined = {v["name"] for v in board["templating"]["list"]}
        text = json.dumps([*board["panels"], *board["templating"]["list"]], ensure_ascii=False)
        used = set(re.findall(r"\$\{?(\w+)", text)) - BUILTIN_VARIABLES
        assert used == defined, board["uid"]


def test_every_panel_queries_the_dashboards_prometheus() -> None:
    for board in BOARDS.values():
        for panel in _panels(board):
            assert panel["datasource"]["uid"] == "${datasource}"
            assert panel["targets"], panel["title"]
            assert all(target["expr"].strip() for target in panel["targets"])


def test_city_overview_colours_the_four_rates_by_the_star_levels() -> None:
    board = BOARDS["camhealth-city.json"]
    rates = [p for p in _panels(board) if p["fieldConfig"]["defaults"].get("unit") == "percentunit"]
    exprs = " ".join(t["expr"] for p in rates for t in p["targets"])
    for indicator in ("hd_coverage", "intactness", "networking", "epolice_coverage"):
        assert f'indicator="{indicator}"' in exprs
    for panel in rates:
        steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        assert (
            [s["value"] for s in steps] == [None, 0.8, 0.9, 1] == [s["value"] for s in RATE_STEPS]
        )


def _panels(board: dict) -> list[dict]:
    return [panel for panel in board["panels"] if panel["type"] != "row"]


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] < b["x"] + b["w"]
        and b["x"] < a["x"] + a["w"]
        and a["y"] < b["y"] + b["h"]
        and b["y"] < a["y"] + a["h"]
    )
