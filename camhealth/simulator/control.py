"""The fleet's HTTP control API (JSON, loopback): look at cameras, change their faults at run time.

    GET    /cameras                  every camera (``?fault=blur`` keeps those with that fault)
    GET    /cameras/{id}             one camera: addresses, faults, down or not, expected status
    PUT    /cameras/{id}/faults      set the fault set: {"faults": ["slow"], "slow_seconds": 4}
    POST   /cameras/{id}/faults      add faults to the set (same body)
    DELETE /cameras/{id}/faults      clear every fault
    GET    /platform                 {"down": false}
    PUT    /platform                 {"down": true} takes the whole sharing platform down

Settings in a body (``slow_seconds``, ``clock_skew_seconds``, ``flap_period``) change only when
given. A bad request gets a 400 whose ``error`` says what is wrong; unknown fault names are
listed with the known ones. A change shows on the camera's next request.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from camhealth.simulator.camera import SUB_PATH
from camhealth.simulator.faults import Fault
from camhealth.simulator.fleet import Fleet
from camhealth.simulator.mix import parse_fault_names
from camhealth.simulator.plan import PlannedCamera, onvif_url, rtsp_url
from camhealth.simulator.truth import expected

FLEET_KEY = web.AppKey("fleet", Fleet)


class FaultChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    faults: list[str] = []
    slow_seconds: float | None = Field(None, gt=0)
    clock_skew_seconds: float | None = None
    flap_period: float | None = Field(None, gt=0)


class PlatformChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    down: bool


def _bad_request(error: str, **extra: Any) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(
        text=json.dumps({"error": error, **extra}), content_type="application/json"
    )


async def _body(request: web.Request, model: type[BaseModel]) -> Any:
    try:
        return model.model_validate(await request.json())
    except json.JSONDecodeError:
        raise _bad_request("the body is not JSON") from None
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in exc.errors()]
        raise _bad_request("; ".join(problems)) from None


def camera_json(fleet: Fleet, planned: PlannedCamera) -> dict[str, Any]:
    camera, state = planned.camera, planned.camera.faults
    return {
        "id": camera.id,
        "name": camera.name,
        "area_id": planned.area_id,
        "host": camera.host,
        "onvif_url": onvif_url(camera),
        "rtsp_url": rtsp_url(camera),
        "sub_rtsp_url": rtsp_url(camera, SUB_PATH),
        "platform_url": fleet.plan.relay_url(camera) if planned.relayed else None,
        "faults": sorted(state.faults),
        "slow_seconds": state.slow_seconds,
        "clock_skew_seconds": state.clock_skew_seconds,
        "flap_period": state.flap_period,
        "down": state.is_down(time.time()),
        "expected": vars(expected(camera, planned.relayed, fleet.platform_down)),
    }


def _planned(request: web.Request) -> PlannedCamera:
    planned = request.app[FLEET_KEY].cameras.get(request.match_info["id"])
    if planned is None:
        raise web.HTTPNotFound(
            text=json.dumps({"error": "no such camera"}), content_type="application/json"
        )
    return planned


async def list_cameras(request: web.Request) -> web.Response:
    fleet = request.app[FLEET_KEY]
    wanted = request.query.get("fault")
    if wanted is not None and wanted not in Fault.__members__:
        raise _bad_request(f"unknown fault {wanted!r}", known=list(Fault.__members__))
    cameras = [
        camera_json(fleet, planned)
        for planned in fleet.cameras.values()
        if wanted is None or Fault(wanted) in planned.camera.faults.faults
    ]
    return web.json_response({"count": len(cameras), "cameras": cameras})


async def get_camera(request: web.Request) -> web.Response:
    return web.json_response(camera_json(request.app[FLEET_KEY], _planned(request)))


async def change_faults(request: web.Request) -> web.Response:
    planned = _planned(request)
    change: FaultChange = await _body(request, FaultChange)
    try:
        faults = parse_fault_names(change.faults)
    except ValueError as exc:
        unknown = sorted(set(change.faults) - set(Fault.__members__))
        raise _bad_request(str(exc), unknown=unknown, known=list(Fault.__members__)) from None
    state = planned.camera.faults
    state.faults = set(faults) if request.method == "PUT" else state.faults | faults
    for name in ("slow_seconds", "clock_skew_seconds", "flap_period"):
        if getattr(change, name) is not None:
            setattr(state, name, getattr(change, name))
    return await _applied(request, planned)


async def clear_faults(request: web.Request) -> web.Response:
    planned = _planned(request)
    planned.camera.faults.faults = set()
    return await _applied(request, planned)


async def _applied(request: web.Request, planned: PlannedCamera) -> web.Response:
    fleet = request.app[FLEET_KEY]
    await fleet.apply(planned.camera.id)
    return web.json_response(camera_json(fleet, planned))


async def get_platform(request: web.Request) -> web.Response:
    return web.json_response({"down": request.app[FLEET_KEY].platform_down})


async def put_platform(request: web.Request) -> web.Response:
    change: PlatformChange = await _body(request, PlatformChange)
    await request.app[FLEET_KEY].set_platform_down(change.down)
    return web.json_response({"down": change.down})


def control_app(fleet: Fleet) -> web.Application:
    app = web.Application()
    app[FLEET_KEY] = fleet
    app.router.add_get("/cameras", list_cameras)
    app.router.add_get("/cameras/{id}", get_camera)
    app.router.add_put("/cameras/{id}/faults", change_faults)
    app.router.add_post("/cameras/{id}/faults", change_faults)
    app.router.add_delete("/cameras/{id}/faults", clear_faults)
    app.router.add_get("/platform", get_platform)
    app.router.add_put("/platform", put_platform)
    return app


class ControlServer:
    """The control API listening on one loopback address."""

    def __init__(self, fleet: Fleet, host: str = "127.0.0.1", port: int = 8089) -> None:
        self.host, self.port = host, port
        self._runner = web.AppRunner(control_app(fleet), access_log=None, shutdown_timeout=1.0)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        if self.port == 0:  # an ephemeral port, for tests
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        await self._runner.cleanup()
