"""Who may do what: logins, session cookies, CSRF tokens, API tokens, roles, /metrics basic auth.

Every route needs a logged-in user unless its handler is marked ``@public``; ``@requires(role)``
raises the bar to operator or admin.  A request is identified by ``Authorization: Bearer TOKEN``
(``camhealth users token NAME``) or by the session cookie set at login.  Without either, the
API answers 401 and the console's pages redirect to ``/login?next=...``; a role too low gets 403.

A request authenticated by its cookie that changes something (POST, PUT, PATCH, DELETE) must
carry the session's CSRF token in the ``X-CSRF-Token`` header or a ``csrf_token`` form field;
bearer tokens are not sent by browsers on their own, so they need none.

For the web console: ``request[USER]`` is the ``User``; ``csrf_token(request)`` is the token
to put into forms; ``await login(request, name, password)`` checks a login (with the rate
limit) and ``set_session_cookie(request, response, session)`` / ``clear_session_cookie``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar
from urllib.parse import quote

from aiohttp import web
from pydantic import BaseModel, Field

from camhealth.config import AuthConfig, ExporterConfig, Settings
from camhealth.exporter.accounts import Role, Session, User
from camhealth.exporter.replies import read_body
from camhealth.exporter.services import SERVICES

USER = web.RequestKey("user", User)
_SESSION = web.RequestKey("session", Session)
COOKIE = "camhealth_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
H = TypeVar("H", bound=Callable[..., Any])


def public(handler: H) -> H:
    """No login needed (health checks, /metrics with its own basic auth, the login itself)."""
    handler.camhealth_public = True  # type: ignore[attr-defined]
    return handler


def requires(role: Role) -> Callable[[H], H]:
    """A login with at least ``role`` (viewer is what every other route needs)."""

    def mark(handler: H) -> H:
        handler.camhealth_role = role  # type: ignore[attr-defined]
        return handler

    return mark


class LoginLimiter:
    """At most ``attempts`` failed logins per ``window`` seconds, per client and per user name.

    Both keys count: one address trying many names, and many addresses trying one name.  Kept
    in memory (one instance's view): a restart forgives, which is acceptable for a throttle.
    """

    def __init__(self, config: AuthConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self._attempts = config.login_attempts
        self._window = config.login_window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def retry_after(self, *keys: str) -> float:
        """Seconds until a login may be tried again; 0 when it may now."""
        now = self._clock()
        waits = [0.0]
        for key in keys:
            failures = self._failures.get(key)
            if failures is None:
                continue
            while failures and failures[0] <= now - self._window:
                failures.popleft()
            if len(failures) >= self._attempts:
                waits.append(failures[0] + self._window - now)
            if not failures:
                del self._failures[key]
        return max(waits)

    def failed(self, *keys: str) -> None:
        now = self._clock()
        for key in keys:
            self._failures[key].append(now)

    def succeeded(self, *keys: str) -> None:
        for key in keys:
            self._failures.pop(key, None)


_LIMITER = web.AppKey("login_limiter", LoginLimiter)
_LIFETIME = web.AppKey("session_lifetime", timedelta)


def setup(app: web.Application, settings: Settings) -> None:
    app[_LIMITER] = LoginLimiter(settings.auth)
    app[_LIFETIME] = timedelta(hours=settings.auth.session_hours)


# -- the middleware -------------------------------------------------------------------------


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    route_handler = request.match_info.handler
    if request.match_info.http_exception is not None or getattr(
        route_handler, "camhealth_public", False
    ):
        return await handler(request)
    user = await _identify(request)
    if user is None:
        raise _login_needed(request)
    needed = getattr(route_handler, "camhealth_role", Role.viewer)
    if not user.role.allows(needed):
        raise web.HTTPForbidden(reason=f"needs the {needed} role")
    session = request.get(_SESSION)
    if session is not None and request.method not in _SAFE_METHODS:
        await _check_csrf(request, session)
    request[USER] = user
    return await handler(request)


async def _identify(request: web.Request) -> User | None:
    accounts = request.app[SERVICES].need_accounts()
    scheme, _, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credential.strip():
        return await accounts.user_for_token(credential.strip())
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    session = await accounts.session(cookie)
    if session is None:
        return None
    request[_SESSION] = session
    return session.user


def _login_needed(request: web.Request) -> web.HTTPException:
    if request.path.startswith("/api/"):
        return web.HTTPUnauthorized(
            reason="login needed", headers={"WWW-Authenticate": 'Bearer realm="camhealth"'}
        )
    return web.HTTPFound(f"/login?next={quote(request.path_qs, safe='')}")


async def _check_csrf(request: web.Request, session: Session) -> None:
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        field = (await request.post()).get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if sent is None or not hmac.compare_digest(sent.encode(), session.csrf.encode()):
        raise web.HTTPForbidden(reason="missing or wrong CSRF token")


def csrf_token(request: web.Request) -> str | None:
    """The CSRF token of the request's session, for the console's forms."""
    session = request.get(_SESSION)
    return None if session is None else session.csrf


# -- logging in and out ---------------------------------------------------------------------


async def login(request: web.Request, name: str, password: str) -> Session:
    """A new session for ``name`` if ``password`` is right; 429 when throttled, 401 when wrong."""
    limiter = request.app[_LIMITER]
    keys = (f"ip:{request.remote}", f"user:{name}")
    wait = limiter.retry_after(*keys)
    if wait > 0:
        raise web.HTTPTooManyRequests(
            reason="too many failed logins", headers={"Retry-After": str(int(wait) + 1)}
        )
    accounts = request.app[SERVICES].need_accounts()
    user = await accounts.verify(name, password)
    if user is None:
        limiter.failed(*keys)
        raise web.HTTPUnauthorized(reason="wrong user name or password")
    limiter.succeeded(*keys)
    return await accounts.start_session(user, request.app[_LIFETIME])


def set_session_cookie(
    request: web.Request, response: web.StreamResponse, session: Session
) -> None:
    response.set_cookie(
        COOKIE,
        session.id,
        max_age=int(request.app[_LIFETIME].total_seconds()),
        path="/",
        httponly=True,
        samesite="Lax",
        secure=request.secure,
    )


def clear_session_cookie(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/")


class Login(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    name: str
    role: Role
    csrf_token: str | None = None


@public
async def login_handler(request: web.Request) -> web.Response:
    body = await read_body(request, Login)
    session = await login(request, body.name, body.password)
    me = Me(name=session.user.name, role=session.user.role, csrf_token=session.csrf)
    response = web.json_response(me.model_dump(mode="json"))
    set_session_cookie(request, response, session)
    return response


async def logout_handler(request: web.Request) -> web.Response:
    session = request.get(_SESSION)
    if session is not None:
        await request.app[SERVICES].need_accounts().end_session(session.id)
    response = web.Response(status=204)
    clear_session_cookie(response)
    return response


async def me_handler(request: web.Request) -> web.Response:
    user: User = request[USER]
    me = Me(name=user.name, role=user.role, csrf_token=csrf_token(request))
    return web.json_response(me.model_dump(mode="json"))


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/v1/login", login_handler)
    app.router.add_post("/api/v1/logout", logout_handler)
    app.router.add_get("/api/v1/me", me_handler)


# -- /metrics -------------------------------------------------------------------------------


def check_metrics_auth(request: web.Request, config: ExporterConfig) -> None:
    """Basic auth on /metrics when the configuration asks for it (Prometheus' basic_auth)."""
    if config.metrics_username is None or config.metrics_password is None:
        return
    expected = f"{config.metrics_username}:{config.metrics_password.get_secret_value()}"
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    try:
        given = base64.b64decode(encoded, validate=True) if scheme.lower() == "basic" else b""
    except (binascii.Error, ValueError):
        given = b""
    if not hmac.compare_digest(given, expected.encode()):
        raise web.HTTPUnauthorized(headers={"WWW-Authenticate": 'Basic realm="camhealth metrics"'})
