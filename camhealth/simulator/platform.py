"""The city's video sharing platform in miniature: one RTSP endpoint re-serving relayed cameras.

``rtsp://PLATFORM:8554/relay/{camera_id}/main`` (and ``/sub``) plays the camera's stream as
the platform would: the same picture, the camera's login. What the monitor sees tells a platform
fault from a camera fault:

- the whole platform down: its port is closed (connection refused), whatever the cameras do;
- ``platform_down`` on one camera, or a camera the platform does not relay: 404;
- a camera the platform cannot pull from (down, hung, RTSP errors, hostile replies): 503;
- a camera whose stream plays: relayed, with the stream's own troubles (no RTP, undecodable
  payloads, leading P-frames, slow replies) passed through; the platform logs in to cameras with
  its own account, so a camera refusing the monitor's login (``auth_failed``) still plays here.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from camhealth.simulator.clips import Stream
from camhealth.simulator.faults import Fault, FaultState
from camhealth.simulator.plan import PlannedCamera
from camhealth.simulator.rtsp_server import RtspServer, Target

# What of a camera's state shows through the relay: the stream's content and its pace.
PASSED_THROUGH = frozenset({Fault.no_frames, Fault.undecodable, Fault.starts_with_p, Fault.slow})
CANNOT_PULL = frozenset(
    {
        Fault.hung,
        Fault.rtsp_404,
        Fault.rtsp_454,
        Fault.rtsp_503,
        Fault.nothing_to_play,
        Fault.endless_sdp,
        Fault.huge_headers,
    }
)


class PlatformRelay:
    def __init__(
        self, rtsp: RtspServer, cameras: Mapping[str, PlannedCamera], host: str, port: int
    ) -> None:
        self.rtsp, self.cameras = rtsp, cameras
        self.host, self.port = host, port
        self.down = False
        self._listening = False

    async def start(self) -> None:
        await self.set_down(self.down)

    async def stop(self) -> None:
        await self._unlisten()

    async def set_down(self, down: bool) -> None:
        """Take the whole platform down (port closed) or bring it back."""
        self.down = down
        if down:
            await self._unlisten()
        elif not self._listening:
            self.port = await self.rtsp.listen(self.host, self.port, self.resolve)
            self._listening = True

    async def _unlisten(self) -> None:
        if self._listening:
            await self.rtsp.unlisten(self.host, self.port)
            self._listening = False

    def resolve(self, path: str) -> Target | None:
        """``/relay/{camera_id}/{main|sub}`` → the camera's stream under the relay's faults."""
        parts = path.strip("/").split("/")
        if len(parts) != 3 or parts[0] != "relay" or parts[2] not in ("main", "sub"):
            return None
        planned = self.cameras.get(parts[1])
        if planned is None or not planned.relayed:
            return None
        camera = planned.camera
        if Fault.platform_down in camera.faults.faults:
            return None
        stream: Stream = "main" if parts[2] == "main" else "sub"
        return Target(camera, stream, relay_faults(camera.faults))


def relay_faults(camera: FaultState) -> FaultState:
    """The faults a relayed request meets, composed from the camera's state now."""
    if camera.is_down(time.time()) or camera.faults & CANNOT_PULL:
        return FaultState({Fault.rtsp_503})
    return FaultState(camera.faults & PASSED_THROUGH, slow_seconds=camera.slow_seconds)
