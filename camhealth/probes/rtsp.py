"""A small asyncio RTSP 1.0 client (RFC 2326) and the ``rtsp`` probe: OPTIONS, DESCRIBE, SDP facts.

Only what probing needs: OPTIONS, DESCRIBE with Basic/Digest authentication, SETUP (RTP over
TCP interleaved, UDP when the server answers 461), PLAY and TEARDOWN. Nothing is sent that
changes a camera.

Defences against hostile or broken servers, all hard limits:
- size limits on every reply line, header count and body (``camhealth.probes.wire``);
- after a 401 the request is repeated once with credentials; a second 401 is ``auth_failed``
  and nothing more is sent, so a wrong password can never lock an account by retry storm;
- responses are matched by order, not by CSeq: real cameras send 401s without a CSeq;
- every step runs under the probe's deadline (see ``camhealth.probes.steps``).
"""

from __future__ import annotations

import asyncio
import re
from urllib.parse import urlsplit

from camhealth.probes.auth import CHALLENGES, Authenticator, Credentials
from camhealth.probes.media import InterleavedSource, RtpSource, UdpSource
from camhealth.probes.results import FailureCode, ProbeError, ProbeKind, ProbeResult
from camhealth.probes.sdp import VideoTrack, parse_sdp
from camhealth.probes.sockets import open_connection
from camhealth.probes.steps import Steps, Target, run_probe
from camhealth.probes.wire import READ_LIMIT, Response, read_response

USER_AGENT = "camhealth"
TCP_TRANSPORT = "RTP/AVP/TCP;unicast;interleaved=0-1"
TEARDOWN_SECONDS = 0.5
STATUS_CODES = {404: FailureCode.not_found, 454: FailureCode.not_found}


class StatusError(ProbeError):
    """A reply other than 200 OK to a request that needed one; ``status`` is its code."""

    def __init__(self, method: str, response: Response) -> None:
        code = STATUS_CODES.get(response.status, FailureCode.protocol_error)
        super().__init__(code, f"{method}: {response.status} {response.reason[:80]}".strip())
        self.status = response.status


class RtspClient:
    """One RTSP control connection to one camera; requests are sent one at a time."""

    def __init__(
        self,
        url: str,
        credentials: Credentials,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        self.url = url
        self.reader = reader
        self._writer = writer
        self._credentials = credentials
        self._key = (urlsplit(url).netloc, credentials.username or "")
        self._auth = CHALLENGES.authenticator(self._key, credentials)
        self._challenged = False
        self._cseq = 0
        self.session: str | None = None

    @classmethod
    async def connect(cls, url: str, credentials: Credentials) -> RtspClient:
        parts = urlsplit(url)
        if parts.scheme.lower() != "rtsp" or not parts.hostname:
            raise ProbeError(FailureCode.protocol_error, "not an rtsp:// URL")
        reader, writer = await open_connection(parts.hostname, parts.port or 554, limit=READ_LIMIT)
        return cls(url, credentials, reader, writer)

    async def send(self, method: str, url: str, headers: dict[str, str] | None = None) -> Response:
        """Send ``method`` and return its reply, whatever the status except 401.

        The first 401 of a connection is answered once with credentials for its challenge; a
        401 after that is ``auth_failed``. A camera's last accepted challenge is remembered
        (:data:`CHALLENGES`), so later probes authenticate without the 401 round trip.
        """
        response = await self._exchange(method, url, headers or {})
        if response.status == 401 and not self._challenged and self._credentials.present:
            self._challenged = True
            CHALLENGES.forget(self._key)
            self._auth = Authenticator.choose(self._credentials, response.all("www-authenticate"))
            if self._auth is not None:
                response = await self._exchange(method, url, headers or {})
        if response.status == 401:
            CHALLENGES.forget(self._key)
            refused = "credentials refused" if self._auth else "the camera demands credentials"
            raise ProbeError(FailureCode.auth_failed, f"{method}: {refused} (401)")
        if self._auth is not None:
            CHALLENGES.remember(self._key, self._auth.challenge)
        return response

    async def request(
        self, method: str, url: str, headers: dict[str, str] | None = None
    ) -> Response:
        """Send ``method``; anything but 200 OK is a ProbeError (404/454 ``not_found``)."""
        response = await self.send(method, url, headers)
        if response.status != 200:
            raise StatusError(method, response)
        return response

    async def _exchange(self, method: str, url: str, headers: dict[str, str]) -> Response:
        self._write(method, url, headers)
        await self._writer.drain()
        return await read_response(self.reader)

    def _write(self, method: str, url: str, headers: dict[str, str]) -> None:
        self._cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self._cseq}", f"User-Agent: {USER_AGENT}"]
        if self._auth is not None:
            lines.append(f"Authorization: {self._auth.header(method, url)}")
        if self.session is not None:
            lines.append(f"Session: {self.session}")
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace"))

    async def describe(self) -> VideoTrack:
        response = await self.request("DESCRIBE", self.url, {"Accept": "application/sdp"})
        base = response.header("content-base") or response.header("content-location") or self.url
        return parse_sdp(response.body, base)

    async def setup(self, track: VideoTrack) -> RtpSource:
        """SETUP the video track over TCP interleaved, or over UDP if the server answers 461."""
        response = await self.send("SETUP", track.control, {"Transport": TCP_TRANSPORT})
        source: RtpSource
        if response.status == 461:  # Unsupported Transport: a UDP-only server
            udp = await UdpSource.open(self._writer.get_extra_info("sockname")[0])
            try:
                response = await self.request("SETUP", track.control, {"Transport": udp.transport})
            except BaseException:
                udp.close()
                raise
            source = udp
        else:
            if response.status != 200:
                await self.request("SETUP", track.control, {"Transport": TCP_TRANSPORT})
            source = InterleavedSource(self.reader, _interleaved_channel(response))
        self.session = (response.header("session") or "").split(";")[0].strip() or None
        return source

    async def play(self, track: VideoTrack) -> None:
        await self.request("PLAY", track.session_url, {"Range": "npt=0.000-"})

    async def close(self, track: VideoTrack | None = None) -> None:
        """TEARDOWN a session (sent, its reply not awaited) and close; never raises.

        Nothing is read after TEARDOWN: the reply tells us nothing, and a session the camera
        missed the TEARDOWN of ends with the connection anyway.
        """
        if track is not None and self.session is not None and not self._writer.is_closing():
            self._write("TEARDOWN", track.session_url, {})
        self._writer.close()  # the transport sends what is buffered first
        try:
            async with asyncio.timeout(TEARDOWN_SECONDS):
                await self._writer.wait_closed()
        except (OSError, TimeoutError):
            pass


def _interleaved_channel(response: Response) -> int:
    transport = response.header("transport") or ""
    match = re.search(r"interleaved=(\d+)", transport)
    return int(match[1]) if match and int(match[1]) < 256 else 0


async def open_described(
    steps: Steps, url: str, credentials: Credentials, options: bool = True
) -> tuple[RtspClient, VideoTrack]:
    """Connect, OPTIONS and DESCRIBE, each a timed step; the SDP's facts are kept in ``steps``.

    OPTIONS first, as FFmpeg and VLC do: some cameras expect it, and a server that answers
    OPTIONS but has nothing to DESCRIBE shows as ``not_found`` rather than as unreachable.
    The frames probe leaves it out (``options=False``) unless a camera turns out to need it:
    the rtsp probe has asked it already, and DESCRIBE alone tells a stream that plays from one
    that does not.
    """
    async with steps.step("connect"):
        client = await RtspClient.connect(url, credentials)
    try:
        if options:
            async with steps.step("options"):
                await client.request("OPTIONS", url)
        async with steps.step("describe"):
            track = await client.describe()
        steps.stream = track.facts()
        if track.codec is None:
            raise ProbeError(FailureCode.unsupported_codec, f"video is {track.encoding}")
    except BaseException:
        await client.close()
        raise
    return client, track


async def probe_rtsp(target: Target, kind: ProbeKind = ProbeKind.rtsp) -> ProbeResult:
    """The reachability probe: OPTIONS and DESCRIBE, stream facts from the SDP, no media.

    ``kind`` is ``platform`` when the target's URL is the sharing platform's relay.
    """

    async def body(steps: Steps) -> None:
        client, _ = await open_described(steps, target.url, target.credentials)
        await client.close()

    return await run_probe(kind, target, body)
