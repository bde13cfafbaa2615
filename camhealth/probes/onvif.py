"""The ``onvif`` probe: clock skew every minute, identity less often, discovery when needed.

Steps, each timed:
1. ``time``: GetSystemDateAndTime without authentication (the service is alive; the clock skew,
   which breaks WS-Security and evidence timestamps). A device that demands WS-Security even
   for this (a deviation seen in the field) is asked once more with credentials.
2. ``device_info``: GetDeviceInformation with WS-Security (the credentials work; vendor, model,
   firmware, serial). The token's timestamp is shifted by the measured skew, as ONVIFCamera's
   ``adjust_time`` does, so a camera whose clock is off still accepts it. The monitor asks it
   at most every ``probes.identity_interval`` per camera (``identify``): facts that change when
   a camera is replaced, whose WS-Security request cost the cameras a fifth of their work
   for our reachability probes (bench/probes.md).
3. ``discovery`` (only when asked, i.e. the registry has no stream URL): GetCapabilities for the
   media service, GetProfiles and GetStreamUri for the first two profiles (main, then sub).

Why steps 1-2 are not zeep: they run once a minute on every camera (333 a second for 20,000
cameras), and through onvif-zeep-async (zeep building and parsing the SOAP, an aiohttp request
per operation) they cost 1.8 ms of our CPU per probe on a quiet 2-core machine, 2.3 ms with a
load average of 10 (time.process_time over 2,000 probes against the simulator in its own
process), more than half a core for ONVIF alone. Their envelopes are fixed text, so they are
prepared (``onvif_soap``: only the WS-Security PasswordDigest token is built per request),
sent over one keep-alive connection per probe (``onvif_http``) and the replies read with lxml
under zeep's own safe parser settings: 0.5 ms per probe, with the same failure codes and facts
(``tests/probes/test_onvif_fast.py`` compares the two). The simulated camera's side fell from
0.94 to 0.49 ms of CPU per probe with one connection instead of two. Discovery, rare, stays on
onvif-zeep-async: ``OnvifClients`` parses the WSDLs once (through its document cache), owns one
aiohttp session for all cameras and sends operations through the shared WSDL bindings.

Hostile devices: replies are read up to ``MAX_REPLY`` bytes and no further, every header line
and header count capped; both parsers run with DTDs and entities forbidden and lxml's huge-tree
limits on, so an entity bomb or garbage is a ``protocol_error`` with bounded memory.
"""

from __future__ import annotations

import asyncio
import gc
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import onvif
import zeep.exceptions
from lxml import etree
from onvif.client import UsernameDigestTokenDtDiff as UsernameToken
from onvif.client import ZeepAsyncClient, _cached_document
from onvif.definition import SERVICES
from onvif.wsa import WsAddressingIfMissingPlugin
from onvif.zeep_aiohttp import AIOHTTPTransport
from zeep.settings import Settings

from camhealth.probes.auth import Credentials
from camhealth.probes.onvif_http import (
    MAX_REPLY,
    SOAP_STATUSES,
    SoapChannel,
    status_error,
    tls_context,
    too_large,
    untrusted,
)
from camhealth.probes.onvif_soap import (
    TDS,
    SoapFault,
    body,
    device_information,
    device_time,
    not_authorized,
    request,
)
from camhealth.probes.results import DeviceFacts, FailureCode, ProbeError, ProbeKind, ProbeResult
from camhealth.probes.steps import Steps, Target, classify, run_probe

WSDL_DIR = Path(onvif.__file__).parent / "wsdl"
MAX_PROFILES = 2  # main and sub stream

# Parse replies defensively: no DTD, no entities, no external references, lxml's size limits.
SAFE_SETTINGS = Settings(
    strict=False,  # cameras send sloppy SOAP; recover where lxml can
    xml_huge_tree=False,
    forbid_dtd=True,
    forbid_entities=True,
    forbid_external=True,
)


class BoundedTransport(AIOHTTPTransport):  # type: ignore[misc]
    """onvif-zeep-async's aiohttp transport, reading at most MAX_REPLY bytes of a reply."""

    async def _post_internal(
        self, address: str, message: str | bytes, headers: dict[str, str]
    ) -> tuple[aiohttp.ClientResponse, bytes]:
        headers = {"Content-Type": 'application/soap+xml; charset="utf-8"', **(headers or {})}
        data = message.encode() if isinstance(message, str) else message
        async with self.session.post(address, data=data, headers=headers) as response:
            if response.status not in SOAP_STATUSES:
                raise status_error(response.status)
            if (response.content_length or 0) > MAX_REPLY:
                raise too_large()  # refused before reading any of it
            content = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                content += chunk
                if len(content) > MAX_REPLY:
                    raise too_large()
        return response, bytes(content)


class OnvifClients:
    """The parsed WSDLs and one HTTP session, shared by every camera's ONVIF probe.

    Operations are sent through the WSDL binding directly rather than through zeep's service
    proxies, which build a proxy object for each of a binding's ~100 operations on creation.
    """

    def __init__(self, connections: int = 256, verify_tls: bool = False) -> None:
        self._connections = connections
        self.tls = tls_context(verify_tls)  # https:// devices, both paths (see onvif_http)
        self._bindings: dict[str, Any] = {}  # service name → zeep SOAP binding
        self._session: aiohttp.ClientSession | None = None
        self._transport: BoundedTransport | None = None
        self._authless: Any = None
        self._document: Any = None
        self._starting = asyncio.Lock()

    async def start(self) -> None:
        """Parse the WSDLs (about a second of CPU, once) and open the session; idempotent."""
        if self._session is not None:
            # Not through the lock: its waiters pass one per turn of the event loop, and at
            # 20,000 cameras ~200 ONVIF probes queued there, each holding a global slot.
            return
        async with self._starting:  # concurrent first probes parse the WSDLs once
            if self._session is not None:
                return
            for name in ("devicemgmt", "media"):
                spec = SERVICES[name]
                document = await _cached_document(str(WSDL_DIR / spec["wsdl"]))
                self._bindings[name] = document.bindings[f"{{{spec['ns']}}}{spec['binding']}"]
                self._document = document
            # The parsed WSDLs are hundreds of thousands of long-lived objects; without this
            # every full collection walks them all and stalls the event loop.
            gc.freeze()
            # One connection per request: cameras drop idle keep-alive connections, and a pool
            # of 20,000 half-dead sockets would cost more than the handshakes it saves.
            connector = aiohttp.TCPConnector(
                limit=self._connections, force_close=True, ssl=self.tls
            )
            self._session = aiohttp.ClientSession(connector=connector)
            self._transport = BoundedTransport(self._session)
            self._authless = self._client(None)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _client(self, token: UsernameToken | None) -> Any:
        return ZeepAsyncClient(
            wsdl=self._document,  # any parsed WSDL: the binding passed to send_async decides
            wsse=token,
            transport=self._transport,
            settings=SAFE_SETTINGS,
            plugins=[WsAddressingIfMissingPlugin()],
        )

    async def call(
        self, service: str, address: str, operation: str, token: UsernameToken | None, **args: Any
    ) -> Any:
        """Send one operation to ``address``; WS-Security when ``token`` is given."""
        if self._transport is None:
            raise RuntimeError("OnvifClients.start() was not awaited")
        client = self._authless if token is None else self._client(token)
        binding = self._bindings[service]
        return await binding.send_async(client, {"address": address}, operation, (), args)


def _token(target: Target, skew: float) -> UsernameToken | None:
    """zeep's WS-Security token for discovery: PasswordDigest, never the password in clear."""
    login = _login(target)
    if login is None:
        return None
    return UsernameToken(
        login.username, login.password or "", dt_diff=timedelta(seconds=skew), use_digest=True
    )


def _login(target: Target) -> Credentials | None:
    return target.credentials if target.credentials.present else None


async def _ask(
    channel: SoapChannel, operation: str, login: Credentials | None, skew: float
) -> etree._Element:
    """One prepared device-service operation: the content of the reply's Body."""
    status, reply = await channel.post(f"{TDS}/{operation}", request(operation, login, skew))
    return body(reply, fault_expected=status != 200)


async def _clock_skew(channel: SoapChannel, target: Target) -> float:
    async def ask(login: Credentials | None) -> float:
        before = time.time()
        reply = await _ask(channel, "GetSystemDateAndTime", login, 0.0)
        midpoint = (before + time.time()) / 2  # the device read its clock about then
        return device_time(reply).timestamp() - midpoint

    try:
        return await ask(None)
    except SoapFault as fault:
        login = _login(target)
        if login is None or not not_authorized(fault.code, fault.subcodes, fault.reason):
            raise
        return await ask(login)  # a device demanding WS-Security for everything


async def _device_info(channel: SoapChannel, target: Target, skew: float) -> DeviceFacts:
    info = device_information(await _ask(channel, "GetDeviceInformation", _login(target), skew))
    return DeviceFacts(
        vendor=info["Manufacturer"],
        model=info["Model"],
        firmware=info["FirmwareVersion"],
        serial=info["SerialNumber"],
        clock_skew_seconds=round(skew, 3),
    )


async def _stream_uris(clients: OnvifClients, target: Target, skew: float) -> tuple[str, ...]:
    token = _token(target, skew)
    capabilities = await clients.call(
        "devicemgmt", target.url, "GetCapabilities", token, Category="Media"
    )
    media_url = capabilities.Media.XAddr if capabilities.Media is not None else target.url
    uris = []
    for profile in (await clients.call("media", media_url, "GetProfiles", token))[:MAX_PROFILES]:
        setup = {"Stream": "RTP-Unicast", "Transport": {"Protocol": "RTSP"}}
        reply = await clients.call(
            "media", media_url, "GetStreamUri", token, StreamSetup=setup, ProfileToken=profile.token
        )
        uris.append(str(reply.Uri))
    return tuple(uris)


def _fault(step: str, code: object, subcodes: object, reason: object) -> tuple[FailureCode, str]:
    if not_authorized(code, subcodes, reason):
        return FailureCode.auth_failed, f"{step}: the device refused the credentials"
    return FailureCode.protocol_error, f"{step}: SOAP fault ({str(reason)[:120]})"


def _classify_onvif(exc: BaseException, step: str) -> tuple[FailureCode, str]:
    """SOAP/zeep/aiohttp errors in DESIGN.md's failure codes; the rest as every probe does."""
    if isinstance(exc, SoapFault):
        return _fault(step, exc.code, exc.subcodes, exc.reason)
    if isinstance(exc, zeep.exceptions.Fault):
        return _fault(step, exc.code, exc.subcodes, exc.message)
    if isinstance(exc, zeep.exceptions.Error | AttributeError | TypeError):
        return FailureCode.protocol_error, f"{step}: malformed SOAP reply ({type(exc).__name__})"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return FailureCode.protocol_error, f"{step}: {untrusted().detail}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return classify(exc.os_error, step)
    if isinstance(exc, aiohttp.ClientError):
        return FailureCode.protocol_error, f"{step}: broken HTTP reply ({type(exc).__name__})"
    return classify(exc, step)


async def probe_onvif(
    target: Target, clients: OnvifClients, discover: bool = False, identify: bool = True
) -> ProbeResult:
    """Clock skew and identity of the device at ``target.url`` (its device service URL).

    Without ``identify`` only the clock is asked (``DeviceFacts`` then holds the skew alone):
    the monitor reads a camera's identity less often than its clock. With ``discover``, also
    its stream URIs (in ``DeviceFacts.stream_uris``, main first).
    """

    async def probe(steps: Steps) -> None:
        channel = SoapChannel(target.url, clients.tls)
        try:
            async with steps.step("time"):
                skew = await _clock_skew(channel, target)
            if identify or discover:
                async with steps.step("device_info"):
                    steps.device = await _device_info(channel, target, skew)
            else:
                steps.device = DeviceFacts(clock_skew_seconds=round(skew, 3))
            # Discovery goes over zeep's own session: no need to keep this socket open meanwhile.
            channel.close()
            if discover:
                async with steps.step("discovery"):
                    uris = await _stream_uris(clients, target, skew)
                steps.device = replace(steps.device, stream_uris=uris)
        except (ProbeError, TimeoutError):
            raise
        except Exception as exc:  # zeep raises many unrelated types on hostile replies
            code, detail = _classify_onvif(exc, steps.current)
            raise ProbeError(code, detail) from None
        finally:  # a failed step leaves it open; close() is a no-op when already closed
            channel.close()

    if urlsplit(target.url).scheme not in ("http", "https"):
        return await run_probe(ProbeKind.onvif, target, _not_http)
    return await run_probe(ProbeKind.onvif, target, probe)


async def _not_http(steps: Steps) -> None:
    raise ProbeError(FailureCode.protocol_error, "not an http:// ONVIF URL")
