"""A small city for the exporter tests: a Snapshot with every kind of camera the metrics show."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from camhealth.camera_registry.records import AreaRecord, CameraRecord
from camhealth.health.snapshot import MonitorFacts, Snapshot, build_snapshot
from camhealth.health.state import CameraState, Confirmed, FaultState, LastProbe
from camhealth.probes.results import DeviceFacts, FailureCode, ProbeKind
from tests.health.city import area, camera, intersection, status

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
PASSWORD = "s3cret-Camera-Pw"  # a camera credential that must never come out of the exporter
AREAS = [
    area("station", "城厢街道"),
    area("square", "城厢街道"),
    area("park", "古柳街道"),
    area("empty", "古柳街道"),
    intersection("x1", "城厢街道"),
    area("depot", "古柳街道", key=False),
]


def _probed(state: CameraState, failure: FailureCode | None = None) -> CameraState:
    probes = tuple(LastProbe(kind, T0, failure, 0.25) for kind in ProbeKind)
    device = DeviceFacts(
        vendor='Hik"vision', model="IPC-1", firmware="V5.7", clock_skew_seconds=0.5
    )
    return replace(
        state, probes=probes, device=device, codec="h264", width=1920, height=1080, updated_at=T0
    )


def cameras() -> list[CameraRecord]:
    window = {
        "maintenance_start": T0 - timedelta(hours=1),
        "maintenance_end": T0 + timedelta(hours=1),
    }
    return [
        camera("station-01", "station").model_copy(
            update={"username": "admin", "password": SecretStr(PASSWORD)}
        ),
        camera("station-02", "station").model_copy(update=window),
        camera("square-01", "square"),
        camera("square-02", "square", enabled=False),
        camera("park-01", "park", platform=False),
        camera("x1-01", "x1", e_police=True),
        camera("depot-01", "depot"),  # never probed
    ]


def states() -> dict[str, CameraState]:
    blurred = status("square-01", intact=False)
    blurred = replace(blurred, faults=(FaultState("blur", Confirmed(True, T0), 2.5),))
    return {
        "station-01": _probed(status("station-01", networked=True)),
        "station-02": _probed(
            status("station-02", online=False, intact=False), FailureCode.timeout
        ),
        "square-01": _probed(blurred),
        "park-01": _probed(status("park-01", hd=False)),
        "x1-01": _probed(status("x1-01", networked=False)),
    }


def snapshot(at: datetime = T0) -> Snapshot:
    monitor = MonitorFacts(
        schedule_lag_seconds=1.5,
        event_loop_lag_seconds=0.002,
        probes_total=((ProbeKind.rtsp, "ok", 10), (ProbeKind.onvif, "timeout", 2)),
    )
    return build_snapshot(at, AREAS, cameras(), states(), monitor)


def area_records() -> list[AreaRecord]:
    return list(AREAS)
