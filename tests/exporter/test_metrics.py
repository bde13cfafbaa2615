"""/metrics: DESIGN.md's names and labels plus docs/metrics.md's additions, in both formats."""

from __future__ import annotations

import asyncio
import base64
import gzip
import subprocess
import threading
import time
from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
from prometheus_client.parser import text_string_to_metric_families as parse_text

from camhealth.exporter import metrics, scrape
from camhealth.exporter.camera_metrics import CameraLines
from camhealth.exporter.metrics import escape, render, wants_openmetrics
from camhealth.exporter.scrape import RenderCache
from camhealth.health.snapshot import build_snapshot
from camhealth.probes.results import DeviceFacts, ProbeKind
from tests.conftest import require_command
from tests.deploy.test_metric_names import DESIGN, PROPOSED
from tests.exporter.city import AREAS, T0, cameras, snapshot, states
from tests.exporter.conftest import Source, settings_for

CAMERA = {"camera", "area", "district"}
LABELS = {
    "camhealth_camera_online": CAMERA,
    "camhealth_camera_intact": CAMERA,
    "camhealth_camera_hd": CAMERA,
    "camhealth_camera_networked": CAMERA,
    "camhealth_camera_maintenance": CAMERA,
    "camhealth_camera_fault": CAMERA | {"fault"},
    "camhealth_camera_probe_success": CAMERA | {"probe"},
    "camhealth_camera_probe_duration_seconds": CAMERA | {"probe"},
    "camhealth_camera_frame_height_pixels": CAMERA,
    "camhealth_camera_frame_width_pixels": CAMERA,
    "camhealth_camera_clock_skew_seconds": CAMERA,
    "camhealth_camera_info": CAMERA | {"vendor", "model", "firmware", "codec", "role"},
    "camhealth_key_area_hd_covered": {"area", "district"},
    "camhealth_indicator_ratio": {"indicator", "district"},
    "camhealth_indicator_stars": {"indicator"},
    "camhealth_indicator_target_ratio": {"indicator", "stars"},
    "camhealth_probes_total": {"probe", "result"},
    "camhealth_pictures_undiagnosed_total": set(),
    "camhealth_diagnosis_queue_pictures": set(),
    "camhealth_schedule_lag_seconds": set(),
    "camhealth_event_loop_lag_seconds": set(),
    "camhealth_build_info": {"python", "version"},
}
# The per-district counts: every designed name that is not a per-camera or indicator series.
COUNTS = {n for n in DESIGN if n.startswith(("camhealth_key_area", "camhealth_intersections"))}


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    found = defaultdict(list)
    for family in parse_text(text):
        for sample in family.samples:
            found[sample.name].append((sample.labels, sample.value))
    return found


def value(found, name, **labels) -> float:
    (match,) = [v for got, v in found[name] if all(got.get(k) == x for k, x in labels.items())]
    return match


def test_names_and_labels_are_exactly_the_designed_ones():
    found = samples(render(snapshot()).decode())
    assert set(found) == DESIGN | PROPOSED
    for name, series in found.items():
        expected = LABELS.get(name, {"district"} if name in COUNTS else None)
        assert expected is not None, name
        assert all(set(labels) == expected for labels, _ in series), name


def test_every_enabled_camera_has_its_statuses_also_offline_and_unprobed():
    found = samples(render(snapshot()).decode())
    online = {labels["camera"]: v for labels, v in found["camhealth_camera_online"]}
    # square-02 is disabled: in the counts, but not watched, so no per-camera series
    assert online == {
        "station-01": 1,
        "station-02": 0,
        "square-01": 1,
        "park-01": 1,
        "x1-01": 1,
        "depot-01": 0,
    }
    assert value(found, "camhealth_camera_intact", camera="square-01") == 0
    assert [labels["fault"] for labels, _ in found["camhealth_camera_fault"]] == ["blur"]
    assert value(found, "camhealth_camera_maintenance", camera="station-02") == 1
    assert value(found, "camhealth_camera_probe_success", camera="station-02", probe="rtsp") == 0
    assert value(found, "camhealth_camera_probe_success", camera="x1-01", probe="frames") == 1
    # never probed: no measured facts, but its info (role) is there
    assert not [
        1
        for labels, _ in found["camhealth_camera_frame_width_pixels"]
        if labels["camera"] == "depot-01"
    ]
    assert value(found, "camhealth_camera_info", camera="depot-01", role="surveillance") == 1
    assert value(found, "camhealth_camera_info", camera="x1-01") == 1
    assert (
        value(found, "camhealth_camera_info", camera="x1-01", vendor='Hik"vision', role="e_police")
        == 1
    )


def test_counts_agree_with_the_per_area_series_and_the_ratios():
    snap = snapshot()
    found = samples(render(snap).decode())
    for district in ("城厢街道", "古柳街道"):
        covered = sum(
            v
            for labels, v in found["camhealth_key_area_hd_covered"]
            if labels["district"] == district
        )
        assert covered == value(found, "camhealth_key_areas_hd_covered", district=district)
    city = snap.indicators.city
    assert (
        value(found, "camhealth_indicator_ratio", indicator="intactness", district="")
        == city.intactness.ratio
    )
    assert (
        value(found, "camhealth_key_area_cameras", district="城厢街道") == 4
    )  # the disabled one counts
    # 古柳街道 has no intersection: no e-police rate there (no data, not 0% or 100%)
    assert not [
        1
        for labels, _ in found["camhealth_indicator_ratio"]
        if labels == {"indicator": "epolice_coverage", "district": "古柳街道"}
    ]
    stars = {labels["indicator"]: v for labels, v in found["camhealth_indicator_stars"]}
    assert stars == {"L4P4": 0, "L4P5": 0, "L4P6": 5}
    assert value(found, "camhealth_indicator_target_ratio", indicator="L4P5", stars="4") == 0.9
    assert value(found, "camhealth_probes_total", probe="onvif", result="timeout") == 2
    assert value(found, "camhealth_schedule_lag_seconds") == 1.5


def test_the_monitors_own_overload_is_served():
    """Late probes are a result of their own; unjudged pictures and the backlog are counted."""
    snap = snapshot()
    late = (*snap.monitor.probes_total, (ProbeKind.frames, "late", 3))
    facts = replace(snap.monitor, probes_total=late, pictures_undiagnosed=7)
    facts = replace(facts, diagnosis_queue_pictures=4)
    found = samples(render(replace(snap, monitor=facts)).decode())
    assert value(found, "camhealth_probes_total", probe="frames", result="late") == 3
    assert value(found, "camhealth_probes_total", probe="onvif", result="timeout") == 2
    assert value(found, "camhealth_pictures_undiagnosed_total") == 7
    assert value(found, "camhealth_diagnosis_queue_pictures") == 4
    plain = samples(render(snap).decode())  # nothing behind: the series are there, at 0
    assert value(plain, "camhealth_pictures_undiagnosed_total") == 0
    assert value(plain, "camhealth_diagnosis_queue_pictures") == 0


def test_promtool_accepts_the_text():
    promtool = require_command("promtool")
    done = subprocess.run(
        [promtool, "check", "metrics"], input=render(snapshot()), capture_output=True, timeout=30
    )
    assert done.returncode == 0, done.stderr.decode() + done.stdout.decode()


def test_openmetrics_parses_and_agrees_with_the_text():
    snap = snapshot()
    text = render(snap, openmetrics=True).decode()
    assert text.endswith("# EOF\n")
    families = {family.name: family for family in parse_om(text)}
    assert families["camhealth_probes"].type == "counter"
    om = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in families.values()
        for s in f.samples
    }
    plain = {
        (name, tuple(sorted(labels.items()))): v
        for name, series in samples(render(snap).decode()).items()
        for labels, v in series
    }
    assert om == plain


def test_accept_header_choice_and_escaping():
    assert wants_openmetrics("application/openmetrics-text;version=1.0.0,text/plain;q=0.5")
    assert not wants_openmetrics("text/plain;version=0.0.4;q=1,*/*;q=0.1")
    assert not wants_openmetrics("")
    assert escape('a"b\\c\nd') == 'a\\"b\\\\c\\nd'


async def test_metrics_endpoint_negotiates_and_compresses(start, source):
    client = await start(source)
    plain = await client.get("/metrics")
    assert plain.status == 200
    assert plain.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    om = await client.get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert om.headers["Content-Type"].startswith("application/openmetrics-text")
    assert (await om.text()).endswith("# EOF\n")
    zipped = await client.get(
        "/metrics", headers={"Accept-Encoding": "gzip"}, auto_decompress=False
    )
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(await zipped.read()) == render(source.current)


async def test_a_new_snapshot_is_served_at_the_next_scrape(start, source):
    client = await start(source)
    assert "square-02" not in await (await client.get("/metrics")).text()
    later = snapshot(T0 + timedelta(hours=2))  # station-02's maintenance window is over
    source.current = later
    found = samples(await (await client.get("/metrics")).text())
    assert value(found, "camhealth_camera_maintenance", camera="station-02") == 0


async def test_metrics_basic_auth_when_configured(start, source, tmp_path):
    settings = settings_for(
        tmp_path, exporter={"metrics_username": "prom", "metrics_password": "pw-1"}
    )
    client = await start(source, settings)
    assert (await client.get("/metrics")).status == 401
    assert (await client.get("/metrics", headers=basic("prom", "wrong"))).status == 401
    assert (await client.get("/metrics", headers=basic("prom", "pw-1"))).status == 200


def test_lines_kept_from_an_earlier_snapshot_are_only_those_of_unchanged_cameras():
    kept = CameraLines()
    first = snapshot()
    before = kept.of(first)
    assert render(first, cameras=before) == render(first)
    changed = dict(states())
    changed["park-01"] = replace(changed["park-01"], width=640, height=360)
    second = build_snapshot(T0 + timedelta(hours=2), AREAS, cameras(), changed)
    after = kept.of(second)
    # the unchanged cameras' lines are the very same objects: not formatted again
    reused = [old is new for old, new in zip(before, after, strict=True)]
    # station-02 (its maintenance window is over) and park-01 (its picture size)
    assert reused == [True, False, True, False, True, True]
    text = render(second, cameras=after)
    assert text == render(second)
    assert (
        b'camhealth_camera_frame_width_pixels{camera="park-01",area="park",district="\xe5' in text
    )
    assert b"} 640.0" in text


def test_a_registry_reload_with_equal_records_formats_nothing_again():
    kept = CameraLines()
    before = kept.of(snapshot())
    # every record, area and state a new object with the same values
    reloaded = build_snapshot(
        T0,
        [a.model_copy() for a in AREAS],
        [c.model_copy() for c in cameras()],
        {k: replace(v) for k, v in states().items()},
    )
    assert all(old is new for old, new in zip(before, kept.of(reloaded), strict=True))


def test_odd_label_values_stay_valid_text():
    odd = dict(states())
    device = DeviceFacts(
        vendor="Ac%me\0\\", model='x"\ny', firmware="%s%%", clock_skew_seconds=-0.0
    )
    odd["park-01"] = replace(odd["park-01"], device=device, codec="h%d")
    odd["x1-01"] = replace(odd["x1-01"], width=float("nan"), height=None)
    text = render(build_snapshot(T0, AREAS, cameras(), odd)).decode()
    found = samples(text)
    (info,) = [
        labels for labels, _ in found["camhealth_camera_info"] if labels["camera"] == "park-01"
    ]
    assert info["vendor"] == "Ac%me\ufffd\\" and info["model"] == 'x"\ny'
    assert info["firmware"] == "%s%%" and info["codec"] == "h%d"
    assert 'camhealth_camera_frame_width_pixels{camera="x1-01"' in text and "} NaN\n" in text
    assert not [
        1
        for labels, _ in found["camhealth_camera_frame_height_pixels"]
        if labels["camera"] == "x1-01"
    ]


def test_the_cache_renders_each_snapshot_once_and_serves_the_latest(monkeypatch):
    made = []
    real = metrics.render_gzip

    def counted(*args):
        made.append(args[0])
        return real(*args)

    monkeypatch.setattr(scrape, "render_gzip", counted)
    source = Source(snapshot())
    cache = RenderCache(source)
    first, body = cache.body(openmetrics=True, gzipped=True)
    assert gzip.decompress(body) == render(first, openmetrics=True)
    assert cache.body(True, True) == (first, body) and made == [first]
    # a new Snapshot is rendered ahead, for the kinds of body asked before
    source.current = later = snapshot(T0 + timedelta(hours=2))
    cache.prepare()
    assert made == [first, later]
    assert cache.body(True, True)[0] is later and made == [first, later]
    cache.prepare()  # nothing new: nothing made
    assert len(made) == 2


async def test_a_published_snapshot_is_rendered_before_the_scrape(start, source, monkeypatch):
    client = await start(source)
    await client.get("/metrics", headers={"Accept-Encoding": "gzip"})
    rendered = asyncio.Event()
    real = metrics.render_gzip
    loop = asyncio.get_running_loop()

    def spy(*args):
        body = real(*args)
        loop.call_soon_threadsafe(rendered.set)
        return body

    monkeypatch.setattr(scrape, "render_gzip", spy)
    source.current = snapshot(T0 + timedelta(hours=2))
    await asyncio.wait_for(rendered.wait(), timeout=10)  # no scrape asked for it
    found = samples(await (await client.get("/metrics")).text())
    assert value(found, "camhealth_camera_maintenance", camera="station-02") == 0


async def test_a_scrape_during_the_render_waits_for_it(start, source, monkeypatch):
    client = await start(source)
    await client.get("/metrics", headers={"Accept-Encoding": "gzip"})
    started = threading.Event()
    real = metrics.render_gzip

    def slow(*args):
        started.set()
        time.sleep(0.5)  # a big fleet's render
        return real(*args)

    monkeypatch.setattr(scrape, "render_gzip", slow)
    source.current = snapshot(T0 + timedelta(hours=2))
    assert await asyncio.to_thread(started.wait, 10)  # the render ahead has begun ...
    response = await client.get("/metrics", headers={"Accept-Encoding": "gzip"})
    found = samples(await response.text())  # ... and the scrape got its result, not the old body
    assert value(found, "camhealth_camera_maintenance", camera="station-02") == 0
