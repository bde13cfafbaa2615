"""The monitor's own health: scrapes, probe throughput and failures, lag, and overload.

A ``late`` probe timed out because of the monitor, not the camera (docs/metrics.md): it is
shown with the overload, not among the failed probes.
"""

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
                    f'sum by (probe) (rate({PROBES}{{result!~"ok|late|held"}}[$__rate_interval]))'
                    f' / sum by (probe) (rate({PROBES}{{result!~"late|held"}}[$__rate_interval]))',
                    "{{probe}}",
                )
            ],
            (12, 8),
            unit="percentunit",
            min=0,
            max=1,
            description="Share of the probes that reached a verdict which the camera failed "
            "(late probes, the monitor's own fault, and probes held back after a refused login "
            "are left out).",
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
        row("Overload"),
        panel(
            "timeseries",
            "Late probes per second",
            [
                # 0 for a probe kind that was never late, rather than no line at all
                query(
                    f'sum by (probe) (rate({PROBES}{{result="late"}}[$__rate_interval]))'
                    f" or 0 * sum by (probe) (rate({PROBES}[$__rate_interval]))",
                    "{{probe}}",
                )
            ],
            (8, 8),
            unit="ops",
            description="Timeouts caused by the monitor (event loop stalled, or the "
            "scheduler's backstop fired), not counted against the cameras.",
        ),
        trend(
            "Pictures not judged per second",
            f"rate(camhealth_pictures_undiagnosed_total{JOB}[$__rate_interval])",
            "{{instance}}",
            "ops",
            width=8,
            description="Pictures that could not wait for the diagnosis: their stream status "
            "counts, their image faults were not judged. Sustained, the CPU is too small.",
        ),
        trend(
            "Pictures waiting for the diagnosis",
            f"camhealth_diagnosis_queue_pictures{JOB}",
            "{{instance}}",
            "short",
            width=8,
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
