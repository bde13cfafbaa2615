"""Logging in and out of the console, the language switch, and the stylesheet and script.

The login form comes before any session, so it carries its own CSRF token: a random value
in an HttpOnly SameSite=Strict cookie and the same value in the form (double submit).  A
page from another site can neither read the cookie nor make the browser send it, so it
cannot post a login in the user's name.  Logout is a form of the session, checked by
``auth``'s middleware against the session's token.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from importlib import resources

from aiohttp import web

from camhealth.exporter import auth
from camhealth.exporter.services import SERVICES
from camhealth.exporter.web.i18n import LANG_COOKIE, LANGUAGES
from camhealth.exporter.web.render import render

LOGIN_CSRF_COOKIE = "camhealth_login_csrf"
_ASSETS = {"console.css": "text/css", "console.js": "text/javascript"}


def safe_next(target: str | None) -> str:
    """A local path to go back to; anything else (another host, ``//x``, ``/\\x``, control
    characters that would break the Location header) is "/"."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return "/" if any(ord(c) < 32 or ord(c) == 127 for c in target) else target


@auth.public
async def login_page(request: web.Request) -> web.Response:
    return _login_form(request, None, 200, request.query.get("next"))


def _login_form(
    request: web.Request, error: str | None, status: int, next_path: str | None
) -> web.Response:
    """The form with a fresh token; ``next_path`` is where to go after logging in."""
    token = secrets.token_urlsafe(32)
    next_path = safe_next(next_path)
    response = render(
        request, "login.html", status=status, login_csrf=token, next=next_path, error=error
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        path="/login",
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )
    return response


@auth.public
async def login_submit(request: web.Request) -> web.Response:
    form = await request.post()
    next_field = form.get("next")
    next_path = next_field if isinstance(next_field, str) else None
    sent, kept = form.get(auth.CSRF_FIELD), request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if (
        not isinstance(sent, str)
        or not kept
        or not hmac.compare_digest(sent.encode(), kept.encode())
    ):
        return _login_form(request, "The form expired; please try again.", 403, next_path)
    name, password = form.get("name"), form.get("password")
    if not isinstance(name, str) or not isinstance(password, str):
        return _login_form(request, "Wrong user name or password.", 401, next_path)
    try:
        session = await auth.login(request, name[:64], password[:1024])
    except web.HTTPTooManyRequests:
        return _login_form(request, "Too many failed logins; try again later.", 429, next_path)
    except web.HTTPUnauthorized:
        return _login_form(request, "Wrong user name or password.", 401, next_path)
    response = web.HTTPSeeOther(safe_next(next_path))
    auth.set_session_cookie(request, response, session)
    response.del_cookie(LOGIN_CSRF_COOKIE, path="/login")
    raise response


async def logout_submit(request: web.Request) -> web.Response:
    """The middleware has checked the form's CSRF token against the session's."""
    session_id = request.cookies.get(auth.COOKIE)
    if session_id:  # the cookie is the session's id (auth.set_session_cookie)
        await request.app[SERVICES].need_accounts().end_session(session_id)
    response = web.HTTPSeeOther("/login")
    auth.clear_session_cookie(response)
    raise response


@auth.public
async def switch_language(request: web.Request) -> web.Response:
    """Remember the language a year; go back where the switch was pressed."""
    lang = request.match_info["lang"]
    if lang not in LANGUAGES:
        raise web.HTTPNotFound()
    response = web.HTTPSeeOther(safe_next(request.query.get("next")))
    response.set_cookie(
        LANG_COOKIE, lang, max_age=365 * 24 * 3600, path="/", samesite="Lax", secure=request.secure
    )
    raise response


@auth.public
async def asset(request: web.Request) -> web.Response:
    """The console's own stylesheet and script: public, the login page needs them too."""
    name = request.match_info["name"]
    if name not in _ASSETS:
        raise web.HTTPNotFound()
    body = _asset_bytes(name)
    return web.Response(
        body=body, content_type=_ASSETS[name], headers={"Cache-Control": "max-age=3600"}
    )


@functools.cache
def _asset_bytes(name: str) -> bytes:
    """Read once: the files ship with the package and every page asks for them."""
    return resources.files("camhealth.exporter.web").joinpath("static", name).read_bytes()
