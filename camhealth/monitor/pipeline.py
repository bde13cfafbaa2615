"""The running service: registry → scheduler → probes → diagnosis → state → store → Snapshot.

``Pipeline`` is the coordinator (as in Home Assistant): it owns the long-lived tasks, starts and
stops them in pairs, and publishes one immutable ``Snapshot`` that readers take without locks::

    async with Pipeline(settings, registry, store) as pipeline:
        await pipeline.first_cycle.wait()
        snapshot = pipeline.snapshot          # the exporter reads this, and only this

Probe results arrive from the scheduler on a queue and are decided one at a time (pictures are
diagnosed in a worker thread); every ``monitor.flush_interval`` the changes since the last flush
go to the store in one transaction and, when something changed, a new Snapshot replaces the old
one (at most one per ``monitor.snapshot_interval``: building one for 20,000 cameras costs ~0.4 s).
At start the stored states and last pictures are restored, so confirmations in progress, faults
and ``frozen`` comparisons carry across a restart without a burst of false changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from camhealth.camera_registry.records import AreaRecord, CameraRecord
from camhealth.camera_registry.store import Registry
from camhealth.config import Settings
from camhealth.health.snapshot import MonitorFacts, Snapshot, build_snapshot
from camhealth.monitor.cameras import Cameras, Outcome, Watch
from camhealth.monitor.pictures import sample_of_jpeg, unpack_sample
from camhealth.monitor.store import Batch, MonitorStore
from camhealth.probes.looplag import LoopLag
from camhealth.probes.results import ProbeKind, ProbeResult
from camhealth.probes.scheduler import Scheduler
from camhealth.probes.targets import Probers, Watched, watched

log = logging.getLogger(__name__)
PRUNE_SECONDS = 3600.0


def utc_now() -> datetime:
    return datetime.now(UTC)


class Pipeline:
    def __init__(
        self,
        settings: Settings,
        registry: Registry,
        store: MonitorStore,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings, self.registry, self.store, self.clock = settings, registry, store, clock
        self._diagnoser = ThreadPoolExecutor(1, thread_name_prefix="diagnose")
        self.cameras = Cameras(settings.health, settings.quality, self._diagnoser)
        self.probers = Probers(settings.probes)
        self.scheduler = Scheduler(settings.probes, self.probers.run, self._received)
        self.looplag = LoopLag()
        self.first_cycle = asyncio.Event()  # every watched camera probed once by each kind
        self._queue: asyncio.Queue[tuple[str, ProbeResult, datetime]] = asyncio.Queue()
        self._batch = Batch()
        self._areas: list[AreaRecord] = []
        self._records: dict[str, CameraRecord] = {}
        self._watches: dict[str, Watch] = {}
        self._waiting: dict[str, set[ProbeKind]] = {}
        self._snapshot: Snapshot | None = None
        self._changed = True
        self._tasks: list[asyncio.Task[None]] = []
        self.decided = 0  # probe results turned into states, since start

    # -- what readers see ---------------------------------------------------------------------

    @property
    def snapshot(self) -> Snapshot:
        """The latest Snapshot: immutable, replaced as a whole after changes."""
        if self._snapshot is None:
            raise RuntimeError("the pipeline has not started")
        return self._snapshot

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        await self._restore()
        watched_cameras = await self._load_registry()
        self.publish()
        self._spawn(self._consume(), self._tick(), self.looplag.run(), self._refresh_every())
        self.scheduler.refresh(watched_cameras)
        self.scheduler.start()
        log.info("monitoring %d cameras", len(self._watches), extra={"cameras": len(self._watches)})

    async def stop(self) -> None:
        """Stop probing, decide what already arrived, write it, then let go of everything."""
        await self.scheduler.stop()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                await self._queue.join()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        await self._flush(self.clock())
        await self.probers.close()
        self._diagnoser.shutdown(wait=True)
        log.info("monitoring stopped")

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def _spawn(self, *coroutines: Coroutine[Any, Any, None]) -> None:
        loop = asyncio.get_running_loop()
        self._tasks += [loop.create_task(coroutine) for coroutine in coroutines]

    # -- the registry -------------------------------------------------------------------------

    async def _restore(self) -> None:
        states = await self.store.states()
        pictures = await self.store.pictures()
        samples = {cid: unpack_sample(p.sample) for cid, p in pictures.items()}
        self.cameras.restore(states, samples)
        log.info("restored %d camera states", len(states), extra={"restored": len(states)})

    async def _load_registry(self) -> list[Watched]:
        """Read the registry; the cameras to probe (enabled ones), with their credentials."""
        self._areas = await self.registry.list_areas()
        records = await self.registry.list_cameras()
        logins = await self.registry.all_credentials()
        gone = self._records.keys() - {r.id for r in records}
        self._records = {record.id: record for record in records}
        for camera_id in gone:
            self.cameras.forget(camera_id)
            self._watches.pop(camera_id, None)
            self._waiting.pop(camera_id, None)
        if gone:
            await self.store.forget(gone)
        timeout = self.settings.probes.timeout
        result = []
        for record in records:
            if not record.enabled:
                continue
            target = watched(record, *logins.get(record.id, (None, None)), timeout)
            result.append(target)
            frames, main = target.targets.get(ProbeKind.frames), target.targets.get(ProbeKind.rtsp)
            sub = frames is not None and main is not None and frames.url != main.url
            if record.id not in self._watches:
                self._waiting[record.id] = set(target.kinds)
            self._watches[record.id] = Watch(record.id, tuple(record.tags), sub)
        self._changed = True
        return result

    async def _refresh_every(self) -> None:
        while True:
            await asyncio.sleep(self.settings.monitor.refresh_interval)
            try:
                self.scheduler.refresh(await self._load_registry())
            except Exception:  # a registry hiccup must not stop the monitor
                log.exception("re-reading the registry failed; keeping the cameras watched")

    # -- deciding -----------------------------------------------------------------------------

    def _received(self, camera_id: str, result: ProbeResult) -> None:
        self._queue.put_nowait((camera_id, result, self.clock()))

    async def _consume(self) -> None:
        while True:
            camera_id, result, at = await self._queue.get()
            try:
                await self._decide(camera_id, result, at)
            except Exception:  # one camera's bad result must not stop the others
                log.exception("deciding a probe result failed", extra={"camera": camera_id})
            finally:
                self._queue.task_done()

    async def _decide(self, camera_id: str, result: ProbeResult, at: datetime) -> None:
        watch, record = self._watches.get(camera_id), self._records.get(camera_id)
        if watch is None or record is None:
            return  # removed from the registry while it was probed
        if result.frame is not None and camera_id not in self.cameras.references:
            stored = await self.registry.get_reference(camera_id)
            self.cameras.references[camera_id] = stored and sample_of_jpeg(stored[0])
        outcome = await self.cameras.observe(watch, result, at, record.in_maintenance(at))
        self._keep(camera_id, outcome, at)
        if outcome.reference is not None:
            await self.registry.set_reference(camera_id, outcome.reference, at)
            log.info("reference view taken", extra={"camera": camera_id})
        self._count(camera_id, result.kind)

    def _keep(self, camera_id: str, outcome: Outcome, at: datetime) -> None:
        batch = self._batch
        batch.states[camera_id] = outcome.state
        batch.events += outcome.events
        if outcome.picture is not None:
            batch.pictures[camera_id] = outcome.picture
        if outcome.evidence is not None:
            batch.evidence.append((outcome.evidence[0], camera_id, at, outcome.evidence[1]))
        self.decided += 1
        if outcome.events:
            self._changed = True
            for event in outcome.events:
                log.log(
                    logging.DEBUG if event.muted or event.first else logging.INFO,
                    "%s %s%s",
                    event.camera,
                    event.kind.value,
                    f" {event.fault}" if event.fault else "",
                    extra={"camera": event.camera, "event": event.kind.value, "fault": event.fault},
                )

    def _count(self, camera_id: str, kind: ProbeKind) -> None:
        waiting = self._waiting.get(camera_id)
        if waiting is None:
            return
        waiting.discard(kind)
        if not waiting:
            del self._waiting[camera_id]
            if not self._waiting and not self.first_cycle.is_set():
                self._changed = True
                self.first_cycle.set()
                log.info("first cycle complete: every camera probed")

    # -- publishing and storing ---------------------------------------------------------------

    async def _tick(self) -> None:
        config = self.settings.monitor
        last_history = last_prune = 0.0
        last_snapshot = time.monotonic()
        while True:
            await asyncio.sleep(config.flush_interval)
            now, mono = self.clock(), time.monotonic()
            if self._changed and mono - last_snapshot >= config.snapshot_interval:
                self.publish(now)
                last_snapshot = mono
            if mono - last_history >= config.history_interval:
                self._batch.add_history(now, self.snapshot.indicators)
                last_history = mono
            try:
                await self._flush(now)
                if mono - last_prune >= PRUNE_SECONDS:
                    await self.store.prune(config, now)
                    last_prune = mono
            except Exception:  # the database is down: keep the batch, try again next tick
                log.exception("writing to the database failed; retrying")

    async def _flush(self, now: datetime) -> None:
        batch, self._batch = self._batch, Batch()
        if not batch:
            return
        try:
            await self.store.write(batch)
        except BaseException:
            self._batch = _merged(batch, self._batch)
            raise

    def publish(self, now: datetime | None = None) -> None:
        """Build a Snapshot of now and make it the one readers get."""
        now = now or self.clock()
        states = {cid: s for cid, s in self.cameras.states.items() if cid in self._records}
        stats = self.scheduler.stats
        monitor = MonitorFacts(
            schedule_lag_seconds=stats.lag_quantile(0.99),
            event_loop_lag_seconds=self.looplag.take_worst(),
            probes_total=tuple(
                (ProbeKind(kind), label, count)
                for (kind, label), count in sorted(stats.results.items())
            ),
        )
        records = self._records.values()
        self._snapshot = build_snapshot(now, self._areas, records, states, monitor)
        self._changed = False


def _merged(older: Batch, newer: Batch) -> Batch:
    """A batch that failed to write, with what arrived since: states and pictures newest wins."""
    older.states.update(newer.states)
    older.events += newer.events
    older.pictures.update(newer.pictures)
    older.evidence += newer.evidence
    older.history += newer.history
    return older
