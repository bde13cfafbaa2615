"""The probe scheduler: who is probed when, how many at once, and what one bad camera may cost.

Rules (issue 4, item 6):
- Each (camera, kind) has its own interval (``ProbesConfig``); the first run is placed at a
  stable hash-derived phase within the interval, so a fleet's probes spread evenly instead of
  bunching at start-up, and each later run gets a little jitter (``JITTER`` of the interval).
- The next run of a (camera, kind) is scheduled only when the previous one finished, so two
  probes of one kind never run on one camera at once.
- Global semaphores limit probes in flight: ``concurrency`` for the ONVIF and RTSP probes and
  ``picture_concurrency`` for the frames probes and platform checks, so that these (one due for
  every five of the others at the defaults, and each holding a picture place from dispatch) never
  queue behind a backlog of reachability probes; a per-host one limits them per host contacted:
  the camera's host (an NVR serves many channels; many cameras accept only 1-2 RTSP sessions)
  and, for ``platform`` checks, the platform's host with its own larger limit
  (``platform_concurrency``; a platform check also holds its camera's host slot, for its direct
  side, and takes it first: waiting for a slow NVR's slot it holds none of the platform's). A
  probe waiting for a host's slot does not hold a global slot.
- Every probe has a hard deadline (its target's timeout, plus the decode allowance for frames,
  enforced again here as a safety net): a hung camera costs its timeout and nothing else.
- A camera that keeps failing is probed less often: after the second failure in a row the
  interval doubles per failure, capped at ``max_backoff`` (5 min) or the kind's own interval if
  that is longer, so a recovery is seen within 5 minutes. One success resets it.
- A refused login (``auth_failed``) pauses the probes of the camera that log in to the same
  service with the same credentials (``service``: ONVIF alone, RTSP and frames together, the
  platform alone: ONVIF users are often not the RTSP users, and the platform has its own), so a
  wrong password never has several kinds hammering one account. While paused, a due probe is
  not sent: it is ``held`` (an ``auth_failed`` "not tried" result to the ``held`` sink, counted
  as the result ``held``), which is no sample of the camera and leaves its backoff alone. The
  pause doubles per refusal (from the shortest interval, capped at ``max_backoff``, so a fixed
  password is seen within 5 minutes); when it ends, one probe tries the login again (the
  service's probes are due again at the pause's end, not a backoff later) while the others
  keep waiting. A success clears it; new credentials in the registry start afresh.
- ``refresh`` re-reads the watched cameras (the registry) without a restart: new cameras are
  placed at their phase, removed ones dropped, changed ones probed with their new targets.
- ``stop`` stops dispatching, lets running probes finish for ``grace`` seconds, then cancels.
- Probes only read (no PTZ, no settings), and a failure never triggers an immediate retry.
- Backpressure: a run of a kind the consumer is not ``ready`` for (pictures while the diagnosis
  is behind) is parked in the kind's waiting line, neither run nor failed, until the consumer
  calls ``wake`` (a picture was released; the line is also tried every ``DEFER`` seconds, one
  ``ready`` call a kind). It keeps its due time, so the schedule lag shows the wait.
- Every dispatched run delivers exactly one result: a probe that raises (a bug, an exception
  type the probe does not expect) is logged, redacted, and reported as ``protocol_error``.
- A timeout caused by the monitor, not the camera, is ``late``: the backstop fired (our decode
  or event loop overran the probe's own deadline), or the event loop was ``stalled`` for at
  least ``SLACK`` of the probe's timeout while it ran (its answer may have been waiting unread;
  a shorter stall left a camera that answers enough time), or the probe itself says it timed
  out in a step of ours (``monitor_late``: our decode pool was too busy). A late probe is no
  sample of the
  camera: it goes to the ``late`` sink instead of ``sink``, counts as the result ``late`` (not
  ``timeout``), and leaves the camera's backoff as it was, so an overloaded monitor neither
  reports nor backs off from cameras that answered.

Schedule lag is the time from a run's due time to its start; it is kept for the
``camhealth_schedule_lag_seconds`` metric and the benchmark's p99.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import random
import time
import traceback
import zlib
from collections import Counter, defaultdict, deque
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field

from camhealth.config import ProbesConfig
from camhealth.probes.auth import Credentials
from camhealth.probes.frames import DECODE_SECONDS
from camhealth.probes.redact import redact
from camhealth.probes.results import FailureCode, ProbeKind, ProbeResult
from camhealth.probes.steps import monitor_late
from camhealth.probes.targets import Watched

log = logging.getLogger(__name__)

JITTER = 0.05  # of the interval, either way
DEFER = 0.5  # seconds between tries of a parked kind's line when nobody calls ``wake``
SLACK = 0.5  # of a probe's timeout: the loop stalled this long made a timeout ours (late)
LAG_SAMPLES = 100_000
Runner = Callable[[ProbeKind, Watched], Awaitable[ProbeResult]]
Sink = Callable[[str, ProbeResult], None]
Ready = Callable[[ProbeKind], bool]
Stalled = Callable[[float], float]  # seconds the event loop stalled since this loop time
LATE = "late"  # the result label of a late probe: the monitor's fault, not a failure code
HELD = "held"  # the result label of a probe held back by a refused login: not sent
PICTURE_KINDS = frozenset({ProbeKind.frames, ProbeKind.platform})  # their own global limit


def intervals(config: ProbesConfig) -> dict[ProbeKind, float]:
    return {
        ProbeKind.onvif: config.onvif_interval,
        ProbeKind.rtsp: config.rtsp_interval,
        ProbeKind.frames: config.frames_interval,
        ProbeKind.platform: config.platform_interval,
    }


def phase(camera_id: str, kind: ProbeKind, interval: float) -> float:
    """A stable offset in [0, interval): the same camera keeps its slot across restarts."""
    return zlib.crc32(f"{camera_id}/{kind}".encode()) / 2**32 * interval


@dataclass
class _Slot:
    """The schedule state of one (camera, kind)."""

    failures: int = 0
    running: bool = False
    due: float = 0.0  # of its one live entry (the heap or a parked line); others are stale


@dataclass
class _Login:
    """Refusals in a row of one camera's credentials, shared by the kinds that send them."""

    refusals: int = 0
    paused_until: float = 0.0
    tester: ProbeKind | None = None  # the probe trying the login again after a pause
    refused_by: ProbeKind | None = None

    def claim_turn(self, kind: ProbeKind, now: float) -> str | None:
        """Make ``kind`` the probe trying the login again, if the pause is over and no other
        probe is trying it; else why ``kind`` must wait."""
        if now < self.paused_until:
            return f"next try in {self.paused_until - now:.0f} s"
        if self.tester is not None:
            return f"the {self.tester} probe is trying it again"
        self.tester = kind
        return None


LoginKey = tuple[str, str, Credentials]  # camera id, service, credentials


def service(kind: ProbeKind) -> str:
    """The account a probe logs in to: the RTSP server's serves the frames probe too."""
    return ProbeKind.rtsp.value if kind is ProbeKind.frames else kind.value


def login_key(camera: Watched, kind: ProbeKind) -> LoginKey | None:
    credentials = camera.targets[kind].credentials
    return (camera.id, service(kind), credentials) if credentials.present else None


def _current(key: LoginKey, cameras: dict[str, Watched]) -> bool:
    """Whether a camera still sends these credentials to this service."""
    camera = cameras.get(key[0], _NONE)
    return any(login_key(camera, kind) == key for kind in camera.targets)


def scheduler_result(
    camera: Watched,
    kind: ProbeKind,
    failure: FailureCode,
    detail: str,
    started_at: float | None = None,
    duration: float = 0.0,
) -> ProbeResult:
    """A result the scheduler made itself: the probe was not sent, overran or crashed."""
    started = time.time() if started_at is None else started_at
    return ProbeResult(kind, camera.id, started, duration, failure=failure, detail=detail)


@dataclass
class ScheduleStats:
    lags: deque[float] = field(default_factory=lambda: deque(maxlen=LAG_SAMPLES))
    results: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, result label)

    def lag_quantile(self, q: float) -> float:
        if not self.lags:
            return 0.0
        ordered = sorted(self.lags)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class Scheduler:
    """Runs every watched camera's probes on schedule; results go to ``sink``."""

    def __init__(
        self,
        config: ProbesConfig,
        runner: Runner,
        sink: Sink,
        max_backoff: float = 300.0,
        grace: float = 5.0,
        ready: Ready = lambda kind: True,
        stalled: Stalled = lambda started: 0.0,
        late: Sink = lambda camera_id, result: None,
        held: Sink = lambda camera_id, result: None,
    ) -> None:
        self.config = config
        self._runner, self._ready, self._stalled = runner, ready, stalled
        self._sinks = {None: sink, LATE: late, HELD: held}
        self._intervals = intervals(config)
        self._max_backoff, self._grace = max_backoff, grace
        self._cameras: dict[str, Watched] = {}
        self._slots: dict[tuple[str, ProbeKind], _Slot] = {}
        self._heap: list[tuple[float, int, str, ProbeKind]] = []
        self._parked: defaultdict[ProbeKind, deque[tuple[float, str]]] = defaultdict(deque)
        self._counter = 0
        self._wakeup = asyncio.Event()
        reachability = asyncio.Semaphore(config.concurrency)
        pictures = asyncio.Semaphore(config.picture_concurrency)
        self._global = {
            kind: pictures if kind in PICTURE_KINDS else reachability for kind in ProbeKind
        }
        # Cameras allow one or two RTSP sessions (the RTSP and frames probes', the platform's
        # relay); ONVIF's HTTP requests have slots of their own. Shared, a camera's ONVIF and
        # RTSP probes queued for global slots at start held both, and its frames probe waited.
        self._hosts = HostLimits(config.per_host)
        self._onvif_hosts = HostLimits(config.per_host)
        self._platforms = HostLimits(config.platform_concurrency)
        self._logins: dict[LoginKey, _Login] = {}
        self._login_pause = min(self._intervals.values())
        self._tasks: set[asyncio.Task[None]] = set()
        self._dispatcher: asyncio.Task[None] | None = None
        self.stats = ScheduleStats()

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        self._dispatcher = asyncio.get_running_loop().create_task(self._dispatch())

    async def stop(self) -> None:
        """Stop dispatching; give running probes ``grace`` seconds, then cancel them."""
        if self._dispatcher is not None:
            self._dispatcher.cancel()
            await asyncio.gather(self._dispatcher, return_exceptions=True)
            self._dispatcher = None
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=self._grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    @property
    def in_flight(self) -> int:
        return len(self._tasks)

    # ------------------------------------------------------------ the watched cameras

    def refresh(self, cameras: Iterable[Watched]) -> None:
        """Replace the watched set: new cameras are placed, removed ones dropped."""
        now = asyncio.get_running_loop().time()
        fresh = {camera.id: camera for camera in cameras}
        before = self._cameras
        for key in [k for k in self._slots if k[1] not in fresh.get(k[0], _NONE).targets]:
            if not self._slots[key].running:
                del self._slots[key]
        self._cameras = fresh
        # Gone cameras and replaced credentials: an old entry would keep the old password.
        self._logins = {k: v for k, v in self._logins.items() if _current(k, fresh)}
        for camera in fresh.values():
            for kind in camera.kinds:
                slot = self._slots.get((camera.id, kind))
                if slot is None:
                    self._slots[(camera.id, kind)] = _Slot()
                    self._push(now + phase(camera.id, kind, self._intervals[kind]), camera.id, kind)
                elif slot.failures and before.get(camera.id, camera).targets.get(kind) not in (
                    None,
                    camera.targets[kind],
                ):  # new credentials or URL for a failing camera: backoff forgotten, try now
                    slot.failures = 0
                    if not slot.running:
                        self._push(now, camera.id, kind)
        self._wakeup.set()

    def _push(self, due: float, camera_id: str, kind: ProbeKind) -> None:
        self._slots[(camera_id, kind)].due = due
        self._counter += 1
        heapq.heappush(self._heap, (due, self._counter, camera_id, kind))

    # ------------------------------------------------------------ dispatching

    def wake(self) -> None:
        """The consumer may be ready again (a picture was released): try the parked runs."""
        self._wakeup.set()

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._heap or self._heap[0][0] > loop.time():
                self._unpark()
                until_due = self._heap[0][0] - loop.time() if self._heap else math.inf
                retry = DEFER if any(self._parked.values()) else math.inf
                seconds = min(until_due, retry)
                await self._wait(None if seconds == math.inf else seconds)
                continue
            due, _, camera_id, kind = heapq.heappop(self._heap)
            if self._parked[kind] or not self._launch(due, camera_id, kind):
                self._parked[kind].append((due, camera_id))  # in line behind the older ones

    def _unpark(self) -> None:
        """Start parked runs, oldest first, while the consumer is ready for their kind."""
        for kind, parked in self._parked.items():
            while parked and self._launch(*parked[0], kind):
                parked.popleft()

    def _launch(self, due: float, camera_id: str, kind: ProbeKind) -> bool:
        """Start a run unless the consumer is not ready for its kind (False: it waits)."""
        slot = self._slots.get((camera_id, kind))
        camera = self._cameras.get(camera_id)
        if slot is None or camera is None or kind not in camera.targets:
            self._slots.pop((camera_id, kind), None)  # removed since it was scheduled
            return True
        if slot.due != due or slot.running:
            return True  # rescheduled since (see ``refresh``)
        if not self._ready(kind):
            return False
        slot.running = True
        task = asyncio.get_running_loop().create_task(self._run(camera, kind, slot, due))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    async def _wait(self, seconds: float | None) -> None:
        self._wakeup.clear()
        try:
            async with asyncio.timeout(seconds):
                await self._wakeup.wait()
        except TimeoutError:
            pass

    async def _run(self, camera: Watched, kind: ProbeKind, slot: _Slot, due: float) -> None:
        outcome: tuple[ProbeResult, str | None] | None = None
        try:
            outcome = await self._attempt(camera, kind, due)
        finally:
            slot.running = False
            if outcome is not None:
                self._record(camera, kind, slot, *outcome)
            if kind in self._cameras.get(camera.id, _NONE).targets:
                self._push(self._next_due(due, camera, kind, slot), camera.id, kind)
                self._wakeup.set()
            else:
                self._slots.pop((camera.id, kind), None)  # removed while it ran

    async def _attempt(
        self, camera: Watched, kind: ProbeKind, due: float
    ) -> tuple[ProbeResult, str | None]:
        """The run's result and where it goes: None (a sample of the camera), LATE or HELD."""
        held = self._not_tried(camera, kind)
        if held is not None:
            return held, HELD
        result: ProbeResult | None = None
        try:
            # The camera's host first: a platform check waiting for a slow NVR's slot must not
            # sit on one of the platform's few slots.
            platform = _NO_SLOT
            if kind is ProbeKind.platform:
                platform = self._platforms.slot(camera.host_of(kind))
            hosts = self._onvif_hosts if kind is ProbeKind.onvif else self._hosts
            async with hosts.slot(camera.host), platform, self._global[kind]:
                self.stats.lags.append(max(0.0, asyncio.get_running_loop().time() - due))
                result, late = await self._probe(camera, kind)
        finally:  # a tester that was cancelled must not hold the login
            self._note_login(camera, kind, result)
        return result, LATE if late else None

    def _not_tried(self, camera: Watched, kind: ProbeKind) -> ProbeResult | None:
        """The result of a probe held back by its camera's refused login, or None to send it."""
        key = login_key(camera, kind)
        login = self._logins.get(key) if key is not None else None
        why = login.claim_turn(kind, asyncio.get_running_loop().time()) if login else None
        if login is None or why is None:
            return None
        detail = (
            f"not tried: the {login.refused_by} probe's login was refused "
            f"{login.refusals} time(s) in a row; {why}"
        )
        return scheduler_result(camera, kind, FailureCode.auth_failed, detail)

    async def _probe(self, camera: Watched, kind: ProbeKind) -> tuple[ProbeResult, bool]:
        """The probe's result, and whether it is late (see the module doc)."""
        target = camera.targets[kind]
        # The probe keeps its own deadline; this backstop leaves room for its cleanup.
        decodes = kind in (ProbeKind.frames, ProbeKind.platform)  # platform: every Nth
        allowance = target.timeout + (DECODE_SECONDS if decodes else 0.0) + 3.0
        started_at, started = time.time(), asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout(allowance) as backstop:
                result = await self._runner(kind, camera)
        except Exception as error:  # every run delivers a result, or its picture place leaks
            took = asyncio.get_running_loop().time() - started
            if isinstance(error, TimeoutError) and backstop.expired():
                overran = "the probe overran its deadline"
                return scheduler_result(
                    camera, kind, FailureCode.timeout, overran, started_at, took
                ), True
            return self._crashed(camera, kind, error, started_at, took), False
        if result.failure is not FailureCode.timeout:
            return result, False
        return result, monitor_late(result) or self._stalled(started) >= SLACK * target.timeout

    def _crashed(
        self, camera: Watched, kind: ProbeKind, error: Exception, started_at: float, took: float
    ) -> ProbeResult:
        secrets = camera.targets[kind].credentials.secrets
        log.error(
            "the %s probe of %s crashed:\n%s",
            kind.value,
            camera.id,
            redact("".join(traceback.format_exception(error)), secrets),
            extra={"camera": camera.id, "probe": kind.value},
        )
        detail = redact(f"the probe crashed: {type(error).__name__}: {error}", secrets)
        return scheduler_result(camera, kind, FailureCode.protocol_error, detail, started_at, took)

    def _record(
        self, camera: Watched, kind: ProbeKind, slot: _Slot, result: ProbeResult, route: str | None
    ) -> None:
        if route is None:  # a late or held probe tells nothing about the camera: backoff stays
            slot.failures = 0 if result.ok else slot.failures + 1
        self.stats.results[(kind.value, route or result.result_label)] += 1
        try:
            self._sinks[route](camera.id, result)
        except Exception:  # one consumer's bug must not stop the schedule
            log.exception("probe result sink failed for camera %s", camera.id)

    def _note_login(self, camera: Watched, kind: ProbeKind, result: ProbeResult | None) -> None:
        """What a probe that was sent tells about its camera's login (None: it never ended)."""
        key = login_key(camera, kind)
        if key is None:
            return
        login = self._logins.get(key)
        if result is not None and result.failure is FailureCode.auth_failed:
            login = self._logins.setdefault(key, _Login())
            login.refusals += 1
            pause = self._login_pause * 2 ** min(login.refusals - 1, 16)
            login.paused_until = asyncio.get_running_loop().time() + min(pause, self._max_backoff)
            login.tester, login.refused_by = None, kind
        elif login is not None and result is not None and result.ok:
            del self._logins[key]
        elif login is not None and login.tester is kind:
            login.tester = None  # no verdict on the login (e.g. a timeout): the next one tries

    def _next_due(self, due: float, camera: Watched, kind: ProbeKind, slot: _Slot) -> float:
        interval = self._intervals[kind]
        if slot.failures >= 2:
            cap = max(interval, self._max_backoff)
            interval = min(cap, interval * 2 ** min(slot.failures - 1, 16))
        now = asyncio.get_running_loop().time()
        next_due = due + interval * (1 + random.uniform(-JITTER, JITTER))
        next_due = next_due if next_due > now else now + random.uniform(0, JITTER * interval)
        # A paused login is tried again when its pause ends, not at the backoff's next turn
        # after that: the two grow alike, and a turn falling just before the pause's end was
        # held and waited a whole backoff more (a fixed password seen after 10 min, not 5).
        key = login_key(camera, kind)
        login = self._logins.get(key) if key is not None else None
        if login is not None and login.tester is None and login.paused_until > now:
            retry = login.paused_until + random.uniform(0, JITTER * self._intervals[kind])
            return min(next_due, retry)
        return next_due


class HostLimits:
    """At most ``per_host`` probes in flight per host; a host's semaphore lives while in use."""

    def __init__(self, per_host: int) -> None:
        self._per_host = per_host
        self._hosts: dict[str, tuple[asyncio.Semaphore, int]] = {}

    def slot(self, host: str) -> _HostSlot:
        """``async with limits.slot(host):`` a class, not a generator: every probe takes
        one, and a generator-based context manager costs several times more."""
        return _HostSlot(self, host)

    async def _acquire(self, host: str) -> None:
        semaphore, users = self._hosts.get(host) or (asyncio.Semaphore(self._per_host), 0)
        self._hosts[host] = (semaphore, users + 1)
        try:
            await semaphore.acquire()
        except BaseException:  # cancelled while waiting: no slot taken
            self._leave(host)
            raise

    def _release(self, host: str) -> None:
        self._hosts[host][0].release()
        self._leave(host)

    def _leave(self, host: str) -> None:
        semaphore, users = self._hosts[host]
        if users <= 1:
            del self._hosts[host]  # idle hosts cost nothing
        else:
            self._hosts[host] = (semaphore, users - 1)

    def __len__(self) -> int:
        return len(self._hosts)


class _HostSlot:
    __slots__ = ("_host", "_limits")

    def __init__(self, limits: HostLimits, host: str) -> None:
        self._limits, self._host = limits, host

    async def __aenter__(self) -> None:
        await self._limits._acquire(self._host)

    async def __aexit__(self, *exc: object) -> None:
        self._limits._release(self._host)


_NONE = Watched(id="", host="", targets={})
_NO_SLOT: AbstractAsyncContextManager[None] = nullcontext()
