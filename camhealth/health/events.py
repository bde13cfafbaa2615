"""Status changes of a camera, each with its evidence: what ``health.state.step`` emits.

Events are plain frozen data; ``to_dict``/``from_dict`` give the JSON form the store keeps and
the API serves.  Their ``kind`` values are an interface (API, alert rules): add, never rename.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import TypeAdapter

from camhealth.probes.results import FailureCode, ProbeKind


class EventKind(StrEnum):
    came_online = "came_online"
    went_offline = "went_offline"
    stream_playing = "stream_playing"
    stream_failed = "stream_failed"
    fault_confirmed = "fault_confirmed"
    fault_cleared = "fault_cleared"
    became_hd = "became_hd"
    became_not_hd = "became_not_hd"
    networked_verified = "networked_verified"
    networked_lost = "networked_lost"  # the platform fails and the camera is down or unknown
    platform_only_failure = "platform_only_failure"  # the platform fails, the camera answers
    became_intact = "became_intact"
    became_not_intact = "became_not_intact"
    maintenance_started = "maintenance_started"
    maintenance_ended = "maintenance_ended"


@dataclass(frozen=True)
class Evidence:
    """What the deciding observation saw.

    ``scores`` holds the faults detected in the deciding picture with their scores (1.0 = at the
    threshold); ``snapshot`` is the caller's reference to the stored picture, if any.
    """

    probe: ProbeKind
    failure: FailureCode | None = None
    detail: str = ""
    scores: tuple[tuple[str, float], ...] = ()
    snapshot: str | None = None


@dataclass(frozen=True)
class Event:
    """One status change of one camera.

    ``at`` is when it was decided; ``since`` when the new condition began (the first sample of
    the streak that confirmed it, so ``since <= at``).  ``first`` marks a status that was
    unknown before, e.g. the first probe of a new camera.  ``muted`` is set during the
    camera's maintenance window: record it, don't alert on it.
    """

    camera: str
    kind: EventKind
    at: datetime
    since: datetime
    evidence: Evidence
    fault: str | None = None
    first: bool = False
    muted: bool = False

    def to_dict(self) -> dict[str, Any]:
        return _EVENT.dump_python(self, mode="json")  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Event:
        return _EVENT.validate_python(data)


_EVENT = TypeAdapter(Event)
