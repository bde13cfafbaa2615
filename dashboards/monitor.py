"""The monitor's own health: scrapes, probe throughput and failures, scheduler and loop lag."""

from __future__ import annotations

from dashboards.grafana import (
    YES_NO_MAPPINGS,
    Json,
    dashboard,
    hide_columns,
    panel,
    query,
    row,
    trend,
)

JOB = '{job="camhealth"}'
PROBES = "camhealth_probes_total"


def build() -> Json:
    panels = [
        row("Instances"),
        panel(
            "stat",
            "Scraped",
            [query(f"up{JOB}", "{{instance}}")],
            (8, 5),
            mappings=YES_NO_MAPPINGS,
            options={"colorMode": "background", "graphMode": "none", "textMode": "value_and_name"},
        ),
        panel(
            "table",
            "Build",
            [query("camhealth_build_info", table=True)],
            (16, 5),
            transformations=[hide_columns("Time", "__name__", "job", "Value")],
        ),
        row("Probes"),
        panel(
            "timeseries",
            "Probes per second",
            [
                query(
                    f"sum by (probe, result) (rate({PROBES}[$__rate_interval]))",
                    "{{probe}} {{result}}",
                )
            ],
            (12, 8),
            unit="ops",
        ),
        panel(
            "timeseries",
            "Failed probes",
            [
                query(
                    f'sum by (probe) (rate({PROBES}{{result!="ok"}}[$__rate_interval]))'
                    f" / sum by (probe) (rate({PROBES}[$__rate_interval]))",
                    "{{probe}}",
                )
            ],
            (12, 8),
            unit="percentunit",
            min=0,
            max=1,
        ),
        panel(
            "timeseries",
            "Probe duration, mean and slowest camera",
            [
                query("avg by (probe) (camhealth_camera_probe_duration_seconds)", "mean {{probe}}"),
                query("max by (probe) (camhealth_camera_probe_duration_seconds)", "max {{probe}}"),
            ],
            (24, 8),
            unit="s",
        ),
        row("Lag"),
        _lag("Scheduler lag", "camhealth_schedule_lag_seconds", 60),
        _lag("Event loop lag", "camhealth_event_loop_lag_seconds", 0.5),
        row("Scrapes"),
        trend("Scrape duration", f"scrape_duration_seconds{JOB}", "{{instance}}", "s"),
        trend("Samples per scrape", f"scrape_samples_scraped{JOB}", "{{instance}}", "short"),
    ]
    return dashboard("camhealth-monitor", "camhealth: monitor health", panels)


def _lag(title: str, metric: str, warn_at: float) -> Json:
    """A lag over time, with the line from which it is worth a look."""
    return trend(
        title,
        f"{metric}{JOB}",
        "{{instance}}",
        "s",
        steps=[{"color": "green", "value": None}, {"color": "red", "value": warn_at}],
        custom={"thresholdsStyle": {"mode": "line"}},
    )
