"""The running service: registry → scheduler → probes → diagnosis → state → store → Snapshot.

``Pipeline`` is the coordinator (as in Home Assistant): it owns the long-lived tasks, starts and
stops them in pairs, and publishes one immutable ``Snapshot`` that readers take without locks::

    async with Pipeline(settings, registry, store) as pipeline:
        await pipeline.first_cycle.wait()
        snapshot = pipeline.snapshot          # the exporter reads this, and only this

Probe results arrive from the scheduler on a queue and are decided one at a time; pictures are
diagnosed in a small pool of worker processes meanwhile (:mod:`camhealth.monitor.judging`), so
reachability never waits behind the CPU. When pictures come faster than the pool judges them, a
few wait (``MAX_WAITING``), and the camera judged longest ago goes first: on a slow CPU every
camera is still judged, in turn, only less often. A picture that cannot wait (a staler camera's
took its place) is decided without being judged: its stream plays, its fault counts stay as they
are (``undiagnosed`` counts them). Pictures held at once (being taken, waiting, judged) are
bounded by ``MAX_PICTURES``: past it the scheduler holds the next ``frames`` probes back (they
run later; none is failed).

A probe that timed out because of us, not the camera, is no sample of the camera (``late``
counts them): the scheduler's backstop cancelled it (our decode or loop overran the deadline),
or the event loop stalled for at least the probe's slack while it ran (the answer may have been
waiting unread). Otherwise an overloaded monitor would declare healthy cameras offline. The
scheduler tells them apart (``stalled_for`` is ours) and keeps them out of the camera's backoff.
A probe the scheduler held back (its login refused, paused) is no sample either: it counts
toward the first cycle and nothing else. Every released picture place wakes the scheduler's
parked frames runs.

``late``, ``undiagnosed`` and the pictures waiting for the pool go into every Snapshot, so
/metrics shows the monitor falling behind (docs/metrics.md).

Every ``monitor.flush_interval`` the changes since the last flush go to the store in one
transaction (a state whose statuses did not move, only its last probes, waits up to
``STATE_REFRESH``) and, when something changed, a new Snapshot replaces the old one: at most
one per ``monitor.snapshot_interval``, and never more often than ``SNAPSHOT_SHARE`` times the
CPU the last one took to build (5,000 cameras cost ~0.3 s on a loaded box). It is built in a
thread from copies taken on the loop, so the probes in flight meanwhile are slowed, not stalled.
Probe counters, last probe results and lags move without any event, so a Snapshot is also
rebuilt once the last is ``SNAPSHOT_MAX_AGE`` old: /metrics never serves them older than that.
At start the stored states are restored, so confirmations in progress and faults carry across a
restart without a burst of false changes; ``frozen`` compares with the stored last sample, read
back (with the reference's) when the camera's next picture is judged.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import time
from collections.abc import Callable, Coroutine
from dataclasses import fields
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from camhealth.camera_registry.credentials import Pair
from camhealth.camera_registry.records import AreaRecord, CameraRecord
from camhealth.camera_registry.store import Registry
from camhealth.config import Settings
from camhealth.health.snapshot import (
    MonitorFacts,
    Snapshot,
    build_snapshot,
    without_credentials,
)
from camhealth.health.state import CameraState
from camhealth.monitor import memory
from camhealth.monitor.cameras import Cameras, Outcome, Watch
from camhealth.monitor.judging import Judged, JudgingPool
from camhealth.monitor.stalls import StallWatch
from camhealth.monitor.store import Batch, MonitorStore, StoredReference
from camhealth.probes.results import ProbeKind, ProbeResult
from camhealth.probes.scheduler import Scheduler
from camhealth.probes.targets import Probers, Watched, watched

log = logging.getLogger(__name__)
PRUNE_SECONDS = 3600.0
# Pictures are diagnosed in worker processes, a few waiting at most. One core stays for the
# event loop and the probes' decode threads.
DIAGNOSIS_WORKERS = max(1, min(4, (os.cpu_count() or 1) - 1))
# Pictures being judged at once: more than the workers, so that a picture's store read and
# its trip to and from a worker overlap another's diagnosis. Each step of that trip waits for
# a turn of the event loop and a thread's turn at the GIL, which at 20,000 cameras are slow:
# with 3 a worker it was idle most of the time (13-21% of a core) while pictures went
# unjudged; with 8 it judged twice as many; with 16, 86% of them (a picture is ~0.35 MB).
JUDGING = 16 * DIAGNOSIS_WORKERS
MAX_WAITING = 4 * DIAGNOSIS_WORKERS  # pictures waiting for the pool
# Frames probes running, pictures waiting and judged: a safety valve (only the waiting and
# judged ones hold a decoded picture), high enough for 20,000 cameras' pictures every 2 minutes.
MAX_PICTURES = 128
SNAPSHOT_SHARE = 20
SNAPSHOT_MAX_AGE = 15.0
# A state whose statuses did not move (only its last probes did) is written this long after
# the first such change at the latest: at 20,000 cameras, writing every result's state cost
# ~5% of the event loop, for facts that a restart learns again within a minute.
STATE_REFRESH = 300.0


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
        self._diagnoser = JudgingPool(DIAGNOSIS_WORKERS)
        self.cameras = Cameras(settings.health, settings.quality, self._diagnoser)
        self.probers = Probers(settings.probes)
        self.looplag = StallWatch()
        self.scheduler = Scheduler(
            settings.probes,
            self.probers.run,
            self._received,
            ready=self._ready,
            stalled=self.looplag.stalled_for,
            late=self._late_received,
            held=self._held_received,
        )
        self.first_cycle = asyncio.Event()  # every watched camera probed once by each kind
        self._queue: asyncio.Queue[tuple[str, ProbeResult, datetime]] = asyncio.Queue()
        self._batch = Batch()
        self._areas: list[AreaRecord] = []
        self._records: dict[str, CameraRecord] = {}
        self._watches: dict[str, Watch] = {}
        # Each camera's targets, with the record and login they were made of: a re-read of
        # an unchanged registry reuses them (making 20,000 took ~0.4 s of the loop).
        self._targets: dict[str, tuple[CameraRecord, Pair, Watched]] = {}
        self._waiting: dict[str, set[ProbeKind]] = {}
        self._snapshot: Snapshot | None = None
        self._changed = True
        self._snapshot_cost = 0.0  # seconds the last Snapshot took to build
        self._tasks: list[asyncio.Task[None]] = []
        self._diagnosing: set[asyncio.Task[None]] = set()
        self._stopping = asyncio.Event()
        self._pictures = 0  # frames probes running, and their pictures until decided
        self._waiting_pictures: dict[str, tuple[ProbeResult, datetime]] = {}
        self._judged_at: dict[str, float] = {}  # loop time each camera's last picture was judged
        self._unwritten: dict[str, float] = {}  # loop time since a camera's probes went unstored
        self.undiagnosed = 0  # pictures decided without being judged (a staler camera's first)
        self.decided = 0  # probe results turned into states, since start
        self.late = 0  # timeouts of ours, not the camera's: not decided

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
        self._spawn(
            self._tick(),
            self._consume(),
            self.looplag.run(),
            self._refresh_every(),
            self._give_memory_back(),
        )
        self.scheduler.refresh(watched_cameras)
        self.scheduler.start()
        log.info("monitoring %d cameras", len(self._watches), extra={"cameras": len(self._watches)})

    async def stop(self) -> None:
        """Stop probing, decide what already arrived, write it, then let go of everything."""
        await self.scheduler.stop()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(10):
                await self._queue.join()
        # Pictures in diagnosis are finished, not cancelled: a cancelled task could leave a
        # reference view's transaction half done (and SQLite locked for the final flush).
        while self._waiting_pictures:
            self._undiagnosed(*self._waiting_pictures.popitem())
        await asyncio.gather(*self._diagnosing, return_exceptions=True)
        # The ticker ends on its own after its last flush: cancelled mid-write, it could not
        # know whether its batch was committed (and would write it twice or lose it).
        self._stopping.set()
        ticker, *others = self._tasks
        for task in others:
            task.cancel()
        await asyncio.gather(ticker, *others, return_exceptions=True)
        self._tasks.clear()
        states = self.cameras.states
        self._batch.states.update({cid: states[cid] for cid in self._unwritten if cid in states})
        await self._flush(self.clock())
        await self.probers.close()
        self._diagnoser.shutdown(wait=True)
        counts = {"decided": self.decided, "late": self.late, "undiagnosed": self.undiagnosed}
        log.info("monitoring stopped", extra=counts)

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
        """The stored states; the stored samples stay in the store, read at each picture."""
        states = await self.store.states()
        self.cameras.restore(states)
        log.info("restored %d camera states", len(states), extra={"restored": len(states)})

    async def _load_registry(self) -> list[Watched]:
        """Read the registry; the cameras to probe (enabled ones), with their credentials."""
        self._areas = await self.registry.list_areas()
        records = await self.registry.list_cameras()
        logins = await self.registry.all_credentials()
        gone = self._records.keys() - {r.id for r in records}
        # Stripped once here, not in every Snapshot (5,000 copies each time).
        self._records = {record.id: without_credentials(record) for record in records}
        for camera_id in gone:
            self.cameras.forget(camera_id)
            self._judged_at.pop(camera_id, None)
            self._unwritten.pop(camera_id, None)
            self._watches.pop(camera_id, None)
            self._waiting.pop(camera_id, None)
            self._targets.pop(camera_id, None)
        if gone:
            await self.store.forget(gone)
            self.probers.forget(gone)
        result = []
        for record in records:
            if not record.enabled:
                continue
            target = self._watched(record, logins.get(record.id, (None, None)))
            result.append(target)
            frames, main = target.targets.get(ProbeKind.frames), target.targets.get(ProbeKind.rtsp)
            sub = frames is not None and main is not None and frames.url != main.url
            if record.id not in self._watches and target.kinds:
                self._waiting[record.id] = set(target.kinds)
            self._watches[record.id] = Watch(record.id, tuple(record.tags), sub)
        self._changed = True
        return result

    def _watched(self, record: CameraRecord, login: Pair) -> Watched:
        """The camera's targets; those made before when its record and login are the same
        (the registry gives back the same frozen record for an unchanged row)."""
        made = self._targets.get(record.id)
        if made is not None and made[0] is record and made[1] == login:
            return made[2]
        target = watched(record, *login, self.settings.probes.timeout)
        self._targets[record.id] = (record, login, target)
        return target

    async def _give_memory_back(self) -> None:
        """Freed memory back to the system every minute (see :mod:`camhealth.monitor.memory`);
        in a thread: walking the heap takes a few ms, and the C call lets go of the GIL."""
        while True:
            await asyncio.sleep(memory.TRIM_SECONDS)
            await asyncio.to_thread(memory.give_back)

    async def _refresh_every(self) -> None:
        while True:
            await asyncio.sleep(self.settings.monitor.refresh_interval)
            try:
                self.scheduler.refresh(await self._load_registry())
            except Exception:  # a registry hiccup must not stop the monitor
                log.exception("re-reading the registry failed; keeping the cameras watched")

    # -- deciding -----------------------------------------------------------------------------

    def _ready(self, kind: ProbeKind) -> bool:
        """Whether a probe of ``kind`` may start; a frames probe takes its picture's place
        now (the scheduler dispatches it at once), not when its task first runs."""
        if kind is not ProbeKind.frames:
            return True
        if self._pictures >= MAX_PICTURES:
            return False
        self._pictures += 1
        return True

    def _received(self, camera_id: str, result: ProbeResult) -> None:
        """Every dispatched frames probe ends here or in ``_late_received``, run or not: its
        place is freed now when it brought no picture, else once the picture is decided."""
        if result.kind is ProbeKind.frames and not _has_picture(result):
            self._release_picture()
        self._queue.put_nowait((camera_id, result, self.clock()))

    def _late_received(self, camera_id: str, result: ProbeResult) -> None:
        """A timeout of ours (see the module's docstring): probed, if inconclusively."""
        if result.kind is ProbeKind.frames:
            self._release_picture()  # a timeout brings no picture
        self.late += 1
        self._count(camera_id, result.kind)
        log.debug(
            "%s %s timed out on our side; not counted against the camera",
            camera_id,
            result.kind.value,
            extra={"camera": camera_id, "probe": result.kind.value},
        )

    def _held_received(self, camera_id: str, result: ProbeResult) -> None:
        """Not sent (its login is paused): no sample, but the camera had its turn."""
        if result.kind is ProbeKind.frames:
            self._release_picture()
        self._count(camera_id, result.kind)

    def _release_picture(self) -> None:
        self._pictures -= 1
        self.scheduler.wake()

    async def _consume(self) -> None:
        while True:
            camera_id, result, at = await self._queue.get()
            try:
                if _has_picture(result):
                    self._picture(camera_id, result, at)
                else:
                    self._decide(camera_id, result, at, None)
            except Exception:  # one camera's bad result must not stop the others
                log.exception("deciding a probe result failed", extra={"camera": camera_id})
            finally:
                self._queue.task_done()

    def _picture(self, camera_id: str, result: ProbeResult, at: datetime) -> None:
        """Judge the picture now if the pool has room; else let it wait, in place of the
        waiting picture of the camera judged most recently if too many wait."""
        if len(self._diagnosing) < JUDGING:
            self._start_judging(camera_id, result, at)
            return
        older = self._waiting_pictures.pop(camera_id, None)
        if older is not None:
            self._undiagnosed(camera_id, older)  # this camera's newer picture replaces it
        self._waiting_pictures[camera_id] = (result, at)
        if len(self._waiting_pictures) > MAX_WAITING:
            freshest = max(self._waiting_pictures, key=self._last_judged)
            self._undiagnosed(freshest, self._waiting_pictures.pop(freshest))

    def _last_judged(self, camera_id: str) -> float:
        return self._judged_at.get(camera_id, -math.inf)

    def _undiagnosed(self, camera_id: str, picture: tuple[ProbeResult, datetime]) -> None:
        self.undiagnosed += 1
        self._release_picture()
        self._decide(camera_id, picture[0], picture[1], None)

    def _start_judging(self, camera_id: str, result: ProbeResult, at: datetime) -> None:
        self._judged_at[camera_id] = asyncio.get_running_loop().time()
        task = asyncio.get_running_loop().create_task(self._diagnosed(camera_id, result, at))
        self._diagnosing.add(task)
        task.add_done_callback(self._diagnosing.discard)

    async def _diagnosed(self, camera_id: str, result: ProbeResult, at: datetime) -> None:
        try:
            await self._judge(camera_id, result, at)
        finally:
            self._release_picture()
            self._diagnosing.discard(asyncio.current_task())
            if self._waiting_pictures:  # the camera judged longest ago goes next
                stalest = min(self._waiting_pictures, key=self._last_judged)
                self._start_judging(stalest, *self._waiting_pictures.pop(stalest))

    async def _judge(self, camera_id: str, result: ProbeResult, at: datetime) -> None:
        watch = self._watches.get(camera_id)
        if watch is None or result.frame is None:
            return
        try:
            # The last sample and the reference's, read now (one query), not kept in memory.
            kept = await self.store.kept(camera_id, self._batch)
            reference = kept.reference
            if kept.outdated:  # an operator's new reference, or the first since an upgrade
                stored = await self.registry.get_reference(camera_id)
                if stored is not None:
                    reference = await self.cameras.packed_reference(stored[0])
                    converted = StoredReference(camera_id, stored[1], reference or b"")
                    self._batch.references[camera_id] = converted
            judged = await self.cameras.diagnose(watch, result.frame, kept.previous, reference)
            jpeg = self._decide(camera_id, result, at, judged)
            if jpeg is not None:
                await self.registry.set_reference(camera_id, jpeg, at)
                taken = StoredReference(camera_id, at, judged.packed)
                self._batch.references[camera_id] = taken
                log.info("reference view taken", extra={"camera": camera_id})
        except Exception:
            log.exception("diagnosing a picture failed", extra={"camera": camera_id})

    def _decide(
        self, camera_id: str, result: ProbeResult, at: datetime, judged: Judged | None
    ) -> bytes | None:
        """Step the camera's state; a new reference view to keep, if one was taken."""
        watch, record = self._watches.get(camera_id), self._records.get(camera_id)
        if watch is None or record is None:
            return None  # removed from the registry while it was probed
        outcome = self.cameras.observe(watch, result, at, record.in_maintenance(at), judged)
        self._keep(camera_id, outcome, at)
        self._count(camera_id, result.kind)
        return outcome.reference

    def _keep(self, camera_id: str, outcome: Outcome, at: datetime) -> None:
        batch = self._batch
        self._keep_state(camera_id, outcome)
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

    def _keep_state(self, camera_id: str, outcome: Outcome) -> None:
        """Write a state whose statuses moved now; one that only probed, ``STATE_REFRESH``
        later (and at stop): a crash loses no status, streak or fault, only last probe times."""
        now = asyncio.get_running_loop().time()
        since = self._unwritten.setdefault(camera_id, now)
        if outcome.moved or now - since >= STATE_REFRESH:
            self._batch.states[camera_id] = outcome.state
            del self._unwritten[camera_id]

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
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), config.flush_interval)
            now, mono = self.clock(), time.monotonic()
            # A Snapshot's build takes CPU (and the GIL) from the probes: at most 1/SNAPSHOT_SHARE.
            spacing = max(config.snapshot_interval, SNAPSHOT_SHARE * self._snapshot_cost)
            due = self._changed or mono - last_snapshot >= SNAPSHOT_MAX_AGE
            if due and mono - last_snapshot >= spacing:
                await self._publish_off_loop(now)
                last_snapshot = mono
            # Until every camera has been probed the indicators are partly guesses: not history.
            recording = self.first_cycle.is_set()
            if recording and mono - last_history >= config.history_interval:
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
        """Build a Snapshot of now and make it the one readers get (on the loop: at start)."""
        self._snapshot = self._build(self._snapshot_inputs(now or self.clock()))

    async def _publish_off_loop(self, now: datetime) -> None:
        """The same, built in a thread: at 20,000 cameras a build takes ~0.5-1 s of CPU, which
        on the loop is a stall of every probe in flight; the thread shares the GIL with the
        loop in slices of milliseconds instead (the same CPU, spread out)."""
        inputs = self._snapshot_inputs(now)
        self._snapshot = await asyncio.to_thread(self._build, inputs)

    def _snapshot_inputs(self, now: datetime) -> _Inputs:
        """Copies of what a Snapshot is made of, taken on the loop (the build may run in a
        thread); changes arriving after this call make the next one due."""
        self._changed = False
        stats = self.scheduler.stats
        monitor = MonitorFacts(
            schedule_lag_seconds=stats.lag_quantile(0.99),
            event_loop_lag_seconds=self.looplag.take_worst(),
            probes_total=tuple(
                (ProbeKind(kind), label, count)
                for (kind, label), count in sorted(stats.results.items())
            ),
            pictures_undiagnosed=self.undiagnosed,
            diagnosis_queue_pictures=len(self._waiting_pictures),
        )
        states = {cid: s for cid, s in self.cameras.states.items() if cid in self._records}
        return now, list(self._areas), list(self._records.values()), states, monitor

    def _build(self, inputs: _Inputs) -> Snapshot:
        started = time.thread_time()
        snapshot = build_snapshot(*inputs)
        self._snapshot_cost = time.thread_time() - started
        return snapshot


_Inputs = tuple[
    datetime, list[AreaRecord], list[CameraRecord], dict[str, CameraState], MonitorFacts
]


def _has_picture(result: ProbeResult) -> bool:
    """A picture of the camera to judge (a platform check's relayed keyframe is not one)."""
    return result.kind is ProbeKind.frames and result.ok and result.frame is not None


def _merged(older: Batch, newer: Batch) -> Batch:
    """A batch that failed to write, with what arrived since: per-camera entries newest wins,
    lists appended. Every field of Batch, so a new one cannot be dropped on a retry."""
    for name in (f.name for f in fields(Batch)):
        kept, arrived = getattr(older, name), getattr(newer, name)
        if isinstance(kept, dict):
            kept.update(arrived)
        else:
            kept += arrived
    return older
