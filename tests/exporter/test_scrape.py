"""Scrapes waiting for a render hold no thread; a plain body is made only when asked for."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest

from camhealth.exporter import metrics, scrape
from camhealth.exporter.scrape import RenderCache
from tests.exporter.city import T0, snapshot
from tests.exporter.conftest import Source, Start


async def test_scrapes_waiting_for_a_render_leave_the_default_executor_free(
    start: Start, source: Source, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twenty scrapes wait for a slow render; a password check (``to_thread``) meanwhile
    does not wait for them."""
    client = await start(source)
    await client.get("/metrics", headers={"Accept-Encoding": "gzip"})
    real = metrics.render_gzip

    def slow(*args: object) -> bytes:
        time.sleep(1.0)  # a big fleet's render
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(scrape, "render_gzip", slow)
    source.current = snapshot(T0 + timedelta(hours=2))
    scrapes = [
        asyncio.create_task(client.get("/metrics", headers={"Accept-Encoding": "gzip"}))
        for _ in range(20)
    ]
    await asyncio.sleep(0.2)  # all waiting for the render
    started = time.monotonic()
    assert await asyncio.wait_for(asyncio.to_thread(int, "1"), 0.6) == 1
    assert time.monotonic() - started < 0.6
    assert all(response.status == 200 for response in await asyncio.gather(*scrapes))


def test_a_plain_scrape_is_not_rendered_ahead_for_later_snapshots(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plain: list[object] = []
    real = metrics.render

    def counted(*args: object) -> bytes:
        plain.append(args[0])
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(scrape, "render", counted)
    source = Source(snapshot())
    cache = RenderCache(source)
    cache.body(openmetrics=False, gzipped=False)  # one curl without gzip
    cache.body(openmetrics=True, gzipped=True)  # Prometheus
    source.current = later = snapshot(T0 + timedelta(hours=2))
    cache.prepare()
    assert len(plain) == 1  # only the one asked for
    assert cache.body(False, False)[0] is later and len(plain) == 2  # made when asked again
    cache.close()


def test_a_snapshot_a_scrape_rendered_first_is_still_prepared() -> None:
    """A scrape that arrives before the render ahead renders the Snapshot itself; the render
    ahead must still finish its job (the bodies asked of late, ``prepared``) rather than skip
    it for ever."""
    source = Source(snapshot())
    cache = RenderCache(source)
    cache.body(openmetrics=True, gzipped=True)
    cache.prepare()
    source.current = later = snapshot(T0 + timedelta(hours=2))
    cache.body(openmetrics=False, gzipped=True)  # the scrape comes first
    cache.prepare()
    assert cache.prepared is later
