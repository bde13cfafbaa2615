"""Builders for the state tests: pictures with chosen faults, probe outcomes, a clock."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from camhealth.config import HealthConfig
from camhealth.health.events import Event
from camhealth.health.state import CameraState, Observation, step
from camhealth.probes.results import FailureCode, ProbeKind

T0 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
CONFIG = HealthConfig()
FAULTS = (
    "blank",
    "too_dark",
    "too_bright",
    "blur",
    "occlusion",
    "color_cast",
    "noise",
    "stripes",
    "frozen",
    "scene_change",
)


@dataclass(frozen=True)
class Check:
    fault: str
    detected: bool
    score: float


@dataclass(frozen=True)
class Picture:
    width: int = 1920
    height: int = 1080
    bad: tuple[str, ...] = ()

    @property
    def hd(self) -> bool:
        return self.width >= 1280 and self.height >= 720

    @property
    def checks(self) -> tuple[Check, ...]:
        return tuple(Check(f, f in self.bad, 2.5 if f in self.bad else 0.4) for f in FAULTS)


def frames(*bad: str, width: int = 1920, height: int = 1080, **kw: object) -> Observation:
    picture = Picture(width, height, bad)
    return Observation(ProbeKind.frames, diagnosis=picture, snapshot="snap-1", **kw)  # type: ignore[arg-type]


def failed(kind: ProbeKind, code: FailureCode, **kw: object) -> Observation:
    return Observation(kind, failure=code, detail=f"{code} detail", **kw)  # type: ignore[arg-type]


def ok(kind: ProbeKind, **kw: object) -> Observation:
    return Observation(kind, **kw)  # type: ignore[arg-type]


def minute(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


def run(
    observations: Iterable[Observation],
    state: CameraState | None = None,
    config: HealthConfig = CONFIG,
    start: int = 0,
) -> tuple[CameraState, list[Event]]:
    """Step through the observations one minute apart, collecting every event."""
    state = state or CameraState("cam-1")
    events: list[Event] = []
    for n, obs in enumerate(observations, start):
        state, new = step(state, obs, config, minute(n))
        events += new
    return state, events


def kinds(events: Iterable[Event]) -> list[str]:
    return [e.kind.value if e.fault is None else f"{e.kind.value}:{e.fault}" for e in events]
