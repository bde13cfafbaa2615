"""Each camera's confirmed status, from its probe results and picture diagnoses.

``step(state, observation, config, now)`` is the whole engine: an immutable ``CameraState`` and
one ``Observation`` (one probe result, with the picture's diagnosis for a ``frames`` probe) in,
the next state and the ``Event`` of every status that changed out.  The rules (docs/health.md):

- online: any direct probe (onvif, rtsp, frames) that got an answer, even a refusal of the
  credentials, proves the camera reachable and makes it online at once; ``offline_after``
  probes in a row that got no answer at all (unreachable, timeout, refused) make it offline.
- stream: a ``frames`` probe that decoded a picture says the stream plays; a failed one says
  it does not.  A change needs ``confirm_after`` failures or ``clear_after`` successes in a row.
- faults: each image fault is confirmed after ``confirm_after`` bad pictures in a row and
  cleared after ``clear_after`` good ones; a failed probe is no picture and leaves the count.
- hd: the main stream's size, a fact that needs no confirmation, once the stream is known to
  play: read from its parameter sets by the ``rtsp`` probe, or the size of a decoded picture.
- networked: the ``platform`` probe, with the same counts as the stream.  A platform failure
  while the same round's direct probe answered is a platform-only failure.
- intact: online, the stream plays and no fault is confirmed.  Maintenance mutes events and
  never makes a camera intact.

A status nobody has observed yet is unknown (None); its first observation decides it, since
there is no confirmed belief to protect from a stray sample.  Faults start unconfirmed instead,
so a single bad picture of a new camera confirms nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Protocol

from pydantic import TypeAdapter

from camhealth.config import HealthConfig
from camhealth.health.events import Event, EventKind, Evidence
from camhealth.probes.results import DeviceFacts, FailureCode, ProbeKind, ProbeResult

# Only these failures mean that nothing answered; any other failure came from the camera.
NO_ANSWER = frozenset({FailureCode.unreachable, FailureCode.timeout, FailureCode.refused})


class FaultCheckLike(Protocol):
    """What the state needs of one fault decision (``health.quality.FaultCheck``)."""

    @property
    def fault(self) -> str: ...
    @property
    def detected(self) -> bool: ...
    @property
    def score(self) -> float: ...


class DiagnosisLike(Protocol):
    """What the state needs of a picture diagnosis (``health.quality.FrameDiagnosis``)."""

    @property
    def width(self) -> int: ...
    @property
    def height(self) -> int: ...
    @property
    def hd(self) -> bool: ...
    @property
    def checks(self) -> Sequence[FaultCheckLike]: ...


@dataclass(frozen=True)
class StreamSize:
    """The main stream's picture size, and whether that is HD (the caller's thresholds)."""

    width: int
    height: int
    hd: bool


@dataclass(frozen=True)
class Observation:
    """One probe's outcome, reduced to what the status depends on.

    ``direct_ok`` (platform probes): whether the same round's direct RTSP probe succeeded.
    ``snapshot`` is the caller's reference to the stored picture, kept as evidence.
    ``device`` and ``codec`` are facts to remember (``camhealth_camera_info``), not statuses.
    ``size`` (rtsp probes): the main stream's size from its parameter sets, which decides hd.
    """

    probe: ProbeKind
    failure: FailureCode | None = None
    detail: str = ""
    duration: float = 0.0
    diagnosis: DiagnosisLike | None = None
    direct_ok: bool | None = None
    snapshot: str | None = None
    in_maintenance: bool = False
    device: DeviceFacts | None = None
    codec: str | None = None
    size: StreamSize | None = None

    @classmethod
    def of(
        cls,
        result: ProbeResult,
        *,
        diagnosis: DiagnosisLike | None = None,
        snapshot: str | None = None,
        in_maintenance: bool = False,
        size: StreamSize | None = None,
    ) -> Observation:
        return cls(
            probe=result.kind,
            failure=result.failure,
            detail=result.detail,
            duration=result.duration,
            diagnosis=diagnosis,
            direct_ok=None if result.direct is None else result.direct.ok,
            snapshot=snapshot,
            in_maintenance=in_maintenance,
            device=result.device,
            codec=_codec(result),
            size=size,
        )

    @property
    def answered(self) -> bool:
        return self.failure not in NO_ANSWER

    def evidence(self) -> Evidence:
        checks = self.diagnosis.checks if self.diagnosis else ()
        scores = tuple((str(c.fault), float(c.score)) for c in checks if c.detected)
        return Evidence(self.probe, self.failure, self.detail, scores, self.snapshot)


def _codec(result: ProbeResult) -> str | None:
    if result.stream is not None:
        return result.stream.codec
    return None if result.frame is None else result.frame.codec


@dataclass(frozen=True)
class Confirmed:
    """A yes/no status that changes only when enough observations in a row disagree with it.

    ``streak`` counts the disagreeing observations so far and ``streak_since`` is the time of
    the first of them; ``since`` is when the current value began (backdated to its streak).
    """

    value: bool | None = None
    since: datetime | None = None
    streak: int = 0
    streak_since: datetime | None = None

    def observe(self, seen: bool, needed: int, now: datetime) -> Confirmed:
        if seen == self.value:
            return self if self.streak == 0 else replace(self, streak=0, streak_since=None)
        began = self.streak_since or now
        if self.value is not None and self.streak + 1 < needed:
            return replace(self, streak=self.streak + 1, streak_since=began)
        return Confirmed(seen, began)


@dataclass(frozen=True)
class FaultState:
    """One image fault of one camera; kept while confirmed or while a bad streak runs."""

    fault: str
    status: Confirmed
    score: float  # in the last picture


@dataclass(frozen=True)
class LastProbe:
    """The last raw result of one probe kind (``camhealth_camera_probe_*`` metrics)."""

    probe: ProbeKind
    at: datetime
    failure: FailureCode | None
    duration: float


@dataclass(frozen=True)
class CameraState:
    """Everything the engine remembers about one camera; ``to_dict`` is its stored form."""

    camera: str
    online: Confirmed = field(default_factory=Confirmed)
    stream: Confirmed = field(default_factory=Confirmed)
    hd: Confirmed = field(default_factory=Confirmed)
    networked: Confirmed = field(default_factory=Confirmed)
    intact: Confirmed = field(default_factory=Confirmed)
    maintenance: Confirmed = field(default_factory=lambda: Confirmed(False))
    faults: tuple[FaultState, ...] = ()
    platform_only_failure: bool = False
    width: int | None = None
    height: int | None = None
    probes: tuple[LastProbe, ...] = ()
    device: DeviceFacts | None = None
    codec: str | None = None
    updated_at: datetime | None = None

    @property
    def confirmed_faults(self) -> tuple[str, ...]:
        return tuple(f.fault for f in self.faults if f.status.value)

    @property
    def known(self) -> bool:
        """False before the first probe: the camera's status is ``unknown``."""
        return self.updated_at is not None

    def to_dict(self) -> dict[str, Any]:
        return _STATE.dump_python(self, mode="json")  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CameraState:
        return _STATE.validate_python(data)


_STATE = TypeAdapter(CameraState)
# What a state records of its probes themselves: every result moves these, and nothing else.
_BOOKKEEPING = frozenset({"probes", "updated_at"})
_STATUS_FIELDS = tuple(f.name for f in fields(CameraState) if f.name not in _BOOKKEEPING)


def only_bookkeeping(before: CameraState, after: CameraState) -> bool:
    """Whether ``after`` differs from ``before`` only in its last probes and its time: no
    status, streak, fault, size or fact moved (most probe results of a healthy camera)."""
    return all(getattr(before, name) == getattr(after, name) for name in _STATUS_FIELDS)


def step(
    state: CameraState, obs: Observation, config: HealthConfig, now: datetime
) -> tuple[CameraState, tuple[Event, ...]]:
    """The camera's next state after ``obs``, and one event per status that changed."""
    new = _observe(state, obs, config, now)
    new = replace(new, intact=_intact(state, new, now))
    return new, tuple(_events(state, new, obs, now))


def _observe(s: CameraState, obs: Observation, cfg: HealthConfig, now: datetime) -> CameraState:
    online = s.online
    if obs.probe is not ProbeKind.platform:
        online = online.observe(obs.answered, 1 if obs.answered else cfg.offline_after, now)
    s = replace(
        s,
        online=online,
        maintenance=s.maintenance.observe(obs.in_maintenance, 1, now),
        probes=_remember(s.probes, LastProbe(obs.probe, now, obs.failure, obs.duration)),
        device=_device(obs.device, s.device),
        codec=obs.codec or s.codec,
        updated_at=now,
    )
    if obs.probe is ProbeKind.platform:
        return _observe_platform(s, obs, cfg, now)
    if obs.probe is ProbeKind.frames:
        return _observe_frames(s, obs, cfg, now)
    if obs.size is not None and obs.failure is None:
        return _sized(s, obs.size, now)
    return s


def _device(new: DeviceFacts | None, old: DeviceFacts | None) -> DeviceFacts | None:
    """The newest facts; a probe that read only the clock keeps the identity known before."""
    if new is None or old is None or new.serial or new.vendor or new.model or new.firmware:
        return new or old
    return replace(old, clock_skew_seconds=new.clock_skew_seconds)


def _sized(s: CameraState, size: StreamSize | DiagnosisLike, now: datetime) -> CameraState:
    """The main stream's size; it decides hd once the stream is known to play (HD is a
    decoded picture's size: a camera whose stream does not play is not an HD camera)."""
    hd = s.hd.observe(size.hd, 1, now) if s.stream.value is True else s.hd
    return replace(s, hd=hd, width=size.width, height=size.height)


def _by_outcome(ok: bool, cfg: HealthConfig) -> int:
    """Observations in a row needed for a good (clear_after) or a bad (confirm_after) change."""
    return cfg.clear_after if ok else cfg.confirm_after


def _observe_platform(
    s: CameraState, obs: Observation, cfg: HealthConfig, now: datetime
) -> CameraState:
    ok = obs.failure is None
    networked = s.networked.observe(ok, _by_outcome(ok, cfg), now)
    platform_only = networked.value is False and (
        s.platform_only_failure if ok else obs.direct_ok is True
    )
    return replace(s, networked=networked, platform_only_failure=platform_only)


def _observe_frames(
    s: CameraState, obs: Observation, cfg: HealthConfig, now: datetime
) -> CameraState:
    ok = obs.failure is None
    stream = s.stream.observe(ok, _by_outcome(ok, cfg), now)
    picture = obs.diagnosis
    if not ok or picture is None:
        return replace(s, stream=stream)
    s = replace(s, stream=stream, faults=_observe_faults(s.faults, picture.checks, cfg, now))
    return _sized(s, picture, now)


def _observe_faults(
    faults: tuple[FaultState, ...],
    checks: Sequence[FaultCheckLike],
    cfg: HealthConfig,
    now: datetime,
) -> tuple[FaultState, ...]:
    known = {f.fault: f for f in faults}
    for check in checks:
        name = str(check.fault)
        before = known[name].status if name in known else Confirmed(False)
        after = before.observe(check.detected, _by_outcome(not check.detected, cfg), now)
        known[name] = FaultState(name, after, float(check.score))
    # A fault neither confirmed nor on a bad streak is the default: no need to keep it.
    kept = (f for f in known.values() if f.status.value or f.status.streak)
    return tuple(sorted(kept, key=lambda f: f.fault))


def _remember(probes: tuple[LastProbe, ...], last: LastProbe) -> tuple[LastProbe, ...]:
    others = tuple(p for p in probes if p.probe is not last.probe)
    return tuple(sorted((*others, last), key=lambda p: p.probe.value))


def _intact(old: CameraState, new: CameraState, now: datetime) -> Confirmed:
    """Intact is derived; when it changes it dates from the change that caused it."""
    if new.online.value is False or new.stream.value is False or new.confirmed_faults:
        value: bool | None = False
    elif new.online.value and new.stream.value:
        value = True
    else:
        # Unknown only until first decided: after that, not known to be intact is not intact.
        value = None if old.intact.value is None else False
    if value == old.intact.value:
        return old.intact
    causes = [b.since or now for a, b in _flag_pairs(old, new) if a.value != b.value]
    causes += [_fault_since(old, new, fault, now) for fault in _changed_faults(old, new)]
    began = min(causes, default=now)
    floor = old.intact.since
    return Confirmed(value, began if floor is None else max(began, floor))


# Statuses with their events when they turn true and when they turn false.
_FLAG_KINDS = (
    ("maintenance", EventKind.maintenance_started, EventKind.maintenance_ended),
    ("online", EventKind.came_online, EventKind.went_offline),
    ("stream", EventKind.stream_playing, EventKind.stream_failed),
    ("hd", EventKind.became_hd, EventKind.became_not_hd),
    ("networked", EventKind.networked_verified, EventKind.networked_lost),
    ("intact", EventKind.became_intact, EventKind.became_not_intact),
)


def _flag_pairs(old: CameraState, new: CameraState) -> list[tuple[Confirmed, Confirmed]]:
    return [(getattr(old, name), getattr(new, name)) for name, _, _ in _FLAG_KINDS]


def _changed_faults(old: CameraState, new: CameraState) -> set[str]:
    return set(old.confirmed_faults) ^ set(new.confirmed_faults)


def _events(old: CameraState, new: CameraState, obs: Observation, now: datetime) -> list[Event]:
    changes = _changes(old, new, now)
    if not changes:
        return []
    evidence, muted = obs.evidence(), new.maintenance.value is True
    return [
        Event(new.camera, kind, now, since, evidence, fault, first, muted)
        for kind, since, fault, first in changes
    ]


def _changes(
    old: CameraState, new: CameraState, now: datetime
) -> list[tuple[EventKind, datetime, str | None, bool]]:
    """Each status that changed: its event kind, since when, the fault, whether it was unknown."""
    found: list[tuple[EventKind, datetime, str | None, bool]] = []
    for (name, on, off), (a, b) in zip(_FLAG_KINDS, _flag_pairs(old, new), strict=True):
        if a.value == b.value or b.value is None:
            continue
        kind = on if b.value else off
        if name == "networked" and kind is EventKind.networked_lost and new.platform_only_failure:
            kind = EventKind.platform_only_failure
        found.append((kind, b.since or now, None, a.value is None))
    for fault in sorted(_changed_faults(old, new)):
        confirmed = fault in new.confirmed_faults
        kind = EventKind.fault_confirmed if confirmed else EventKind.fault_cleared
        found.append((kind, _fault_since(old, new, fault, now), fault, False))
    return found


def _fault_since(old: CameraState, new: CameraState, fault: str, now: datetime) -> datetime:
    """When a fault's confirmation or clearing began: the first picture of its streak.

    A cleared fault is no longer kept, so its streak is read from the state before.
    """
    if fault in new.confirmed_faults:
        return next(f.status.since or now for f in new.faults if f.fault == fault)
    return next(f.status.streak_since or now for f in old.faults if f.fault == fault)
