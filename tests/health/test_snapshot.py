"""The Snapshot the exporter serves: complete, immutable, without credentials."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from camhealth.health.indicators import compute_indicators
from camhealth.health.snapshot import MonitorFacts, build_snapshot
from camhealth.probes.results import ProbeKind
from tests.health.city import area, camera, intersection, status
from tests.health.state_helpers import T0

AREAS = [area("park", "东城"), intersection("x1", "西城")]


def _snapshot(cameras, states, **kw):
    return build_snapshot(T0, AREAS, cameras, states, **kw)


def test_every_registry_camera_is_in_it_with_its_labels_and_state():
    cameras = [camera("p1", "park"), camera("e1", "x1", e_police=True), camera("lost", "gone")]
    states = {"p1": status("p1")}
    snap = _snapshot(cameras, states)
    assert list(snap.cameras) == ["p1", "e1", "lost"]
    p1, e1, lost = snap.cameras.values()
    assert (p1.id, p1.district, p1.area.name, p1.record.role.value) == (
        "p1",
        "东城",
        "park",
        "surveillance",
    )
    assert p1.state is states["p1"]
    assert not e1.state.known and e1.state.camera == "e1"  # never probed: unknown
    assert e1.district == "西城" and e1.record.role.value == "e_police"
    assert lost.area.id == "unknown" and lost.district == ""
    assert snap.indicators == compute_indicators(AREAS, cameras, states)
    assert snap.made_at == T0 and set(snap.areas) == {"park", "x1"}


def test_cameras_in_their_maintenance_window_are_muted():
    window = {
        "maintenance_start": T0 - timedelta(hours=1),
        "maintenance_end": T0 + timedelta(hours=1),
    }
    fixing = camera("fixing", "park").model_copy(update=window)
    snap = _snapshot([fixing, camera("other", "park")], {})
    assert snap.cameras["fixing"].muted and not snap.cameras["other"].muted


def test_the_snapshot_cannot_be_changed():
    snap = _snapshot(
        [camera("p1", "park")], {}, monitor=MonitorFacts(1.5, 0.01, ((ProbeKind.rtsp, "ok", 7),))
    )
    with pytest.raises(TypeError):
        snap.cameras["p2"] = snap.cameras["p1"]  # type: ignore[index]
    with pytest.raises(TypeError):
        snap.areas["x"] = AREAS[0]  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        snap.made_at = T0  # type: ignore[misc]
    with pytest.raises(AttributeError):
        snap.cameras["p1"].muted = True  # type: ignore[misc]
    assert snap.monitor.schedule_lag_seconds == 1.5


def test_credentials_never_reach_the_snapshot():
    secret = camera("p1", "park").model_copy(update={"username": "admin", "password": "s3cret-Pw"})
    snap = _snapshot([secret], {})
    record = snap.cameras["p1"].record
    assert record.username is None and record.password is None
    assert "s3cret-Pw" not in repr(snap) and secret.password is not None
