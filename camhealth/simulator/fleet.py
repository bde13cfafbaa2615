"""A running fleet of simulated cameras: every camera's listeners, kept in step with its faults.

A camera that is down (``offline``, or ``flapping`` in its down half) has its ports closed, so a
connection is refused as with a real camera that is switched off; every other camera listens.
``apply`` brings a camera's listeners in line with its fault state after a change; a flapping
camera gets one timer (not a task) that calls it again at its next up/down edge. Idle cameras
cost their listening sockets and nothing else.

Usage::

    fleet = Fleet(plan_fleet(1000, mix, seed=1))
    await fleet.start()
    fleet.cameras[camera_id].camera.faults.faults.add(Fault.offline)
    await fleet.apply(camera_id)   # its ports close
    await fleet.stop()
"""

from __future__ import annotations

import asyncio
import errno
import resource
import time
from collections.abc import Callable
from typing import Protocol

from camhealth.simulator.camera import SimCamera
from camhealth.simulator.clips import Stream
from camhealth.simulator.faults import Fault
from camhealth.simulator.onvif_server import OnvifServer
from camhealth.simulator.plan import Plan, PlannedCamera
from camhealth.simulator.platform import PlatformRelay
from camhealth.simulator.rtsp_server import RtspServer

STREAMS: tuple[Stream, ...] = ("main", "sub")
SPARE_FILES = 2048  # beyond the listeners: connections, the relay, clips, the control API


class Listeners(Protocol):
    """A server with one listener per camera (ONVIF, RTSP)."""

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def open(self, camera: SimCamera) -> None: ...
    async def close(self, camera: SimCamera) -> None: ...


def raise_open_file_limit() -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit (each camera needs sockets); the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class Fleet:
    """The cameras of a plan with their ONVIF listeners, and with ``rtsp`` given their RTSP
    listeners and the platform relay too."""

    def __init__(self, plan: Plan, rtsp: RtspServer | None = None) -> None:
        self.plan = plan
        self.cameras: dict[str, PlannedCamera] = {p.camera.id: p for p in plan.cameras}
        self.onvif = OnvifServer()
        self.rtsp = rtsp
        self.servers: list[Listeners] = [self.onvif] if rtsp is None else [self.onvif, rtsp]
        layout = plan.layout
        self.relay = (
            PlatformRelay(rtsp, self.cameras, layout.platform_host, layout.platform_port)
            if rtsp
            else None
        )
        self.platform_down = False  # the whole sharing platform (the relay's port closed)
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = asyncio.Lock()
        self._started = False

    async def start(self) -> None:
        self._check_open_file_limit()
        for server in self.servers:
            await server.start()
        self._started = True
        try:
            for camera_id in self.cameras:
                await self.apply(camera_id)
            if self.relay is not None:
                await self.relay.start()
        except BaseException:
            await self.stop()
            raise

    def _check_open_file_limit(self) -> None:
        """Fail at once, and say why, when the process may not open a socket per listener."""
        limit = raise_open_file_limit()
        need = len(self.cameras) * len(self.servers) + SPARE_FILES
        if need > limit:
            raise OSError(
                errno.EMFILE,
                f"{len(self.cameras)} cameras need about {need} open files (a listening socket "
                f"per camera and protocol, and connections) and this process may open {limit}: "
                "raise the hard limit (ulimit -Hn) or run the fleet as several processes "
                "(camhealth simulate --first)",
            )

    async def stop(self) -> None:
        self._started = False
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.relay is not None:
            await self.relay.stop()
        for server in self.servers:
            await server.stop()

    async def apply(self, camera_id: str) -> None:
        """Open or close the camera's listeners as its faults say now; re-arm its flap timer."""
        camera = self.cameras[camera_id].camera
        async with self._lock:
            if not self._started:
                return
            down = camera.faults.is_down(time.time())
            for server in self.servers:
                await (server.close(camera) if down else server.open(camera))
            self._arm_flap_timer(camera)

    async def warm(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Encode (or load from the disk cache) every clip the cameras play now, so that no
        first DESCRIBE waits for an encoder; the number of distinct clips."""
        if self.rtsp is None:
            return 0
        library = self.rtsp.library
        keys = {
            library.key_for(p.camera, stream) for p in self.cameras.values() for stream in STREAMS
        }
        for done, key in enumerate(keys, 1):
            await library.aget(key)
            if progress is not None:
                progress(done, len(keys))
        return len(keys)

    async def set_platform_down(self, down: bool) -> None:
        self.platform_down = down
        if self.relay is not None:
            await self.relay.set_down(down)

    def _arm_flap_timer(self, camera: SimCamera) -> None:
        timer = self._timers.pop(camera.id, None)
        if timer is not None:
            timer.cancel()
        if Fault.flapping not in camera.faults.faults:
            return
        half = camera.faults.flap_period / 2
        delay = half - time.time() % half + 0.01  # just past the next edge
        loop = asyncio.get_running_loop()
        self._timers[camera.id] = loop.call_later(delay, self._flip, camera.id)

    def _flip(self, camera_id: str) -> None:
        task = asyncio.get_running_loop().create_task(self.apply(camera_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
