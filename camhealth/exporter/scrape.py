"""What a ``/metrics`` scrape sends: the latest Snapshot's body, made before it is asked for.

At 50,000 cameras the body is 100 MB (4 MB gzipped) and making it from nothing takes most of
a second (bench/exporter.md), so ``RenderCache.follow`` watches the Snapshot source and, as
soon as a new Snapshot is published, renders it in the cache's own render thread:

- the camera lines (``CameraLines``: only the cameras that changed are formatted again) for
  every new Snapshot, whether or not anybody scrapes;
- the gzipped bodies of the formats scraped in the last ``RECENT`` seconds (Prometheus asks
  for one, usually OpenMetrics gzipped), so nobody pays for a body nobody reads. A plain body
  (100 MB at 50,000 cameras) is made only when a scrape asks for it: one curl without gzip
  must not have every Snapshot make it for the next ``RECENT`` seconds.

The rule a scrape follows: it is answered with the latest Snapshot published when its body
is ready, never an older one than the Snapshot current when it arrived.  If that Snapshot is
still being rendered, the scrape waits for the render: its request is queued behind it on
the one render thread (it never renders the same Snapshot twice, and never serves the
previous body silently) and awaits that on the event loop, so waiting scrapes hold no thread
(the default executor serves DNS lookups and password hashing).  A Snapshot replaced before
anybody scraped it is rendered anyway: the next one re-formats only what changed since.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from camhealth.exporter.camera_metrics import CameraLines
from camhealth.exporter.metrics import render, render_gzip
from camhealth.exporter.services import SnapshotSource
from camhealth.health.snapshot import Snapshot

log = logging.getLogger(__name__)

POLL_SECONDS: Final = 0.1  # how soon a published Snapshot starts rendering
RECENT: Final = 600.0  # a format scraped gzipped this recently is rendered ahead
Key = tuple[bool, bool]  # (OpenMetrics, gzipped)


class RenderCache:
    """The bodies of the latest Snapshot, per format and encoding, each made at most once."""

    def __init__(self, source: SnapshotSource) -> None:
        self._source = source
        self._render = ThreadPoolExecutor(1, thread_name_prefix="metrics-render")
        self._lock = threading.Lock()  # ``body`` may still be called from other threads
        self._snapshot: Snapshot | None = None
        self._lines: list[tuple[bytes, ...]] = []
        # Replaced as one: the event loop reads it while the render thread works.
        self._made: tuple[Snapshot | None, dict[Key, bytes]] = (None, {})
        self._cameras = CameraLines()  # the same lines in both formats
        self._asked: dict[Key, float] = {}  # when each kind of body was last scraped
        self._prepared: Snapshot | None = None

    @property
    def prepared(self) -> Snapshot | None:
        """The Snapshot last rendered ahead, its bodies made (``bench/exporter.py`` waits)."""
        return self._prepared

    async def scrape(self, openmetrics: bool, gzipped: bool) -> tuple[Snapshot, bytes]:
        """``body``, from the event loop: at once when it is made, else behind the render."""
        key = (openmetrics, gzipped)
        snapshot, bodies = self._made
        found = bodies.get(key)
        if found is not None and snapshot is not None and snapshot is self._source():
            self._asked[key] = time.monotonic()
            return snapshot, found
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._render, self.body, openmetrics, gzipped)

    def close(self) -> None:
        self._render.shutdown(wait=False, cancel_futures=True)

    def body(self, openmetrics: bool, gzipped: bool) -> tuple[Snapshot, bytes]:
        """The latest Snapshot and its body (blocks while it is rendered: call in a thread).

        The caller has checked that a Snapshot exists: the source never goes back to None.
        """
        key = (openmetrics, gzipped)
        with self._lock:
            self._asked[key] = time.monotonic()
            snapshot = self._current()
            return snapshot, self._body(key)

    def prepare(self) -> None:
        """Render the latest Snapshot now, if it is new: its lines, and the gzipped bodies
        asked of late (in the render thread)."""
        with self._lock:
            latest = self._source()
            if latest is None or latest is self._prepared:
                return
            self._current()  # nothing to do when a scrape has rendered it already
            recent = time.monotonic() - RECENT
            for key, at in self._asked.items():
                if key[1] and at >= recent:  # gzipped (see the module doc)
                    self._body(key)
            self._prepared = latest

    async def follow(self, every: float = POLL_SECONDS) -> None:
        """Prepare each new Snapshot as soon as it is published; runs until cancelled."""
        tried: Snapshot | None = None
        while True:
            latest = self._source()
            if latest is not None and latest is not self._prepared and latest is not tried:
                tried = latest  # once: a failure is logged once, a scrape meets it again (500)
                try:
                    loop = asyncio.get_running_loop()
                    await loop.run_in_executor(self._render, self.prepare)
                except Exception:
                    log.exception("rendering /metrics ahead failed")
            await asyncio.sleep(every)

    def _current(self) -> Snapshot:
        snapshot = self._source()
        if snapshot is None:
            raise LookupError("no Snapshot yet")
        if snapshot is not self._snapshot:
            lines = self._cameras.of(snapshot)  # first: if it fails, nothing stale is kept
            self._snapshot, self._lines, self._made = snapshot, lines, (snapshot, {})
        return snapshot

    def _body(self, key: Key) -> bytes:
        bodies = self._made[1]
        found = bodies.get(key)
        if found is None:
            assert self._snapshot is not None
            openmetrics, gzipped = key
            if gzipped:
                found = render_gzip(self._snapshot, openmetrics, self._lines)
            else:
                found = render(self._snapshot, openmetrics, self._lines)
            bodies[key] = found
        return found


async def following(cache: RenderCache) -> AsyncIterator[None]:
    """``follow`` for the life of an app (its ``cleanup_ctx``)."""
    task = asyncio.create_task(cache.follow())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    cache.close()
