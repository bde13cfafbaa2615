"""Files that describe a simulated fleet: the registry the monitor imports, and the truth.

The registry is two CSV files in the import column set (``camhealth areas import`` and
``camhealth cameras import``): the areas, and the cameras with their login, because the monitor
needs the simulated cameras' credentials (the registry's own export never writes them). The truth
manifest (JSON) gives each camera's injected faults and the statuses a correct monitor reaches.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from camhealth.camera_registry.exporting import CAMERA_FIELDS, write_areas
from camhealth.camera_registry.records import CameraRecord
from camhealth.simulator.camera import SUB_PATH
from camhealth.simulator.plan import Plan, PlannedCamera, onvif_url, rtsp_url
from camhealth.simulator.truth import truth_entry

REGISTRY_FIELDS = (*CAMERA_FIELDS, "username", "password")


def camera_record(plan: Plan, planned: PlannedCamera) -> CameraRecord:
    camera = planned.camera
    return CameraRecord(
        id=camera.id,
        name=camera.name,
        area_id=planned.area_id,
        role=planned.role,
        onvif_url=onvif_url(camera),
        rtsp_url=rtsp_url(camera),
        sub_rtsp_url=rtsp_url(camera, SUB_PATH),
        platform_url=plan.relay_url(camera) if planned.relayed else None,
        tags=("simulated",),
    )


def _cell(value: Any) -> str:
    """A JSON value as the importer reads it: empty for none, true/false, tags joined by ','."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return ",".join(value) if isinstance(value, list) else str(value)


def write_registry(plan: Plan, cameras_csv: Path, areas_csv: Path) -> None:
    with areas_csv.open("wb") as out:
        write_areas(plan.areas, "csv", out)
    with cameras_csv.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(REGISTRY_FIELDS)
        for planned in plan.cameras:
            item = camera_record(plan, planned).model_dump(mode="json", include=set(CAMERA_FIELDS))
            login = (planned.camera.username, planned.camera.password)
            writer.writerow([*(_cell(item[field]) for field in CAMERA_FIELDS), *login])


def write_truth(plan: Plan, path: Path, platform_down: bool = False) -> None:
    cameras = [truth_entry(p.camera, p.area_id, p.relayed, platform_down) for p in plan.cameras]
    document = {"platform_down": platform_down, "cameras": cameras}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
