"""Builders for the few pieces of Grafana's dashboard JSON model the dashboards use.

Every query goes to the dashboard's ``$datasource`` variable, so the dashboards work with any
Prometheus, provisioned or imported by hand. Variables are used as ``=~"$name"`` in queries,
which is what makes multi-value and "All" selections work.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]

DATASOURCE: Json = {"type": "prometheus", "uid": "${datasource}"}
GRID_WIDTH = 24
SCHEMA_VERSION = 39

# The star levels of reference/indicators.md: below 80% none, 3 from 80%, 4 from 90%, 5 at 100%.
RATE_STEPS = [
    {"color": "red", "value": None},
    {"color": "orange", "value": 0.8},
    {"color": "green", "value": 0.9},
    {"color": "dark-green", "value": 1},
]
STAR_MAPPINGS = [
    {
        "type": "value",
        "options": {
            "0": {"text": "☆ below 80%", "color": "red", "index": 0},
            "3": {"text": "★★★", "color": "orange", "index": 1},
            "4": {"text": "★★★★", "color": "green", "index": 2},
            "5": {"text": "★★★★★", "color": "dark-green", "index": 3},
        },
    }
]
YES_NO_MAPPINGS = [
    {
        "type": "value",
        "options": {
            "0": {"text": "no", "color": "red", "index": 0},
            "1": {"text": "yes", "color": "green", "index": 1},
        },
    }
]


def query(expr: str, legend: str = "", *, table: bool = False) -> Json:
    """A Prometheus query; ``table`` asks for the instant value of each series, as a table."""
    target: Json = {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend}
    if table:
        target.update(instant=True, range=False, format="table")
    return target


def panel(kind: str, title: str, targets: list[Json], size: tuple[int, int], **config: Any) -> Json:
    """A panel of ``kind`` (stat, timeseries, table...), ``size`` = (width, height) in grid units.

    ``config`` may hold ``unit``, ``min``, ``max``, ``steps``, ``mappings``, ``options``,
    ``transformations``, ``description`` and ``custom`` (the field's custom settings).
    """
    defaults: Json = {"thresholds": {"mode": "absolute", "steps": config.pop("steps", _GREY)}}
    for key in ("unit", "min", "max", "mappings", "custom"):
        if key in config:
            defaults[key] = config.pop(key)
    return {
        "type": kind,
        "title": title,
        "datasource": DATASOURCE,
        "targets": [dict(t, refId=chr(ord("A") + i)) for i, t in enumerate(targets)],
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "gridPos": {"w": size[0], "h": size[1]},
        **config,
    }


_GREY = [{"color": "text", "value": None}]


def rate_stat(title: str, expr: str, width: int) -> Json:
    """One rate, coloured by the star levels."""
    return panel(
        "stat",
        title,
        [query(expr)],
        (width, 5),
        unit="percentunit",
        steps=RATE_STEPS,
        options={"colorMode": "background", "graphMode": "area", "reduceOptions": _LAST},
    )


_LAST = {"calcs": ["lastNotNull"], "fields": "", "values": False}


def rate_trend(title: str, targets: list[Json], size: tuple[int, int]) -> Json:
    """Rates over time with the 80/90/100% lines drawn."""
    custom = {"thresholdsStyle": {"mode": "line"}, "fillOpacity": 0}
    return panel(
        "timeseries",
        title,
        targets,
        size,
        unit="percentunit",
        min=0,
        max=1,
        steps=RATE_STEPS,
        custom=custom,
    )


def trend(title: str, expr: str, legend: str, unit: str, width: int = 12, **config: Any) -> Json:
    """One query over time."""
    return panel("timeseries", title, [query(expr, legend)], (width, 8), unit=unit, **config)


def labels_table(title: str, expr: str, size: tuple[int, int]) -> Json:
    """One row per series of ``expr``, showing its labels only (identity, faults now)."""
    hidden = hide_columns("Time", "__name__", "job", "instance", "Value")
    return panel("table", title, [query(expr, table=True)], size, transformations=[hidden])


def hide_columns(*names: str) -> Json:
    """A table transformation that leaves out columns nobody needs to read (Time, job...)."""
    return {"id": "organize", "options": {"excludeByName": dict.fromkeys(names, True)}}


def row(title: str) -> Json:
    return {"type": "row", "title": title, "collapsed": False, "panels": [], "gridPos": {"h": 1}}


def variable(name: str, label: str, values_of: str, *, multi: bool = True) -> Json:
    """A variable filled from ``label_values(values_of)``; "All" matches every value."""
    definition = f"label_values({values_of})"
    return {
        "type": "query",
        "name": name,
        "label": label,
        "datasource": DATASOURCE,
        "definition": definition,
        "query": {"query": definition, "refId": name},
        "refresh": 2,
        "sort": 1,
        "multi": multi,
        "includeAll": multi,
        "allValue": ".*",
        "current": {},
        "hide": 0,
    }


def dashboard(uid: str, title: str, panels: list[Json], variables: tuple[Json, ...] = ()) -> Json:
    """The dashboard, with the datasource variable, links to its siblings, and panels laid out."""
    datasource = {
        "type": "datasource",
        "name": "datasource",
        "label": "Prometheus",
        "query": "prometheus",
        "current": {},
        "hide": 0,
    }
    return {
        "uid": uid,
        "title": title,
        "tags": ["camhealth"],
        "timezone": "browser",
        "editable": True,
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "refresh": "1m",
        "time": {"from": "now-24h", "to": "now"},
        "annotations": {"list": []},
        "links": [
            {"type": "dashboards", "tags": ["camhealth"], "asDropdown": True, "title": "camhealth"}
        ],
        "templating": {"list": [datasource, *variables]},
        "panels": layout(panels),
    }


def layout(panels: list[Json]) -> list[Json]:
    """Place panels left to right, wrapping at the grid's width; rows start a new line."""
    x = y = line_height = 0
    placed = []
    for number, item in enumerate(panels, start=1):
        grid = dict(item["gridPos"])
        width = GRID_WIDTH if item["type"] == "row" else grid["w"]
        if x + width > GRID_WIDTH or item["type"] == "row":
            x, y, line_height = 0, y + line_height, 0
        grid.update(x=x, y=y, w=width)
        placed.append(dict(item, id=number, gridPos=grid))
        x += width
        line_height = max(line_height, grid["h"])
    return placed
