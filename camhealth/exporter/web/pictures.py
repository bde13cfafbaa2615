"""A camera's last picture, as JPEG, for the maintenance list's thumbnails (login needed).

The camera id comes from the URL but is only ever used to look the camera up in the
Snapshot; the picture is found through the camera's own events, never by a name from the
request.  The camera page, which has the events already, links the API's pictures directly
(``/api/v1/pictures/{ref}``, ``/api/v1/cameras/{id}/reference.jpg``).
"""

from __future__ import annotations

from aiohttp import web

from camhealth.exporter.services import SERVICES
from camhealth.exporter.web.past import camera_events, last_picture_ref

# Pictures of public-security cameras: never kept by a shared cache (as the API's).
_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


async def last_picture(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    camera = request.match_info["camera"]
    if camera not in services.snapshot().cameras:
        raise web.HTTPNotFound()
    history = services.need_history()
    events = await camera_events(history, camera, services.snapshot().made_at)
    ref = last_picture_ref(events)
    jpeg = (await history.evidence([ref])).get(ref) if ref else None
    if jpeg is None:
        raise web.HTTPNotFound()
    return web.Response(body=jpeg, content_type="image/jpeg", headers=_HEADERS)
