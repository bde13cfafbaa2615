"""Camera drill-down: one camera's statuses, faults, probes and measured facts over time."""

from __future__ import annotations

from dashboards.grafana import (
    YES_NO_MAPPINGS,
    Json,
    dashboard,
    labels_table,
    panel,
    query,
    row,
    trend,
    variable,
)

CAMERA = '{camera=~"$camera"}'
STATUSES = ("online", "intact", "hd", "networked")


def build() -> Json:
    panels = [
        row("Now"),
        panel(
            "stat",
            "Status",
            [query(f"camhealth_camera_{status}{CAMERA}", status) for status in STATUSES],
            (12, 5),
            mappings=YES_NO_MAPPINGS,
            options={"colorMode": "background", "graphMode": "none", "textMode": "value_and_name"},
        ),
        labels_table("Identity", f"camhealth_camera_info{CAMERA}", (12, 5)),
        row("History"),
        _timeline("Status", [query(f"camhealth_camera_{s}{CAMERA}", s) for s in STATUSES]),
        _timeline("Image faults", [query(f"camhealth_camera_fault{CAMERA}", "{{fault}}")]),
        _timeline("Probe results", [query(f"camhealth_camera_probe_success{CAMERA}", "{{probe}}")]),
        trend(
            "Probe durations",
            f"camhealth_camera_probe_duration_seconds{CAMERA}",
            "{{probe}}",
            "s",
            width=8,
        ),
        trend(
            "Clock skew",
            f"camhealth_camera_clock_skew_seconds{CAMERA}",
            "{{camera}}",
            "s",
            width=8,
            description="Camera clock minus camhealth's; alerts beyond one minute.",
        ),
        panel(
            "timeseries",
            "Decoded frame size",
            [
                query(f"camhealth_camera_frame_width_pixels{CAMERA}", "width"),
                query(f"camhealth_camera_frame_height_pixels{CAMERA}", "height"),
            ],
            (8, 8),
            unit="none",
            description="HD means at least 1280×720.",
        ),
    ]
    variables = (
        variable("district", "District", "camhealth_camera_online, district"),
        variable("area", "Area", 'camhealth_camera_online{district=~"$district"}, area'),
        variable(
            "camera",
            "Camera",
            'camhealth_camera_online{district=~"$district", area=~"$area"}, camera',
            multi=False,
        ),
    )
    return dashboard("camhealth-camera", "camhealth: camera", panels, variables)


def _timeline(title: str, targets: list[Json]) -> Json:
    """0/1 series as coloured bands: when the camera was online, faulty, probed successfully."""
    return panel(
        "state-timeline",
        title,
        targets,
        (24, 6),
        mappings=YES_NO_MAPPINGS,
        options={"showValue": "never", "mergeValues": True},
    )
