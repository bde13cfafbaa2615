"""The console's pages: overview, maintenance list (with exports and a work list), camera, areas.

Each handler reads the current Snapshot once and renders it; before the first Snapshot every
page says so (503) instead of showing zeros.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from urllib.parse import urlencode

from aiohttp import web

from camhealth.exporter.services import SERVICES
from camhealth.exporter.web import exports
from camhealth.exporter.web.listing import Filters, Row, choices, maintenance_rows
from camhealth.exporter.web.past import (
    as_rows,
    camera_events,
    last_picture_ref,
    timeline,
    trends,
)
from camhealth.exporter.web.render import CONSOLE, render, translator
from camhealth.health.indicators import Indicator
from camhealth.health.snapshot import CameraEntry, Snapshot

PAGE_SIZE = 100
LEVELS = (80, 90, 100)  # the 3-, 4- and 5-star lines


def _snapshot(request: web.Request) -> Snapshot:
    snapshot = request.app[SERVICES].snapshot_source()
    if snapshot is None:
        raise web.HTTPServiceUnavailable(
            text=render(request, "waiting.html", status=503).text,
            content_type="text/html",
            headers={"Retry-After": "5"},
        )
    return snapshot


async def overview(request: web.Request) -> web.Response:
    snapshot = _snapshot(request)
    history = request.app[SERVICES].history
    return render(
        request,
        "overview.html",
        snapshot=snapshot,
        report=snapshot.indicators,
        indicators=list(Indicator),
        levels=LEVELS,
        trends=await trends(history, snapshot),
    )


def _listing(request: web.Request) -> tuple[Snapshot, Filters, list[Row]]:
    snapshot = _snapshot(request)
    filters = Filters.from_query(request.query)
    rows = request.app[CONSOLE].rows.rows(snapshot)
    return snapshot, filters, maintenance_rows(rows, filters)


async def maintenance(request: web.Request) -> web.Response:
    snapshot, filters, rows = _listing(request)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(1, _int(request.query.get("page"), 1)), pages)
    shown = rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    history = request.app[SERVICES].history
    # The page's thumbnails found in one query; the browser then fetches each by its name.
    pictures = {} if history is None else await history.last_pictures(r.camera for r in shown)
    return render(
        request,
        "maintenance.html",
        snapshot=snapshot,
        filters=filters,
        choices=choices(snapshot, request.app[CONSOLE].rows.rows(snapshot)),
        total=len(rows),
        rows=shown,
        page=page,
        pages=pages,
        query=_query_without_page(request),
        pictures=pictures,
    )


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text else default
    except ValueError:
        return default


def _query_without_page(request: web.Request) -> str:
    return urlencode([(k, v) for k, v in request.query.items() if k != "page"])


async def work_list(request: web.Request) -> web.Response:
    snapshot, filters, rows = _listing(request)
    return render(request, "worklist.html", snapshot=snapshot, filters=filters, rows=rows)


async def export_csv(request: web.Request) -> web.Response:
    return await _export(request, "csv")


async def export_xlsx(request: web.Request) -> web.Response:
    return await _export(request, "xlsx")


_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def _export(request: web.Request, kind: str) -> web.Response:
    snapshot, _, rows = _listing(request)
    tr = translator(request)
    lines = exports.table(rows, tr, request.app[CONSOLE].zone)
    # A whole city's XLSX takes seconds to write: keep the event loop (and /metrics) free.
    if kind == "csv":
        body = await asyncio.to_thread(exports.to_csv, lines)
    else:
        body = await asyncio.to_thread(exports.to_xlsx, lines, tr.t("Maintenance"))
    stamp = snapshot.made_at.astimezone(request.app[CONSOLE].zone).strftime("%Y%m%d-%H%M")
    return web.Response(
        body=body,
        headers={
            "Content-Type": _TYPES[kind],
            "Content-Disposition": f'attachment; filename="maintenance-{stamp}.{kind}"',
            "Cache-Control": "no-store",
        },
    )


async def camera_page(request: web.Request) -> web.Response:
    snapshot = _snapshot(request)
    entry = snapshot.cameras.get(request.match_info["camera"])
    if entry is None:
        return render(request, "not_found.html", status=404)
    services = request.app[SERVICES]
    events = (
        None
        if services.history is None
        else await camera_events(services.history, entry.id, snapshot.made_at)
    )
    return render(
        request,
        "camera.html",
        snapshot=snapshot,
        entry=entry,
        state=entry.state,
        statuses=_statuses(entry),
        timeline=timeline(events or [], snapshot.made_at, entry.state.intact),
        events=None if events is None else as_rows(events),
        last_picture=last_picture_ref(events or []),
        has_reference=services.registry is not None,
    )


_STATE_STATUSES = ("online", "stream", "hd", "networked", "intact")


def _statuses(entry: CameraEntry) -> list[tuple[str, bool | None, datetime | None]]:
    """(name, value, since) of each status; the maintenance window is the registry's, now."""
    found: list[tuple[str, bool | None, datetime | None]] = [
        (name, getattr(entry.state, name).value, getattr(entry.state, name).since)
        for name in _STATE_STATUSES
    ]
    window = entry.record.maintenance_start if entry.muted else None
    return [*found, ("maintenance", entry.muted, window)]


async def areas(request: web.Request) -> web.Response:
    snapshot = _snapshot(request)
    report = snapshot.indicators
    return render(
        request,
        "areas.html",
        snapshot=snapshot,
        hd=report.uncovered(Indicator.hd_coverage),
        epolice=report.uncovered(Indicator.epolice_coverage),
        names={area.id: area.name for area in snapshot.areas.values()},
    )
