"""Jinja2 pages: one autoescaping environment per app and ``render(request, name, **context)``.

Every page gets the translator (``t``, ``label``), the language, the logged-in user, the
session's CSRF token for its forms, ``when`` to show a time in the console's time zone and
``zone``, that zone's name (pages say which zone their times are in).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from camhealth.exporter import auth
from camhealth.exporter.web.i18n import Translator, choose_language, local_time
from camhealth.exporter.web.listing import RowCache
from camhealth.exporter.zones import zone_name

# A page needs nothing from elsewhere: no inline scripts, styles only from our stylesheet.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Console:
    """What the console keeps per app: its templates, its time zone, the list's rows."""

    templates: jinja2.Environment
    zone: ZoneInfo
    rows: RowCache


CONSOLE = web.AppKey("console", Console)


def make_console(zone: ZoneInfo) -> Console:
    templates = jinja2.Environment(
        loader=jinja2.PackageLoader("camhealth.exporter.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Console(templates, zone, RowCache())


def translator(request: web.Request) -> Translator:
    return Translator(choose_language(request))


def render(request: web.Request, name: str, *, status: int = 200, **context: Any) -> web.Response:
    console = request.app[CONSOLE]
    tr = translator(request)
    page = console.templates.get_template(name).render(
        t=tr.t,
        label=tr.label,
        lang=tr.lang,
        user=request.get(auth.USER),
        csrf=auth.csrf_token(request),
        path=request.path_qs,
        when=lambda at: local_time(at, console.zone) or "—",
        zone=zone_name(console.zone),
        **context,
    )
    return web.Response(
        text=page, status=status, content_type="text/html", headers=SECURITY_HEADERS
    )
