"""Faults: what is wrong, where, and the worst cameras, for operators planning crews' work."""

from __future__ import annotations

from dashboards.grafana import (
    Json,
    dashboard,
    hide_columns,
    labels_table,
    panel,
    query,
    row,
    trend,
    variable,
)

IN_DISTRICT = '{district=~"$district"}'
STAT = {"colorMode": "value", "graphMode": "area", "textMode": "value_and_name"}


def build() -> Json:
    panels = [
        row("Now"),
        panel(
            "stat",
            "Cameras",
            [
                query(f"count(camhealth_camera_online{IN_DISTRICT})", "watched"),
                query(f"sum(1 - camhealth_camera_online{IN_DISTRICT})", "offline"),
                query(f"sum(1 - camhealth_camera_intact{IN_DISTRICT})", "not intact"),
                query(f"count(camhealth_camera_fault{IN_DISTRICT}) or vector(0)", "image faults"),
            ],
            (24, 4),
            options=STAT,
        ),
        _bars(
            "Image faults by type",
            f"sum by (fault) (camhealth_camera_fault{IN_DISTRICT})",
            "{{fault}}",
        ),
        _bars(
            "Cameras not intact by district",
            f"sum by (district) (1 - camhealth_camera_intact{IN_DISTRICT})",
            "{{district}}",
        ),
        row("Worst cameras"),
        panel(
            "table",
            "Least intact over the dashboard's time range",
            [
                query(
                    f"bottomk(20, avg_over_time(camhealth_camera_intact{IN_DISTRICT}[$__range]))",
                    table=True,
                )
            ],
            (12, 10),
            unit="percentunit",
            description="Share of the time each camera was intact; the lowest first.",
            transformations=[hide_columns("Time", "job", "instance")],
        ),
        labels_table(
            "Confirmed image faults now", f"camhealth_camera_fault{IN_DISTRICT} == 1", (12, 10)
        ),
        row("Over time"),
        trend(
            "Image faults by type",
            f"sum by (fault) (camhealth_camera_fault{IN_DISTRICT})",
            "{{fault}}",
            "short",
        ),
        trend(
            "Offline cameras by district",
            f"sum by (district) (1 - camhealth_camera_online{IN_DISTRICT})",
            "{{district}}",
            "short",
        ),
    ]
    district = variable("district", "District", "camhealth_camera_online, district")
    return dashboard("camhealth-faults", "camhealth: faults", panels, (district,))


def _bars(title: str, expr: str, legend: str) -> Json:
    return panel(
        "bargauge",
        title,
        [query(expr, legend)],
        (12, 8),
        options={"orientation": "horizontal", "displayMode": "basic", "showUnfilled": True},
    )
