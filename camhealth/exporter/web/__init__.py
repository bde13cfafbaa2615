"""The web console: server-rendered pages for the people who keep the cameras working.

``setup_console(app)`` adds its routes to the exporter's app (``build_app`` calls it, after
putting its ``Services`` in); every page but the login needs a login, through the exporter's
``auth`` middleware.  Times are shown in ``Services.zone`` (``exporter.timezone``).

=================================  ==============================================================
``/``                              overview: indicators against the 80/90/100 % lines, districts
``/maintenance``                   cameras not intact; ``?district= area= fault= status= sort=``
``/maintenance.csv``, ``.xlsx``    the same list (same filters) as a spreadsheet
``/maintenance/print``             the printable work list for a crew
``/cameras/{id}``                  one camera: statuses, 24 h timeline, pictures, probes, events
``/areas``                         key areas without HD coverage (and intersections without
                                   e-police coverage), and why
``/login``, ``/logout``            CSRF-protected forms; ``/lang/{zh|en}`` switches the language
=================================  ==============================================================
"""

from __future__ import annotations

from aiohttp import web

from camhealth.exporter.services import SERVICES
from camhealth.exporter.web import access, views
from camhealth.exporter.web.render import CONSOLE, make_console


def setup_console(app: web.Application) -> None:
    """Mount the console on the exporter's ``app``."""
    app[CONSOLE] = make_console(app[SERVICES].zone)
    routes = app.router
    routes.add_get("/", views.overview)
    routes.add_get("/maintenance", views.maintenance)
    routes.add_get("/maintenance.csv", views.export_csv)
    routes.add_get("/maintenance.xlsx", views.export_xlsx)
    routes.add_get("/maintenance/print", views.work_list)
    routes.add_get("/cameras/{camera}", views.camera_page)
    routes.add_get("/areas", views.areas)
    routes.add_get("/login", access.login_page)
    routes.add_post("/login", access.login_submit)
    routes.add_post("/logout", access.logout_submit)
    routes.add_get("/lang/{lang}", access.switch_language)
    routes.add_get("/static/{name}", access.asset)
