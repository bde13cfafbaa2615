"""The prepared-SOAP path of the onvif probe agrees with onvif-zeep-async on facts and failures."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camhealth.probes.auth import Credentials
from camhealth.probes.onvif import OnvifClients, _classify_onvif, _token, probe_onvif
from camhealth.probes.onvif_soap import SoapFault, body, device_time, request
from camhealth.probes.results import FailureCode, ProbeError
from camhealth.probes.steps import Target
from camhealth.simulator.faults import Fault
from camhealth.simulator.onvif_soap import parse_request
from tests.probes.conftest import Sim
from tests.probes.test_onvif_hostile import ENVELOPE, soap_server


def target(sim: Sim, password: str | None = None) -> Target:
    creds = Credentials(sim.camera.username, password or sim.camera.password)
    return Target(sim.onvif_url, creds, 3.0, name=sim.camera.id)


async def zeep_time(clients: OnvifClients, url: str) -> datetime | FailureCode:
    """GetSystemDateAndTime through zeep: the device's UTC time, or the failure code."""
    try:
        reply = await clients.call("devicemgmt", url, "GetSystemDateAndTime", None)
        utc = reply.UTCDateTime or reply.LocalDateTime
        d, t = utc.Date, utc.Time
        return datetime(d.Year, d.Month, d.Day, t.Hour, t.Minute, t.Second, tzinfo=UTC)
    except Exception as exc:
        return _classify_onvif(exc, "time")[0]


async def test_facts_agree_with_zeep(sim: Sim, clients: OnvifClients) -> None:
    sim.fault(Fault.clock_skew)
    sim.camera.faults.clock_skew_seconds = -75.0
    fast = await probe_onvif(target(sim), clients)
    assert fast.ok and fast.device is not None, fast.detail
    skew = fast.device.clock_skew_seconds or 0.0
    token = _token(target(sim), skew)
    info = await clients.call("devicemgmt", sim.onvif_url, "GetDeviceInformation", token)
    zeep_facts = (info.Manufacturer, info.Model, info.FirmwareVersion, info.SerialNumber)
    assert (fast.device.vendor, fast.device.model, fast.device.firmware, fast.device.serial) == (
        zeep_facts
    )
    zeep_clock = await zeep_time(clients, sim.onvif_url)
    assert isinstance(zeep_clock, datetime)
    assert abs(zeep_clock.timestamp() - time.time() - skew) < 2.0
    assert skew == pytest.approx(-75.0, abs=1.5)


def test_the_token_is_a_digest_that_follows_the_skew() -> None:
    sent = parse_request(request("GetDeviceInformation", Credentials("admin", "pw-secret"), 3600.0))
    assert sent.token is not None and sent.token.digest
    assert sent.token.matches("admin", "pw-secret") and not sent.token.matches("admin", "other")
    created = datetime.strptime(sent.token.created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(created - datetime.now(UTC) - timedelta(hours=1)) < timedelta(seconds=2)
    assert b"pw-secret" not in request("GetDeviceInformation", Credentials("admin", "pw-secret"))


def test_a_username_is_escaped() -> None:
    sent = parse_request(request("GetDeviceInformation", Credentials("a<b>&'\"", "pw")))
    assert sent.token is not None and sent.token.username == "a<b>&'\""


async def test_wrong_password_is_auth_failed_on_both(sim: Sim, clients: OnvifClients) -> None:
    fast = await probe_onvif(target(sim, password="wrong-one"), clients)
    token = _token(target(sim, password="wrong-one"), 0.0)
    with pytest.raises(Exception) as raised:
        await clients.call("devicemgmt", sim.onvif_url, "GetDeviceInformation", token)
    assert fast.failure == _classify_onvif(raised.value, "x")[0] == FailureCode.auth_failed


def time_reply(utc: dict[str, str], local: bool) -> str:
    """A GetSystemDateAndTimeResponse with these UTCDateTime fields (or as LocalDateTime)."""
    # in the schema's order: zeep reads an xsd:sequence by position, lxml's find by name
    date = "".join(f"<tt:{k}>{utc[k]}</tt:{k}>" for k in DATE if k in utc)
    clock = "".join(f"<tt:{k}>{utc[k]}</tt:{k}>" for k in TIME if k in utc)
    name = "LocalDateTime" if local else "UTCDateTime"
    return (
        '<tds:GetSystemDateAndTimeResponse xmlns:tt="http://www.onvif.org/ver10/schema">'
        f"<tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>"
        f"<tt:DaylightSavings>false</tt:DaylightSavings><tt:{name}><tt:Time>{clock}</tt:Time>"
        f"<tt:Date>{date}</tt:Date></tt:{name}></tds:SystemDateAndTime>"
        "</tds:GetSystemDateAndTimeResponse>"
    )


DATE = ("Year", "Month", "Day")
TIME = ("Hour", "Minute", "Second")
FIELD = st.one_of(st.integers(-5, 3000).map(str), st.sampled_from(["", " 7 ", "x", "1e3", "٣"]))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    utc=st.fixed_dictionaries({k: FIELD for k in TIME + DATE}),
    local=st.booleans(),
)
async def test_fuzzed_clock_replies_agree_with_zeep(
    clients: OnvifClients, utc: dict[str, str], local: bool
) -> None:
    """Where zeep reads a time the prepared path reads the same; where it fails, so do we."""
    reply = ENVELOPE.format(time_reply(utc, local)).encode()
    try:
        ours: datetime | None = device_time(body(reply, fault_expected=False))
    except Exception:
        ours = None
    async with soap_server(reply) as url:
        theirs = await zeep_time(clients, url)
    if isinstance(theirs, datetime):
        assert ours == theirs
    else:
        assert ours is None, (theirs, ours)


@pytest.mark.parametrize(
    "reply",
    [
        b"",
        b"<?xml version='1.0'?><s:Envelope \x00\xff\xfe garbage <<<",
        ENVELOPE.format("").encode(),
        ENVELOPE.format("<tds:GetDeviceInformationResponse/>").encode(),
        ENVELOPE.replace("2003/05", "2001/12").format(time_reply({}, False)).encode(),
    ],
)
async def test_hostile_time_replies_fail_on_both(clients: OnvifClients, reply: bytes) -> None:
    async with soap_server(reply) as url:
        theirs = await zeep_time(clients, url)
        fast = await probe_onvif(Target(url, timeout=2.0), clients)
    assert fast.failure == theirs == FailureCode.protocol_error, fast.detail


DEVICE_INFO = (
    "<tds:GetDeviceInformationResponse><tds:Manufacturer>Acme</tds:Manufacturer>"
    "<tds:Model>X1</tds:Model><tds:FirmwareVersion>1.0</tds:FirmwareVersion>"
    "<tds:SerialNumber>SN9</tds:SerialNumber></tds:GetDeviceInformationResponse>"
)
NOW = dict(zip(TIME + DATE, ("12", "0", "0", "2026", "1", "2"), strict=True))


def chunked(payload: bytes) -> bytes:
    half = len(payload) // 2
    parts = (payload[:half], payload[half:])
    return b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\nX-T: 1\r\n\r\n"


@pytest.mark.parametrize(
    "framing", ["chunked-close", "length-keepalive", "until-close", "length-silent-close"]
)
async def test_http_framings(framing: str) -> None:
    """Chunked or sized replies, kept alive or closed after each (saying so or not): the probe
    reads them all, on a new connection where the device dropped the old one."""
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        while head := await reader.readuntil(b"\r\n\r\n"):
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            sent = await reader.readexactly(length)
            inner = DEVICE_INFO if b"GetDeviceInformation" in sent else time_reply(NOW, False)
            payload = ENVELOPE.format(inner).encode()
            if framing == "chunked-close":
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n")
                writer.write(b"Connection: close\r\n\r\n" + chunked(payload))
            elif framing == "until-close":
                writer.write(b"HTTP/1.0 200 OK\r\n\r\n" + payload)
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(payload))
                writer.write(payload)
                if framing == "length-keepalive":
                    continue
            await writer.drain()
            writer.close()
            return

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}/onvif/device_service"
    async with server:
        result = await probe_onvif(Target(url, Credentials("u", "p"), 2.0), OnvifClients())
    assert result.ok and result.device is not None, result.detail
    assert (result.device.vendor, result.device.serial) == ("Acme", "SN9")
    assert connections == (1 if framing == "length-keepalive" else 2)


SOAP_TEXT = st.text(alphabet=st.sampled_from(list("<>/=\"' &;:!?[]xsBodyFaultEnvelope\n")))


@settings(max_examples=300, deadline=None)
@given(
    reply=st.one_of(
        st.binary(max_size=600),
        SOAP_TEXT.map(lambda t: ENVELOPE.format(t).encode()),
        SOAP_TEXT.map(lambda t: ENVELOPE.format(time_reply(NOW, False) + t).encode()),
    ),
    fault_expected=st.booleans(),
)
def test_the_parser_fails_only_with_a_failure(reply: bytes, fault_expected: bool) -> None:
    """Whatever arrives, the reply parser reads a time or raises a probe failure or fault."""
    with contextlib.suppress(ProbeError, SoapFault):
        device_time(body(reply, fault_expected))


async def test_started_clients_are_never_waited_for(clients: OnvifClients) -> None:
    """Once started, ``start`` returns at once: through the start lock, waiting probes passed
    one per turn of the event loop (a convoy of ~200 ONVIF probes at 20,000 cameras)."""
    await clients.start()
    async with clients._starting:  # the lock busy: a start on its way, or a convoy
        await asyncio.wait_for(asyncio.gather(*(clients.start() for _ in range(100))), 0.5)
