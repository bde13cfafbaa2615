"""Each ONVIF-level fault's observable effect, seen by a plain HTTP client sending raw SOAP."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
import zeep
import zeep.exceptions
import zeep.loader
from lxml import etree

from camhealth.simulator.camera import SimCamera
from camhealth.simulator.faults import Fault
from camhealth.simulator.onvif_server import OnvifServer
from camhealth.simulator.onvif_soap import PASSWORD_DIGEST, SOAP_ENV, TDS, WSSE, WSU
from tests.simulator.addresses import random_host

SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@pytest.fixture
async def camera() -> AsyncIterator[SimCamera]:
    camera = SimCamera(id="cam-1", name="Cam 1", host=random_host(), scene="cafe", onvif_port=8080)
    server = OnvifServer()
    await server.start()
    await server.open(camera)
    yield camera
    await server.stop()


def security(username: str, password: str) -> str:
    nonce = os.urandom(16)
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode()).digest())
    return (
        f'<s:Header><wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsse:UsernameToken>'
        f"<wsse:Username>{username}</wsse:Username>"
        f'<wsse:Password Type="{PASSWORD_DIGEST}">{digest.decode()}</wsse:Password>'
        f"<wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
        f"<wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security></s:Header>"
    )


async def post(
    camera: SimCamera, operation: str, header: str = "", seconds: float = 5
) -> tuple[int, aiohttp.typedefs.LooseHeaders, bytes]:
    body = (
        f'<s:Envelope xmlns:s="{SOAP_ENV}" xmlns:tds="{TDS}">{header}'
        f"<s:Body><tds:{operation}/></s:Body></s:Envelope>"
    )
    url = f"http://{camera.host}:{camera.onvif_port}/onvif/device_service"
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=seconds)) as session,
        session.post(url, data=body) as response,
    ):
        return response.status, response.headers, await response.read()


def parsed(data: bytes) -> etree._Element:
    return etree.fromstring(data, SAFE)


def subcode(data: bytes) -> str:
    return parsed(data).findtext(f".//{{{SOAP_ENV}}}Subcode/{{{SOAP_ENV}}}Value") or ""


def reported_time(data: bytes) -> datetime:
    utc = parsed(data).find(".//{*}UTCDateTime")
    assert utc is not None
    fields = {e.tag.split("}")[1]: int(e.text or 0) for e in utc.iter() if not len(e)}
    return datetime(
        fields["Year"],
        fields["Month"],
        fields["Day"],
        fields["Hour"],
        fields["Minute"],
        fields["Second"],
        tzinfo=UTC,
    )


async def test_healthy_then_unknown_action(camera: SimCamera) -> None:
    status, headers, body = await post(camera, "GetSystemDateAndTime")
    assert status == 200 and headers["Content-Type"].startswith("application/soap+xml")
    assert abs((reported_time(body) - datetime.now(UTC)).total_seconds()) < 3
    status, _, body = await post(camera, "SetSystemFactoryDefault", security("admin", "admin12345"))
    assert (status, subcode(body)) == (500, "ter:ActionNotSupported")


async def test_login_required_outside_pre_auth(camera: SimCamera) -> None:
    status, _, body = await post(camera, "GetDeviceInformation")
    assert (status, subcode(body)) == (400, "ter:NotAuthorized")
    status, _, body = await post(camera, "GetDeviceInformation", security("admin", "admin12345"))
    assert status == 200 and b"SerialNumber" in body


async def test_request_with_an_entity_bomb_is_refused_unexpanded(camera: SimCamera) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        f'<s:Envelope xmlns:s="{SOAP_ENV}"><s:Body><x>&b;</x></s:Body></s:Envelope>'
    )
    url = f"http://{camera.host}:{camera.onvif_port}/onvif/device_service"
    async with aiohttp.ClientSession() as session, session.post(url, data=bomb) as response:
        assert response.status == 400
        assert subcode(await response.read()) == "ter:WellFormed"


async def test_clock_skew(camera: SimCamera) -> None:
    camera.faults.faults.add(Fault.clock_skew)
    camera.faults.clock_skew_seconds = -3600
    _, _, body = await post(camera, "GetSystemDateAndTime")
    assert abs((reported_time(body) - datetime.now(UTC)).total_seconds() + 3600) < 3


async def test_replaced_camera_reports_another_serial(camera: SimCamera) -> None:
    login = security("admin", "admin12345")
    before = parsed((await post(camera, "GetDeviceInformation", login))[2])
    camera.faults.faults.add(Fault.replaced)
    after = parsed((await post(camera, "GetDeviceInformation", login))[2])
    serials = before.findtext(".//{*}SerialNumber"), after.findtext(".//{*}SerialNumber")
    assert all(serials) and serials[0] != serials[1]


async def test_slow(camera: SimCamera) -> None:
    camera.faults.faults.add(Fault.slow)
    camera.faults.slow_seconds = 0.5
    started = time.monotonic()
    status, _, _ = await post(camera, "GetSystemDateAndTime")
    assert status == 200 and time.monotonic() - started >= 0.5


async def test_hung_accepts_and_never_answers(camera: SimCamera) -> None:
    camera.faults.faults.add(Fault.hung)
    with pytest.raises(TimeoutError):
        await post(camera, "GetSystemDateAndTime", seconds=0.5)


@pytest.mark.parametrize("fault", [Fault.offline, Fault.flapping])
async def test_down_camera_drops_a_connection(camera: SimCamera, fault: Fault) -> None:
    """With the listener still open (the fleet closes it), a request is cut off unanswered."""
    camera.faults.faults.add(fault)
    camera.faults.flap_period = 2.0
    if fault is Fault.flapping:  # wait for the down half of the period
        await asyncio.sleep((1.05 - time.time() % 2.0) % 2.0)
    with pytest.raises(aiohttp.ClientError):
        await post(camera, "GetSystemDateAndTime")


@pytest.mark.parametrize("camera_id", ["cam-1", "cam-2"])
async def test_garbage_soap(camera: SimCamera, camera_id: str) -> None:
    camera.id = camera_id  # one id of each parity: not XML at all, and XML that is not SOAP
    camera.faults.faults.add(Fault.garbage_soap)
    status, _, body = await post(camera, "GetSystemDateAndTime")
    assert status == 200
    try:
        root = parsed(body)
    except etree.XMLSyntaxError:
        return
    assert etree.QName(root).namespace != SOAP_ENV


async def test_xml_bomb_reply_is_not_expanded_by_a_safe_parser(camera: SimCamera) -> None:
    camera.faults.faults.add(Fault.xml_bomb)
    _, _, body = await post(camera, "GetSystemDateAndTime")
    assert b"<!ENTITY lol9" in body and len(body) < 4096
    try:  # a safe parser refuses it or keeps the entity unexpanded; it never hangs
        assert len(etree.tostring(parsed(body))) < 4096
    except etree.XMLSyntaxError as refused:
        assert "amplification" in str(refused)
    with pytest.raises((zeep.exceptions.EntitiesForbidden, zeep.exceptions.XMLSyntaxError)):
        zeep.loader.parse_xml(body, zeep.Transport(), settings=zeep.Settings())


async def test_huge_headers_overflow_a_bounded_client(camera: SimCamera) -> None:
    camera.faults.faults.add(Fault.huge_headers)
    with pytest.raises(aiohttp.ClientResponseError):
        await post(camera, "GetSystemDateAndTime")
