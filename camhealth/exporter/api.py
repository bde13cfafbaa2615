"""The JSON API under /api/v1/: cameras, areas, indicators, events, pictures, registry edits.

Everything is read from the current Snapshot, except events, periods and evidence pictures (the
monitor's store, ``Services.history``) and reference pictures and edits (the registry).  Every
route needs a login (auth.py); ``OPERATIONS`` lists them with what they take and give, and
``openapi.document()`` turns that list into /api/v1/openapi.json.

Registry edits go through the import's own validation (``CameraRecord``/``AreaRecord`` and the
store's checks, e.g. an unknown area) and reach the Snapshot when the monitor next re-reads the
registry (``monitor.refresh_interval``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from pydantic import BaseModel, ValidationError

from camhealth.camera_registry.credentials import CredentialsError
from camhealth.camera_registry.importing import ImportRejected, Row
from camhealth.camera_registry.records import AreaRecord, CameraRecord
from camhealth.exporter import api_models as m
from camhealth.exporter.accounts import Role
from camhealth.exporter.auth import requires
from camhealth.exporter.history import picture_ref
from camhealth.exporter.replies import (
    InvalidInput,
    check_json_types,
    field_errors,
    parse_query,
    read_body,
    read_json,
)
from camhealth.exporter.services import SERVICES, Services
from camhealth.health.indicators import Indicator, Rate
from camhealth.health.snapshot import CameraEntry, Snapshot
from camhealth.health.timeline import Period, intact_changes, time_weighted, uptime

JPEG = "image/jpeg"


def _json(model: BaseModel, status: int = 200) -> web.Response:
    return web.json_response(text=model.model_dump_json(), status=status)


def _services(request: web.Request) -> Services:
    return request.app[SERVICES]


# -- cameras --------------------------------------------------------------------------------

_STATUS: dict[m.StatusFilter, Any] = {
    m.StatusFilter.online: lambda e: e.state.online.value is True,
    m.StatusFilter.offline: lambda e: e.state.online.value is False,
    m.StatusFilter.intact: lambda e: e.state.intact.value is True,
    m.StatusFilter.not_intact: lambda e: e.state.intact.value is not True,
    m.StatusFilter.hd: lambda e: e.state.hd.value is True,
    m.StatusFilter.not_hd: lambda e: e.state.hd.value is not True,
    m.StatusFilter.networked: lambda e: e.state.networked.value is True,
    m.StatusFilter.not_networked: lambda e: e.state.networked.value is not True,
    m.StatusFilter.unknown: lambda e: not e.state.known,
    m.StatusFilter.maintenance: lambda e: e.muted,
}
_EARLIEST = datetime.min.replace(tzinfo=UTC)
_SORT: dict[m.CameraSort, Any] = {
    m.CameraSort.id: lambda e: e.id,
    m.CameraSort.name: lambda e: (e.record.name, e.id),
    m.CameraSort.area: lambda e: (e.area.id, e.id),
    m.CameraSort.district: lambda e: (e.district, e.area.id, e.id),
    m.CameraSort.since: lambda e: (e.state.intact.since or _EARLIEST, e.id),
}


def _matches(entry: CameraEntry, q: m.CameraQuery) -> bool:
    return (
        (q.status is None or _STATUS[q.status](entry))
        and (q.fault is None or q.fault in entry.state.confirmed_faults)
        and (q.area is None or entry.area.id == q.area)
        and (q.district is None or entry.district == q.district)
        and (q.role is None or entry.record.role is q.role)
    )


async def list_cameras(request: web.Request) -> web.Response:
    q = parse_query(request, m.CameraQuery)
    snapshot = _services(request).snapshot()
    found = [e for e in snapshot.cameras.values() if _matches(e, q)]
    found.sort(key=_SORT[q.sort], reverse=q.order is m.Order.desc)
    page = found[q.offset : q.offset + q.limit]
    pictures = await _last_pictures(request, [e.id for e in page])
    items = [m.summary_of(e, pictures.get(e.id)) for e in page]
    return _json(m.CameraPage(total=len(found), limit=q.limit, offset=q.offset, items=items))


async def _last_pictures(request: web.Request, cameras: list[str]) -> dict[str, str]:
    """Each camera's newest picture, all of a page's in one query ({} without a store)."""
    history = _services(request).history
    return {} if history is None else await history.last_pictures(cameras)


def _entry(snapshot: Snapshot, camera_id: str) -> CameraEntry:
    entry = snapshot.cameras.get(camera_id)
    if entry is None:
        raise web.HTTPNotFound(reason="no such camera")
    return entry


def _period(request: web.Request, text: str | None, zone: str | None, now: datetime) -> Period:
    """The named period in ``zone`` (by default the exporter's), or the current month; 422
    naming ``period`` if malformed."""
    tz = ZoneInfo(zone) if zone else _services(request).zone
    try:
        return Period.parse(text or now.astimezone(tz).strftime("%Y-%m"), tz)
    except ValueError:
        raise InvalidInput(
            [{"field": "period", "message": "use 2026-11, 2026-11-02 or 2026-11-02T08"}]
        ) from None


async def get_camera(request: web.Request) -> web.Response:
    q = parse_query(request, m.CameraDetailQuery)
    services = _services(request)
    snapshot = services.snapshot()
    entry = _entry(snapshot, request.match_info["camera"])
    period = _period(request, q.period, q.timezone, snapshot.made_at)
    events: list[m.EventOut] | None = None
    history: m.Uptime | None = None
    if services.history is not None:
        found = await services.history.events(end=period.end, camera=entry.id)
        events = [m.event_of(e) for e in reversed(found[-q.events :] if q.events else [])]
        history = _uptime(found, period)
    picture = (await _last_pictures(request, [entry.id])).get(entry.id)
    return _json(_detail(entry, picture, events, history))


def _uptime(events: list[Any], period: Period) -> m.Uptime:
    found = uptime(intact_changes(events), period)
    return m.Uptime(
        period_start=period.start,
        period_end=period.end,
        intact_hours=found.intact_hours,
        downtime_hours=found.downtime_hours,
        no_data_hours=found.no_data_seconds / 3600,
        outages=found.outages,
        ratio=found.ratio,
    )


def _detail(
    entry: CameraEntry,
    picture: str | None,
    events: list[m.EventOut] | None,
    history: m.Uptime | None,
) -> m.CameraDetail:
    record, state = entry.record, entry.state
    device = state.device
    return m.CameraDetail(
        camera=m.summary_of(entry, picture),
        onvif_url=record.onvif_url,
        rtsp_url=record.rtsp_url,
        sub_rtsp_url=record.sub_rtsp_url,
        platform_url=record.platform_url,
        declared_networked=record.declared_networked,
        maintenance_start=record.maintenance_start,
        maintenance_end=record.maintenance_end,
        tags=list(record.tags),
        device=m.Device(
            vendor=device and device.vendor,
            model=device and device.model,
            firmware=device and device.firmware,
            serial=device and device.serial,
            clock_skew_seconds=device and device.clock_skew_seconds,
            codec=state.codec,
        ),
        probes=[m.probe_of(last) for last in state.probes],
        reference_picture=f"/api/v1/cameras/{entry.id}/reference.jpg",
        events=events,
        history=history,
    )


# -- areas and indicators -------------------------------------------------------------------


async def list_areas(request: web.Request) -> web.Response:
    q = parse_query(request, m.AreaQuery)
    snapshot = _services(request).snapshot()
    items = []
    for coverage in snapshot.indicators.areas:
        area = snapshot.areas.get(coverage.area)
        if area is None or (
            q.indicator is not None and coverage.indicator.value != q.indicator.value
        ):
            continue
        if (q.covered is None or coverage.covered is q.covered) and (
            q.district is None or coverage.district == q.district
        ):
            items.append(m.area_of(coverage, area.name, area.kind, area.key_area))
    return _json(m.AreaList(items=items))


async def indicators_now(request: web.Request) -> web.Response:
    snapshot = _services(request).snapshot()
    report = snapshot.indicators
    return _json(
        m.IndicatorsNow(
            made_at=snapshot.made_at,
            city=m.scope_of(report.city),
            districts=[m.scope_of(scope) for scope in report.districts],
        )
    )


async def indicators_period(request: web.Request) -> web.Response:
    q = parse_query(request, m.PeriodQuery)
    services = _services(request)
    period = _period(request, q.period, q.timezone, datetime.now(UTC))
    rows = await services.need_history().history(period.start, period.end)
    samples: dict[str, list[tuple[datetime, Rate]]] = {i.value: [] for i in Indicator}
    for row in rows:
        if row["district"] == q.district and row["indicator"] in samples:
            rate = Rate(row["numerator"], row["denominator"])
            samples[row["indicator"]].append((_aware(row["at"]), rate))

    def weighted(indicator: Indicator) -> m.WeightedOut:
        found = time_weighted(samples[indicator.value], period)
        stars = found.stars if found.denominator_seconds else None
        return m.WeightedOut(ratio=found.ratio, stars=stars, data_hours=found.data_seconds / 3600)

    return _json(
        m.IndicatorsPeriod(
            period_start=period.start,
            period_end=period.end,
            district=q.district,
            **{i.value: weighted(i) for i in Indicator},
        )
    )


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


# -- events and pictures --------------------------------------------------------------------


async def list_events(request: web.Request) -> web.Response:
    q = parse_query(request, m.EventQuery)
    history = _services(request).need_history()
    until = q.until or datetime.now(UTC)
    since = q.since or until - timedelta(days=1)
    found = await history.events(start=since, end=until, camera=q.camera)
    chosen = [e for e in reversed(found) if q.kind is None or e.kind is q.kind][: q.limit]
    return _json(m.EventList(items=[m.event_of(e) for e in chosen]))


async def evidence_picture(request: web.Request) -> web.Response:
    ref = picture_ref(request.match_info["ref"])
    if ref is None:
        raise web.HTTPBadRequest(reason="not a picture name")
    found = await _services(request).need_history().evidence([ref])
    if ref not in found:
        raise web.HTTPNotFound(reason="no such picture")
    return _picture(found[ref])


async def reference_picture(request: web.Request) -> web.Response:
    services = _services(request)
    camera = _entry(services.snapshot(), request.match_info["camera"]).id
    found = await services.need_registry().get_reference(camera)
    if found is None:
        raise web.HTTPNotFound(reason="no reference picture")
    return _picture(found[0])


def _picture(jpeg: bytes) -> web.Response:
    # Pictures of public-security cameras: never kept by a shared cache.
    return web.Response(
        body=jpeg, content_type=JPEG, headers={"Cache-Control": "private, no-store"}
    )


# -- registry edits -------------------------------------------------------------------------

_ROW_ERROR = re.compile(r"^row \d+(?:, column (?P<field>[^:]+))?: (?P<message>.*)$")


def _rejected(exc: ImportRejected) -> InvalidInput:
    details = []
    for error in exc.errors:
        match = _ROW_ERROR.match(error)
        field = (match and match["field"]) or "(record)"
        details.append({"field": field, "message": match["message"] if match else error})
    return InvalidInput(details)


def _record(model: type[CameraRecord] | type[AreaRecord], data: Any, record_id: str) -> Any:
    if not isinstance(data, dict):
        raise InvalidInput([{"field": "(body)", "message": "must be a JSON object"}])
    if data.get("id", record_id) != record_id:
        raise InvalidInput([{"field": "id", "message": "differs from the id in the path"}])
    check_json_types(model, data)
    try:
        return model.model_validate({**data, "id": record_id})
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc)) from None


async def _apply_camera(request: web.Request, record: CameraRecord) -> m.Changed:
    registry = _services(request).need_registry()
    try:
        changes = await registry.apply_cameras([Row(1, record)])
    except ImportRejected as exc:
        raise _rejected(exc) from None
    except CredentialsError:
        raise web.HTTPConflict(reason="no key for camera credentials is configured") from None
    return m.Changed(created=changes.created, updated=changes.updated, unchanged=changes.unchanged)


@requires(Role.admin)
async def put_camera(request: web.Request) -> web.Response:
    data = await read_json(request)
    record = _record(CameraRecord, data, request.match_info["camera"])
    changed = await _apply_camera(request, record)
    return _json(changed, 201 if changed.created else 200)


@requires(Role.admin)
async def put_area(request: web.Request) -> web.Response:
    data = await read_json(request)
    record = _record(AreaRecord, data, request.match_info["area"])
    try:
        changes = await _services(request).need_registry().apply_areas([Row(1, record)])
    except ImportRejected as exc:
        raise _rejected(exc) from None
    changed = m.Changed(
        created=changes.created, updated=changes.updated, unchanged=changes.unchanged
    )
    return _json(changed, 201 if changed.created else 200)


@requires(Role.operator)
async def put_maintenance(request: web.Request) -> web.Response:
    window = await read_body(request, m.Maintenance)
    registry = _services(request).need_registry()
    stored = await registry.get_camera(request.match_info["camera"])
    if stored is None:
        raise web.HTTPNotFound(reason="no such camera")
    data = stored.model_dump(mode="json", exclude={"username", "password"})
    times = (window.start, window.end)
    data["maintenance_start"], data["maintenance_end"] = (t and t.isoformat() for t in times)
    return _json(await _apply_camera(request, _record(CameraRecord, data, stored.id)))


# -- the table of operations ----------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    handler: Any
    summary: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    answer: type[BaseModel] | str = m.Error  # a model, or a media type such as image/jpeg
    role: Role = Role.viewer


OPERATIONS = (
    Operation(
        "GET",
        "/api/v1/cameras",
        list_cameras,
        "Cameras, filtered, sorted and paged",
        m.CameraQuery,
        answer=m.CameraPage,
    ),
    Operation(
        "GET",
        "/api/v1/cameras/{camera}",
        get_camera,
        "One camera with its events and uptime",
        m.CameraDetailQuery,
        answer=m.CameraDetail,
    ),
    Operation(
        "GET",
        "/api/v1/cameras/{camera}/reference.jpg",
        reference_picture,
        "The camera's reference view",
        answer=JPEG,
    ),
    Operation(
        "PUT",
        "/api/v1/cameras/{camera}",
        put_camera,
        "Add or replace a camera (admin)",
        body=CameraRecord,
        answer=m.Changed,
        role=Role.admin,
    ),
    Operation(
        "PUT",
        "/api/v1/cameras/{camera}/maintenance",
        put_maintenance,
        "Set or clear the maintenance window (operator)",
        body=m.Maintenance,
        answer=m.Changed,
        role=Role.operator,
    ),
    Operation(
        "PUT",
        "/api/v1/areas/{area}",
        put_area,
        "Add or replace an area (admin)",
        body=AreaRecord,
        answer=m.Changed,
        role=Role.admin,
    ),
    Operation(
        "GET",
        "/api/v1/areas",
        list_areas,
        "Key areas and intersections: covered or not, and why",
        m.AreaQuery,
        answer=m.AreaList,
    ),
    Operation(
        "GET",
        "/api/v1/indicators",
        indicators_now,
        "The indicators now, for the city and each district",
        answer=m.IndicatorsNow,
    ),
    Operation(
        "GET",
        "/api/v1/indicators/period",
        indicators_period,
        "The indicators over an hour, a day or a month",
        m.PeriodQuery,
        answer=m.IndicatorsPeriod,
    ),
    Operation(
        "GET",
        "/api/v1/events",
        list_events,
        "Status changes, newest first",
        m.EventQuery,
        answer=m.EventList,
    ),
    Operation(
        "GET",
        "/api/v1/pictures/{ref}",
        evidence_picture,
        "An evidence picture named by an event",
        answer=JPEG,
    ),
)


def add_routes(app: web.Application) -> None:
    for op in OPERATIONS:
        app.router.add_route(op.method, op.path, op.handler)
