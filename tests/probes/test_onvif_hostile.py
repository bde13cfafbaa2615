"""SOAP replies no camera should send, from a real HTTP server: a failure code, bounded memory."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camhealth.probes.auth import Credentials
from camhealth.probes.onvif import MAX_REPLY, OnvifClients, probe_onvif
from camhealth.probes.results import FailureCode
from camhealth.probes.steps import Target

ENVELOPE = (
    '<?xml version="1.0"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:tds="http://www.onvif.org/ver10/device/wsdl"><s:Body>{}</s:Body></s:Envelope>'
)


@contextlib.asynccontextmanager
async def soap_server(body: bytes, status: int = 200) -> AsyncIterator[str]:
    async def reply(request: web.Request) -> web.Response:
        return web.Response(body=body, status=status, content_type="application/soap+xml")

    app = web.Application()
    app.router.add_post("/onvif/device_service", reply)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/onvif/device_service"
    finally:
        await runner.cleanup()


async def probe(url: str, clients: OnvifClients):  # type: ignore[no-untyped-def]
    return await probe_onvif(Target(url, Credentials("admin", "pw-secret"), 2.0), clients)


@pytest.mark.parametrize(
    ("body", "status", "failure"),
    [
        (b"x" * (MAX_REPLY + 10), 200, FailureCode.protocol_error),
        (ENVELOPE.format("<a>" * 100_000).encode(), 200, FailureCode.protocol_error),
        (b"<html>login page</html>", 200, FailureCode.protocol_error),
        (b"", 200, FailureCode.protocol_error),
        (b"not found", 404, FailureCode.not_found),
        (b"", 401, FailureCode.auth_failed),
        (ENVELOPE.format("<tds:GetSystemDateAndTimeResponse/>").encode(), 200,
         FailureCode.protocol_error),
    ],
)  # fmt: skip
async def test_bad_replies(
    clients: OnvifClients, body: bytes, status: int, failure: FailureCode
) -> None:
    async with soap_server(body, status) as url:
        result = await probe(url, clients)
    assert result.failure == failure, result.detail


def external_entity() -> bytes:
    doctype = '<!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    return ('<?xml version="1.0"?>' + doctype + ENVELOPE.split("?>", 1)[1].format("&x;")).encode()


async def test_external_entity_is_not_read(clients: OnvifClients) -> None:
    async with soap_server(external_entity()) as url:
        result = await probe(url, clients)
    assert result.failure == FailureCode.protocol_error and "root:" not in result.detail


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        st.binary(max_size=500),
        st.text(max_size=300).map(lambda t: ENVELOPE.format(t).encode("utf-8", "replace")),
    ),
    status=st.sampled_from([200, 400, 500]),
)
async def test_fuzzed_soap_gives_a_failure_code(
    clients: OnvifClients, body: bytes, status: int
) -> None:
    async with soap_server(body, status) as url:
        result = await probe(url, clients)
    assert result.failure is not None
    assert "pw-secret" not in result.detail
