"""A camera's last picture and its reference picture, as JPEG, for logged-in users only.

The camera id comes from the URL but is only ever used to look the camera up in the
Snapshot; a picture is found through the camera's own events or the registry, never by a
name from the request, so nothing here can be steered to another file.
"""

from __future__ import annotations

from aiohttp import web

from camhealth.exporter.services import SERVICES
from camhealth.exporter.web.past import camera_events, last_picture_ref

_HEADERS = {"Cache-Control": "private, max-age=60", "X-Content-Type-Options": "nosniff"}


def _known_camera(request: web.Request) -> str:
    camera = request.match_info["camera"]
    if camera not in request.app[SERVICES].snapshot().cameras:
        raise web.HTTPNotFound()
    return camera


async def last_picture(request: web.Request) -> web.Response:
    camera = _known_camera(request)
    services = request.app[SERVICES]
    history = services.need_history()
    events = await camera_events(history, camera, services.snapshot().made_at)
    ref = last_picture_ref(events)
    jpeg = (await history.evidence([ref])).get(ref) if ref else None
    if jpeg is None:
        raise web.HTTPNotFound()
    return web.Response(body=jpeg, content_type="image/jpeg", headers=_HEADERS)


async def reference_picture(request: web.Request) -> web.Response:
    camera = _known_camera(request)
    found = await request.app[SERVICES].need_registry().get_reference(camera)
    if found is None:
        raise web.HTTPNotFound()
    return web.Response(body=found[0], content_type="image/jpeg", headers=_HEADERS)
