"""What the pipeline remembers per camera, and how one probe result changes it.

``Cameras.diagnose`` judges a picture against the camera's last sample and its reference view;
``Cameras.observe`` steps the camera's state with one probe result (and its picture's
diagnosis, when it got one), and the outcome says
what to store: the new state, its events, the picture kept for the next ``frozen`` check, the
evidence picture of the events, and a new reference view when one was taken.

The frames probe plays the sub-stream when there is one (a 640x360 keyframe costs a fraction of
a 1080p one), so whether a camera is HD is judged on its main stream's size, as the RTSP probe
read it from the parameter sets: every ``rtsp`` probe decides it, with no picture at all.

Samples are not kept here: the pipeline reads a camera's two (packed, as the store keeps them)
at each of its pictures, once every frames interval. In memory they would take 66 kB a camera,
1.3 GB at 20,000; what stays per camera is its state, its main stream's size, whether it has a
reference view and, until it has one, a count of clean pictures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime

from camhealth.config import HealthConfig
from camhealth.health.events import Event
from camhealth.health.quality import FaultCheck, FrameDiagnosis
from camhealth.health.state import (
    CameraState,
    Observation,
    StreamSize,
    only_bookkeeping,
    step,
)
from camhealth.health.thresholds import QualityConfig
from camhealth.monitor.judging import Judged, judge
from camhealth.monitor.pictures import diagnosis_json, packed_sample_of_jpeg
from camhealth.monitor.store import StoredPicture
from camhealth.probes.results import FrameSample, ProbeKind, ProbeResult

REFERENCE_AFTER = 3  # clean pictures in a row of an intact camera before its reference is taken


@dataclass(frozen=True)
class Sized:
    """A diagnosis as the state sees it: the checks of the picture, the size of the main stream."""

    width: int
    height: int
    hd: bool
    checks: Sequence[FaultCheck]


@dataclass(frozen=True)
class Outcome:
    state: CameraState
    events: tuple[Event, ...]
    picture: StoredPicture | None = None  # the last sample, to store
    evidence: tuple[str, bytes] | None = None  # (ref, jpeg) when events cite the picture
    reference: bytes | None = None  # a new reference view (JPEG) to keep in the registry
    moved: bool = True  # more than the state's last probes changed (see ``only_bookkeeping``)


@dataclass(frozen=True)
class Watch:
    """What the pipeline knows of a watched camera from the registry."""

    id: str
    tags: tuple[str, ...] = ()
    sub_stream: bool = False  # frames come from a sub-stream: HD is judged on the main one


class Cameras:
    """States and main-stream sizes of every watched camera, and which have a reference view."""

    def __init__(
        self, health: HealthConfig, quality: QualityConfig, diagnoser: Executor | None = None
    ) -> None:
        self.health, self.quality = health, quality
        self.states: dict[str, CameraState] = {}
        self.referenced: set[str] = set()  # judged against a reference view at their last picture
        self.main_sizes: dict[str, tuple[int, int]] = {}
        self._clean: dict[str, int] = {}  # clean pictures in a row, before a reference is taken
        self._diagnoser = diagnoser

    def restore(self, states: Mapping[str, CameraState]) -> None:
        self.states.update(states)

    def forget(self, camera_id: str) -> None:
        self.referenced.discard(camera_id)
        for table in (self.states, self.main_sizes, self._clean):
            table.pop(camera_id, None)

    def observe(
        self,
        watch: Watch,
        result: ProbeResult,
        now: datetime,
        in_maintenance: bool,
        judged: Judged | None = None,
    ) -> Outcome:
        """Step the camera's state; ``judged`` is its picture's diagnosis (None: none)."""
        diagnosis = None if judged is None else judged.diagnosis
        stream = result.stream
        size = None
        if result.kind is ProbeKind.rtsp and stream and stream.width and stream.height:
            self.main_sizes[watch.id] = (stream.width, stream.height)
            size = StreamSize(stream.width, stream.height, self._hd(stream.width, stream.height))
        frame = result.frame if result.ok and diagnosis is not None else None
        ref = f"{watch.id}@{now.isoformat()}" if frame is not None else None
        observation = Observation.of(
            result,
            diagnosis=None if diagnosis is None else self._sized(watch, diagnosis),
            snapshot=ref,
            in_maintenance=in_maintenance,
            size=size,
        )
        before = self.states.get(watch.id) or CameraState(watch.id)
        state, events = step(before, observation, self.health, now)
        self.states[watch.id] = state
        moved = before.updated_at is None or not only_bookkeeping(before, state)
        if frame is None or judged is None or diagnosis is None:
            return Outcome(state, events, moved=moved)
        picture = StoredPicture(watch.id, now, judged.packed, diagnosis_json(diagnosis))
        evidence = (ref, judged.jpeg) if events and ref else None
        reference = self._new_reference(watch, before, state, judged)
        return Outcome(state, events, picture, evidence, reference, moved)

    async def diagnose(
        self, watch: Watch, frame: FrameSample, previous: bytes | None, reference: bytes | None
    ) -> Judged:
        """The picture's diagnosis against the camera's last sample and its reference's (both
        packed; None: none), computed in the diagnosis pool (CPU-bound, off the loop)."""
        thresholds = self.quality.for_camera(watch.id, watch.tags)
        if reference is None:
            self.referenced.discard(watch.id)
        else:
            self.referenced.add(watch.id)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._diagnoser, judge, frame, thresholds, previous, reference
        )

    async def packed_reference(self, jpeg: bytes) -> bytes | None:
        """The packed Sample of a reference JPEG (None: it does not decode), made in the
        diagnosis pool: decoding and measuring it takes a few ms of CPU."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._diagnoser, packed_sample_of_jpeg, jpeg)

    def _sized(self, watch: Watch, diagnosis: FrameDiagnosis) -> Sized:
        size = (diagnosis.width, diagnosis.height)
        if watch.sub_stream:
            state = self.states.get(watch.id)
            remembered = (state.width, state.height) if state and state.width else None
            size = self.main_sizes.get(watch.id) or remembered or size  # type: ignore[assignment]
        width, height = size
        return Sized(width, height, self._hd(width, height), diagnosis.checks)

    def _hd(self, width: int, height: int) -> bool:
        return width >= self.quality.hd_min_width and height >= self.quality.hd_min_height

    def _new_reference(
        self,
        watch: Watch,
        before: CameraState,
        after: CameraState,
        judged: Judged,
    ) -> bytes | None:
        """A camera without a reference view gets one after ``REFERENCE_AFTER`` clean pictures
        in a row while it was and stayed intact: a confirmed healthy view, never a first
        impression. (A camera aimed wrong from its first picture still looks clean: only an
        operator can tell, with ``camhealth reference set``.)"""
        if watch.id in self.referenced:
            return None
        healthy = before.intact.value is True and after.intact.value is True and not after.faults
        clean = self._clean.get(watch.id, 0) + 1 if healthy and not judged.diagnosis.faults else 0
        if clean < REFERENCE_AFTER:
            self._clean[watch.id] = clean
            return None
        self._clean.pop(watch.id, None)
        self.referenced.add(watch.id)
        return judged.jpeg
