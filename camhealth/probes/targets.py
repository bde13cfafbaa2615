"""What the scheduler watches per camera, and how one probe of each kind is run on it.

:class:`Watched` is built from a registry record and its credentials; :class:`Probers` holds
what probes share (the parsed ONVIF WSDLs and HTTP session, the decode pool) and runs one probe
of a kind. The scheduler owns timing and concurrency and knows nothing about protocols.
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from camhealth.camera_registry.records import CameraRecord
from camhealth.config import ProbesConfig
from camhealth.probes.auth import Credentials
from camhealth.probes.frames import FrameDecoder, probe_frames
from camhealth.probes.onvif import OnvifClients, probe_onvif
from camhealth.probes.results import ProbeKind, ProbeResult
from camhealth.probes.rtsp import probe_rtsp
from camhealth.probes.steps import Target


@dataclass(frozen=True)
class Watched:
    """One camera as the scheduler sees it: its host and a target per probe kind it has."""

    id: str
    host: str  # the per-host limit's key: an NVR's channels share one
    targets: dict[ProbeKind, Target]
    discover: bool = False  # no stream URL in the registry: ask ONVIF for it

    @property
    def kinds(self) -> tuple[ProbeKind, ...]:
        return tuple(self.targets)

    def host_of(self, kind: ProbeKind) -> str:
        """The host a probe of ``kind`` contacts: the platform's for ``platform``, else ours."""
        if kind is ProbeKind.platform:
            return urlsplit(self.targets[kind].url).hostname or self.host
        return self.host


def watched(
    record: CameraRecord, username: str | None, password: str | None, timeout: float
) -> Watched:
    """The targets of a registry camera: the main stream for ``rtsp``, the sub-stream (when
    there is one) for ``frames`` (a 640x360 keyframe costs a fraction of a 1080p one; HD status
    comes from the main stream's parameter sets), the relay for ``platform``."""
    creds = Credentials(username, password)
    urls = {
        ProbeKind.onvif: record.onvif_url,
        ProbeKind.rtsp: record.rtsp_url,
        ProbeKind.frames: record.sub_rtsp_url or record.rtsp_url,
        ProbeKind.platform: record.platform_url,
    }
    targets = {
        kind: Target(url, creds, timeout, name=record.id) for kind, url in urls.items() if url
    }
    host_url = record.rtsp_url or record.onvif_url or record.platform_url or ""
    return Watched(
        id=record.id,
        host=urlsplit(host_url).hostname or record.id,
        targets=targets,
        discover=bool(record.onvif_url) and not record.rtsp_url,
    )


# Decoding threads: a keyframe's decode lets go of the GIL and must take it back from a busy
# event loop several times, so a decode's wall time is mostly waiting, not CPU. At the
# 20,000-camera rate (~80 decodes a second) two threads queued frames probes past their 5 s
# decode allowance on a loaded box (2,114 late in 10 minutes); four: 24 in 4 minutes.
DECODE_THREADS = 4


class Probers:
    """Runs one probe of a kind on a watched camera with the shared clients and decode pool."""

    def __init__(self, config: ProbesConfig, decode_workers: int = DECODE_THREADS) -> None:
        self.config = config
        self.onvif = OnvifClients(
            connections=config.concurrency, verify_tls=config.onvif_verify_tls
        )
        self.decoder = FrameDecoder(decode_workers)
        self._platform_runs: dict[str, int] = {}  # camera id → platform checks so far
        self._identified: dict[str, float] = {}  # camera id → loop time of its last identity

    async def start(self) -> None:
        """Parse the ONVIF WSDLs now, before any probe's deadline runs (else the first does)."""
        await self.onvif.start()

    async def close(self) -> None:
        await self.onvif.close()
        self.decoder.close()

    def forget(self, camera_ids: Iterable[str]) -> None:
        """Cameras removed from the registry: their platform check counts and identity times
        go."""
        for camera_id in camera_ids:
            self._platform_runs.pop(camera_id, None)
            self._identified.pop(camera_id, None)

    async def run(self, kind: ProbeKind, camera: Watched) -> ProbeResult:
        target = camera.targets[kind]
        if kind is ProbeKind.onvif:
            return await self.identify(camera, target)
        if kind is ProbeKind.rtsp:
            return await probe_rtsp(target)
        if kind is ProbeKind.frames:
            return await probe_frames(target, self.decoder)
        return await self.platform(camera)

    async def identify(self, camera: Watched, target: Target) -> ProbeResult:
        """The onvif probe, asking the identity only when ``identity_interval`` has passed
        since the camera's last, or its last probe failed (a replaced camera, changed
        credentials, a restart of ours: all are seen at the next probe)."""
        await self.onvif.start()  # only fleets with ONVIF URLs pay for the WSDLs
        now = asyncio.get_running_loop().time()
        last = self._identified.pop(camera.id, None)
        due = last is None or now - last >= self.config.identity_interval
        result = await probe_onvif(target, self.onvif, discover=camera.discover, identify=due)
        if result.ok:
            self._identified[camera.id] = now if last is None or due else last
        return result

    async def platform(self, camera: Watched) -> ProbeResult:
        """The camera through the sharing platform's relay, and directly, at the same moment.

        Both sides are recorded (``result.direct``), so a platform or line fault (the relay
        fails, the camera answers) is told apart from a camera that is down (both fail). Every
        ``platform_frames_every``-th check plays the relayed stream to its first keyframe and
        decodes it (the picture itself is dropped: the camera's own frames probe diagnoses
        pictures); the others are the RTSP probe through the relay.
        """
        target = camera.targets[ProbeKind.platform]
        if self._frames_due(camera.id):
            relay = probe_frames(target, self.decoder, ProbeKind.platform)
        else:
            relay = probe_rtsp(target, ProbeKind.platform)
        direct_target = camera.targets.get(ProbeKind.rtsp)
        if direct_target is None:
            relayed, direct = await relay, None
        else:
            relayed, direct = await asyncio.gather(relay, probe_rtsp(direct_target))
        return replace(relayed, direct=direct, frame=None)

    def _frames_due(self, camera_id: str) -> bool:
        """Whether this platform check decodes a keyframe. Cameras start at a hash-derived
        point of the cycle, so a fleet's relayed frame samples spread over the N checks."""
        every = self.config.platform_frames_every
        if every <= 0:
            return False
        runs = self._platform_runs.get(camera_id, zlib.crc32(camera_id.encode()) % every)
        self._platform_runs[camera_id] = runs + 1
        return runs % every == 0
