"""/healthz, /readyz and the app's middlewares (errors, sizes)."""

from __future__ import annotations

from tests.exporter.city import snapshot
from tests.exporter.conftest import Source, settings_for


async def test_healthz_always_and_readyz_only_after_the_first_snapshot(start):
    source = Source(None)
    client = await start(source)
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/readyz")).status == 503
    assert (await client.get("/metrics")).status == 503
    source.current = snapshot()
    ready = await client.get("/readyz")
    assert ready.status == 200 and "2026-11-29T08:00:00" in await ready.text()
    assert (await client.get("/metrics")).status == 200


async def test_an_oversized_request_gets_413_before_anything_else(start, source, tmp_path):
    client = await start(source, settings_for(tmp_path, exporter={"max_request_bytes": 1000}))
    response = await client.post("/api/v1/login", data=b"x" * 5000)
    assert response.status == 413
