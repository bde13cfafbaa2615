"""The metric names are an interface: rules and dashboards read only what the exporter serves.

``data/exporter.prom`` stands for the exporter's output; its names must be DESIGN.md's table
plus the additions proposed in docs/metrics.md, and every name the rules and dashboards use
must be among them.
"""

from __future__ import annotations

import re

from tests.deploy.paths import DASHBOARDS, PROMETHEUS, RULE_FILES
from tests.deploy.prometheus import EXPORTER_TEXT, advance_counters

# DESIGN.md's metric table, name for name.
DESIGN = {
    "camhealth_camera_online",
    "camhealth_camera_intact",
    "camhealth_camera_hd",
    "camhealth_camera_networked",
    "camhealth_camera_fault",
    "camhealth_camera_probe_success",
    "camhealth_camera_probe_duration_seconds",
    "camhealth_camera_frame_height_pixels",
    "camhealth_camera_frame_width_pixels",
    "camhealth_camera_clock_skew_seconds",
    "camhealth_camera_info",
    "camhealth_key_areas",
    "camhealth_key_areas_hd_covered",
    "camhealth_key_area_cameras",
    "camhealth_key_area_cameras_intact",
    "camhealth_key_area_cameras_networked",
    "camhealth_intersections",
    "camhealth_intersections_epolice_covered",
    "camhealth_indicator_ratio",
    "camhealth_indicator_stars",
    "camhealth_indicator_target_ratio",
    "camhealth_probes_total",
    "camhealth_schedule_lag_seconds",
    "camhealth_event_loop_lag_seconds",
    "camhealth_build_info",
}
PROPOSED = {
    "camhealth_key_area_hd_covered",
    "camhealth_camera_maintenance",
    "camhealth_pictures_undiagnosed_total",
    "camhealth_diagnosis_queue_pictures",
}
# prometheus_client writes a counter's creation time beside it.
CLIENT_EXTRAS = {"camhealth_probes_created"}

# A metric name, not the middle of a recorded name such as district:camhealth_indicator:ratio.
NAME = re.compile(r"(?<![:\w])camhealth_[a-z_]+\b(?!:)")


def test_the_exporter_text_has_exactly_the_designed_and_proposed_names() -> None:
    served = {
        re.split(r"[{ ]", line, maxsplit=1)[0]
        for line in EXPORTER_TEXT.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    }
    assert served == DESIGN | PROPOSED | CLIENT_EXTRAS


def test_rules_and_dashboards_use_only_served_names() -> None:
    sources = [*RULE_FILES, PROMETHEUS / "prometheus.yml", *(DASHBOARDS / "json").glob("*.json")]
    used = {name for path in sources for name in NAME.findall(path.read_text(encoding="utf-8"))}
    assert used, "the pattern found no metric names at all"
    assert used <= DESIGN | PROPOSED


def test_counters_advance_per_scrape_and_nothing_else_moves() -> None:
    text = EXPORTER_TEXT.read_text(encoding="utf-8")
    before, after = text.splitlines(), advance_counters(text, 3).splitlines()
    changed = {old: new for old, new in zip(before, after, strict=True) if old != new}
    assert len(changed) == 8
    assert all(line.startswith("camhealth_probes_total{") for line in changed)
    onvif_ok = 'camhealth_probes_total{probe="onvif",result="ok"}'
    assert changed[f"{onvif_ok} 1204.0"] == f"{onvif_ok} 3612.0"
