"""A small city for the indicator tests: areas, cameras and their statuses, built directly."""

from __future__ import annotations

from camhealth.camera_registry.records import AreaKind, AreaRecord, CameraRecord, CameraRole
from camhealth.health.state import CameraState, Confirmed

PLATFORM = "rtsp://platform.example/live"


def area(
    area_id: str,
    district: str = "城关街道",
    *,
    key: bool = True,
    kind: AreaKind = AreaKind.park_square,
) -> AreaRecord:
    return AreaRecord(id=area_id, name=area_id, district=district, key_area=key, kind=kind)


def intersection(area_id: str, district: str = "城关街道") -> AreaRecord:
    return area(area_id, district, key=False, kind=AreaKind.intersection)


def camera(
    camera_id: str,
    area_id: str,
    *,
    e_police: bool = False,
    platform: bool = True,
    declared: bool = False,
    enabled: bool = True,
) -> CameraRecord:
    return CameraRecord(
        id=camera_id,
        name=camera_id,
        area_id=area_id,
        role=CameraRole.e_police if e_police else CameraRole.surveillance,
        platform_url=f"{PLATFORM}/{camera_id}" if platform else None,
        declared_networked=declared,
        enabled=enabled,
    )


def status(
    camera_id: str,
    *,
    intact: bool = True,
    hd: bool | None = True,
    online: bool = True,
    networked: bool | None = None,
) -> CameraState:
    """A state as ``step`` would leave it: intact implies online and a playing stream."""
    return CameraState(
        camera_id,
        online=Confirmed(online),
        stream=Confirmed(intact or None),
        hd=Confirmed(hd),
        networked=Confirmed(networked),
        intact=Confirmed(intact and online),
    )
