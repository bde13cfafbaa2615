"""The JSON API's shapes: query parameters in, documents out, and their making from a Snapshot.

The same pydantic models validate the requests, write the answers and, through their JSON
Schemas, make the OpenAPI document, so the three cannot disagree.  No model has a field for a
camera's credentials: they cannot come out of the API, whatever a record holds.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
)

from camhealth.camera_registry.records import ID_PATTERN, AreaKind, CameraRole
from camhealth.health.events import Event, EventKind
from camhealth.health.indicators import AreaCoverage, CoverageReason, Rate, ScopeIndicators
from camhealth.health.snapshot import CameraEntry
from camhealth.health.state import LastProbe
from camhealth.probes.results import FailureCode, ProbeKind


def _iso_time(value: Any) -> Any:
    """Only ISO 8601 text (or a datetime): pydantic would also take a number as a Unix time."""
    if isinstance(value, datetime) or (isinstance(value, str) and not _NUMBER.fullmatch(value)):
        return value
    raise ValueError("must be an ISO 8601 time with a zone, e.g. 2026-11-29T08:00:00+08:00")


def _plain_bool(value: Any) -> Any:
    """Only true or false: pydantic would also take yes, on, 1 and more."""
    if isinstance(value, bool) or value in ("true", "false"):
        return value
    raise ValueError("must be true or false")


_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")
Time = Annotated[AwareDatetime, BeforeValidator(_iso_time)]
Bool = Annotated[bool, BeforeValidator(_plain_bool)]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# -- cameras --------------------------------------------------------------------------------


class StatusFilter(StrEnum):
    online = "online"
    offline = "offline"
    intact = "intact"
    not_intact = "not_intact"
    hd = "hd"
    not_hd = "not_hd"
    networked = "networked"
    not_networked = "not_networked"
    unknown = "unknown"
    maintenance = "maintenance"


class CameraSort(StrEnum):
    id = "id"
    name = "name"
    area = "area"
    district = "district"
    since = "since"  # when the intact status last changed


class Order(StrEnum):
    asc = "asc"
    desc = "desc"


class CameraQuery(_Query):
    status: StatusFilter | None = None
    fault: str | None = Field(None, max_length=32, description="A confirmed image fault.")
    area: str | None = Field(None, max_length=64)
    district: str | None = Field(None, max_length=100)
    role: CameraRole | None = None
    sort: CameraSort = CameraSort.id
    order: Order = Order.asc
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class Status(_Out):
    """Each status after confirmation; null while unknown."""

    known: bool
    online: bool | None
    intact: bool | None
    intact_since: datetime | None
    hd: bool | None
    networked: bool | None
    platform_only_failure: bool
    maintenance: bool
    faults: list[str]


class CameraSummary(_Out):
    id: str
    name: str
    area: str
    area_name: str
    district: str
    role: CameraRole
    enabled: bool
    status: Status
    width: int | None
    height: int | None
    updated_at: datetime | None
    last_picture: str | None = Field(
        description="URL of the camera's newest stored picture; null if none or no store."
    )


class CameraPage(_Out):
    total: int
    limit: int
    offset: int
    items: list[CameraSummary]


def status_of(entry: CameraEntry) -> Status:
    state = entry.state
    return Status(
        known=state.known,
        online=state.online.value,
        intact=state.intact.value,
        intact_since=state.intact.since,
        hd=state.hd.value,
        networked=state.networked.value if entry.record.platform_url else None,
        platform_only_failure=state.platform_only_failure,
        maintenance=entry.muted,
        faults=list(state.confirmed_faults),
    )


def summary_of(entry: CameraEntry, picture: str | None) -> CameraSummary:
    """``picture``: the reference of the camera's newest stored picture."""
    return CameraSummary(
        id=entry.id,
        name=entry.record.name,
        area=entry.area.id,
        area_name=entry.area.name,
        district=entry.district,
        role=entry.record.role,
        enabled=entry.record.enabled,
        status=status_of(entry),
        width=entry.state.width,
        height=entry.state.height,
        updated_at=entry.state.updated_at,
        last_picture=picture and f"/api/v1/pictures/{picture}",
    )


class ProbeOut(_Out):
    probe: ProbeKind
    at: datetime
    ok: bool
    failure: FailureCode | None
    duration_seconds: float


def probe_of(last: LastProbe) -> ProbeOut:
    return ProbeOut(
        probe=last.probe,
        at=last.at,
        ok=last.failure is None,
        failure=last.failure,
        duration_seconds=last.duration,
    )


class Device(_Out):
    """What the camera's ONVIF service says (never the stream URIs it discovered)."""

    vendor: str | None
    model: str | None
    firmware: str | None
    serial: str | None
    clock_skew_seconds: float | None
    codec: str | None


class EventOut(_Out):
    camera: str
    kind: EventKind
    at: datetime
    since: datetime
    fault: str | None
    first: bool
    muted: bool
    probe: ProbeKind
    failure: FailureCode | None
    detail: str
    scores: dict[str, float]
    picture: str | None = Field(description="URL of the evidence picture, if one was kept.")


def event_of(event: Event) -> EventOut:
    evidence = event.evidence
    picture = f"/api/v1/pictures/{evidence.snapshot}" if evidence.snapshot else None
    return EventOut(
        camera=event.camera,
        kind=event.kind,
        at=event.at,
        since=event.since,
        fault=event.fault,
        first=event.first,
        muted=event.muted,
        probe=evidence.probe,
        failure=evidence.failure,
        detail=evidence.detail,
        scores=dict(evidence.scores),
        picture=picture,
    )


class Uptime(_Out):
    period_start: datetime
    period_end: datetime
    intact_hours: float
    downtime_hours: float
    no_data_hours: float
    outages: int
    ratio: float | None


class CameraDetail(_Out):
    camera: CameraSummary
    onvif_url: str | None
    rtsp_url: str | None
    sub_rtsp_url: str | None
    platform_url: str | None
    declared_networked: bool
    maintenance_start: datetime | None
    maintenance_end: datetime | None
    tags: list[str]
    device: Device
    probes: list[ProbeOut]
    reference_picture: str
    events: list[EventOut] | None = Field(description="Newest first; null without a store.")
    history: Uptime | None = Field(description="Uptime over the period; null without a store.")


def _zone(value: Any) -> Any:
    try:
        ZoneInfo(value)
    except (ValueError, TypeError, ZoneInfoNotFoundError):
        raise ValueError("not a time zone, e.g. Asia/Shanghai") from None
    return value


Zone = Annotated[str, Field(max_length=64), AfterValidator(_zone)]
_ZONE_HELP = "The zone the period is read in; by default the exporter's (exporter.timezone)."


class CameraDetailQuery(_Query):
    period: str | None = Field(
        None, max_length=20, description="2026-11, 2026-11-02 or 2026-11-02T08; this month."
    )
    timezone: Zone | None = Field(None, description=_ZONE_HELP)
    events: int = Field(50, ge=0, le=1000, description="How many of the newest events.")


# -- areas and indicators -------------------------------------------------------------------


class CoverageIndicator(StrEnum):
    hd_coverage = "hd_coverage"
    epolice_coverage = "epolice_coverage"


class AreaQuery(_Query):
    indicator: CoverageIndicator | None = None
    covered: Bool | None = None
    district: str | None = Field(None, max_length=100)


class AreaOut(_Out):
    id: str
    name: str
    kind: AreaKind
    district: str
    key_area: bool
    indicator: CoverageIndicator
    covered: bool
    reason: CoverageReason | None
    cameras: int
    candidates: int = Field(description="Cameras that could cover it: HD, or e-police ones.")


class AreaList(_Out):
    items: list[AreaOut]


def area_of(coverage: AreaCoverage, name: str, kind: AreaKind, key_area: bool) -> AreaOut:
    return AreaOut(
        id=coverage.area,
        name=name,
        kind=kind,
        district=coverage.district,
        key_area=key_area,
        indicator=CoverageIndicator(coverage.indicator.value),
        covered=coverage.covered,
        reason=coverage.reason,
        cameras=coverage.cameras,
        candidates=coverage.candidates,
    )


class RateOut(_Out):
    numerator: int
    denominator: int
    ratio: float | None
    stars: int | None


def rate_of(rate: Rate) -> RateOut:
    return RateOut(
        numerator=rate.numerator,
        denominator=rate.denominator,
        ratio=rate.ratio,
        stars=rate.stars if rate.denominator else None,
    )


class Stars(_Out):
    L4P4: int | None
    L4P5: int | None
    L4P6: int | None


class ScopeOut(_Out):
    district: str = Field(description='"" for the whole city.')
    hd_coverage: RateOut
    intactness: RateOut
    networking: RateOut
    networking_declared: int
    epolice_coverage: RateOut
    stars: Stars


def scope_of(scope: ScopeIndicators) -> ScopeOut:
    def level(stars: int, *rates: Rate) -> int | None:
        return stars if all(rate.denominator for rate in rates) else None

    return ScopeOut(
        district=scope.district or "",
        hd_coverage=rate_of(scope.hd_coverage),
        intactness=rate_of(scope.intactness),
        networking=rate_of(scope.networking),
        networking_declared=scope.networking_declared,
        epolice_coverage=rate_of(scope.epolice_coverage),
        stars=Stars(
            L4P4=level(scope.l4p4_stars, scope.hd_coverage, scope.intactness),
            L4P5=level(scope.l4p5_stars, scope.networking),
            L4P6=level(scope.l4p6_stars, scope.epolice_coverage),
        ),
    )


class IndicatorsNow(_Out):
    made_at: datetime
    city: ScopeOut
    districts: list[ScopeOut]


class PeriodQuery(_Query):
    period: str = Field(
        max_length=20, description="2026-11 (month), 2026-11-02 (day) or 2026-11-02T08 (hour)"
    )
    timezone: Zone | None = Field(None, description=_ZONE_HELP)
    district: str = Field("", max_length=100, description='"" for the whole city.')


class WeightedOut(_Out):
    ratio: float | None
    stars: int | None
    data_hours: float = Field(description="Hours of the period with recorded data.")


class IndicatorsPeriod(_Out):
    period_start: datetime
    period_end: datetime
    district: str
    hd_coverage: WeightedOut
    intactness: WeightedOut
    networking: WeightedOut
    epolice_coverage: WeightedOut


# -- events ---------------------------------------------------------------------------------


class EventQuery(_Query):
    camera: str | None = Field(None, pattern=ID_PATTERN)
    kind: EventKind | None = None
    since: Time | None = Field(None, description="Default: 24 hours before until.")
    until: Time | None = Field(None, description="Default: now.")
    limit: int = Field(100, ge=1, le=1000)


class EventList(_Out):
    items: list[EventOut]


# -- edits ----------------------------------------------------------------------------------


class Maintenance(_Query):
    start: Time | None = None
    end: Time | None = None


class Changed(_Out):
    created: int
    updated: int
    unchanged: int


class Error(_Out):
    error: str
    status: int
    details: list[dict[str, str]] | None = None
