"""The Snapshot: everything the exporter serves, made once per change and never modified.

The engine builds a new Snapshot after each change and swaps a single reference; the exporter's
handlers read whichever Snapshot they got without locks, because nothing in it ever changes
(frozen dataclasses, read-only mappings, immutable records and states).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import NamedTuple

from camhealth.camera_registry.records import AreaRecord, CameraRecord
from camhealth.health.indicators import IndicatorReport, compute_indicators
from camhealth.health.state import CameraState
from camhealth.probes.results import ProbeKind

_NO_AREA = AreaRecord(id="unknown", name="unknown")


class CameraEntry(NamedTuple):
    """One camera: its registry record (never with credentials), its area and its state.

    ``state`` is a fresh ``CameraState`` (all unknown) for a camera never probed; ``muted`` says
    the camera was in its maintenance window when the snapshot was made.  A NamedTuple: as
    immutable as a frozen dataclass and several times cheaper to make, 20,000 per snapshot.
    """

    record: CameraRecord
    area: AreaRecord
    state: CameraState
    muted: bool

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def district(self) -> str:
        return self.area.district


@dataclass(frozen=True)
class MonitorFacts:
    """The monitor watching itself, as the scheduler and the pipeline report it."""

    schedule_lag_seconds: float = 0.0
    event_loop_lag_seconds: float = 0.0
    # (probe, result label, count since start) for camhealth_probes_total; the label is "ok",
    # a failure code, or "late" (a timeout caused by the monitor, not the camera)
    probes_total: tuple[tuple[ProbeKind, str, int], ...] = ()
    pictures_undiagnosed: int = 0  # since start: decided without being judged (pool behind)
    diagnosis_queue_pictures: int = 0  # pictures waiting for the diagnosis pool now


@dataclass(frozen=True)
class Snapshot:
    made_at: datetime
    cameras: Mapping[str, CameraEntry]  # by camera id, in registry order
    areas: Mapping[str, AreaRecord]  # by area id
    indicators: IndicatorReport
    monitor: MonitorFacts = field(default_factory=MonitorFacts)


def build_snapshot(
    made_at: datetime,
    areas: Iterable[AreaRecord],
    cameras: Iterable[CameraRecord],
    states: Mapping[str, CameraState],
    monitor: MonitorFacts | None = None,
) -> Snapshot:
    """A Snapshot of every registry camera with its state and the indicators at ``made_at``."""
    area_list, camera_list = list(areas), list(cameras)
    by_id = {area.id: area for area in area_list}
    entries = {
        camera.id: CameraEntry(
            without_credentials(camera),
            by_id.get(camera.area_id, _NO_AREA),
            states.get(camera.id) or CameraState(camera.id),
            camera.in_maintenance(made_at),
        )
        for camera in camera_list
    }
    return Snapshot(
        made_at=made_at,
        cameras=MappingProxyType(entries),
        areas=MappingProxyType(by_id),
        indicators=compute_indicators(area_list, camera_list, states),
        monitor=monitor or MonitorFacts(),
    )


def without_credentials(camera: CameraRecord) -> CameraRecord:
    """The exporter never needs credentials: keep them out of what it can reach. (A caller
    building many Snapshots strips its records once, and this costs nothing.)"""
    if not camera.has_credentials:
        return camera
    return camera.model_copy(update={"username": None, "password": None})
