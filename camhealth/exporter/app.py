"""The exporter's aiohttp Application: /metrics, /healthz, /readyz, the JSON API, and the web
console's routes added on top of it.

Entry points (the pipeline and the console plug in here):

``build_app(snapshot_source, settings, *, registry=None, history=None, accounts=None)``
    ``snapshot_source`` is a zero-argument callable returning the current ``Snapshot``, or None
    before the first one (``/readyz`` answers 503 until then, ``/metrics`` and the API too).
    ``registry`` (``camera_registry.store.Registry``) serves reference pictures and the admin
    registry edits; ``history`` (the monitor's ``MonitorStore`` as is, or any
    ``exporter.history.HistoryStore``: events, indicator history, evidence pictures) serves
    the API's events and periods.  Without them those
    endpoints answer 503.  ``accounts`` (``exporter.accounts.Accounts``) holds users, sessions
    and API tokens; when None the app opens its own on ``settings.database`` in its
    ``cleanup_ctx`` and closes it on shutdown.
``async with serve(app, settings.exporter) as runner:``
    listens on ``host:port`` (HTTPS when ``tls_cert``/``tls_key`` are set) until the block
    ends, then runs the app's cleanup.
The web console adds its routes with ``app.router`` and reads ``request[auth.USER]``; every
route that is not public needs a login (``auth.requires`` raises the bar to operator/admin).
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from aiohttp import web
from aiohttp.typedefs import Middleware

from camhealth.camera_registry.store import Registry
from camhealth.config import ExporterConfig, Settings
from camhealth.exporter import api, auth, openapi
from camhealth.exporter.accounts import Accounts
from camhealth.exporter.history import HistoryStore
from camhealth.exporter.metrics import (
    OPENMETRICS_CONTENT_TYPE,
    TEXT_CONTENT_TYPE,
    wants_openmetrics,
)
from camhealth.exporter.replies import InvalidInput, error_response
from camhealth.exporter.scrape import RenderCache, following
from camhealth.exporter.services import SERVICES, Services, SnapshotSource
from camhealth.exporter.web import setup_console

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_METRICS_CACHE = web.AppKey("metrics_cache", RenderCache)


def build_app(
    snapshot_source: SnapshotSource,
    settings: Settings,
    *,
    registry: Registry | None = None,
    history: HistoryStore | None = None,
    accounts: Accounts | None = None,
) -> web.Application:
    limit = settings.exporter.max_request_bytes
    app = web.Application(
        client_max_size=limit,
        middlewares=[errors_middleware, size_middleware(limit), auth.auth_middleware],
    )
    services = Services(snapshot_source, settings, registry, history, accounts)
    app[SERVICES] = services
    app[_METRICS_CACHE] = RenderCache(snapshot_source)
    auth.setup(app, settings)
    if accounts is None:
        app.cleanup_ctx.append(_own_accounts)
    app.cleanup_ctx.append(_render_ahead)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    auth.add_routes(app)
    api.add_routes(app)
    setup_console(app)
    openapi.add_route(app)
    return app


async def _own_accounts(app: web.Application) -> AsyncIterator[None]:
    services = app[SERVICES]
    services.accounts = await Accounts.open(services.settings)
    yield
    await services.accounts.aclose()


async def _render_ahead(app: web.Application) -> AsyncIterator[None]:
    async for _ in following(app[_METRICS_CACHE]):
        yield


@asynccontextmanager
async def serve(app: web.Application, config: ExporterConfig) -> AsyncIterator[web.AppRunner]:
    """Listen on ``config.host:config.port`` while the block runs; clean the app up after."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, config.host, config.port, ssl_context=tls_context(config))
        await site.start()
        log.info("exporter listening on %s:%s", config.host, config.port)
        yield runner
    finally:
        await runner.cleanup()


def tls_context(config: ExporterConfig) -> ssl.SSLContext | None:
    if config.tls_cert is None or config.tls_key is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(config.tls_cert, config.tls_key)
    return context


# -- middlewares ----------------------------------------------------------------------------


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """API errors as JSON ``{"error", "status"}``; an unexpected exception becomes a bare 500.

    The exception is logged with its traceback but never sent: its text could hold anything.
    """
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or not request.path.startswith("/api/"):
            raise
        details = exc.details if isinstance(exc, InvalidInput) else None
        return error_response(exc, details)
    except Exception:
        log.exception("request %s %s failed", request.method, request.path)
        if request.path.startswith("/api/"):
            return error_response(web.HTTPInternalServerError())
        raise web.HTTPInternalServerError() from None


def size_middleware(limit: int) -> Middleware:
    """413 at once for a declared body over ``limit`` (aiohttp checks undeclared ones as read)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.content_length is not None and request.content_length > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
        return await handler(request)

    return middleware


# -- handlers -------------------------------------------------------------------------------


@auth.public
async def healthz(request: web.Request) -> web.Response:
    """The process answers: liveness only."""
    return web.Response(text="ok\n")


@auth.public
async def readyz(request: web.Request) -> web.Response:
    """Ready once the first Snapshot exists: before it, /metrics would have nothing to say."""
    snapshot = request.app[SERVICES].snapshot_source()
    if snapshot is None:
        return web.Response(status=503, text="no snapshot yet\n")
    return web.Response(text=f"ok {snapshot.made_at.isoformat()} {len(snapshot.cameras)}\n")


@auth.public
async def metrics(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    auth.check_metrics_auth(request, services.settings.exporter)
    services.snapshot()  # 503 before the first one
    openmetrics = wants_openmetrics(request.headers.get("Accept", ""))
    gzipped = "gzip" in request.headers.get("Accept-Encoding", "")
    # Normally ready (rendered as the Snapshot came); if not, wait for the render.
    _, body = await request.app[_METRICS_CACHE].scrape(openmetrics, gzipped)
    response = web.Response(
        body=body,
        headers={"Content-Type": OPENMETRICS_CONTENT_TYPE if openmetrics else TEXT_CONTENT_TYPE},
    )
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    return response
