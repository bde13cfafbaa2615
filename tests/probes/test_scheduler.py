"""Scheduling rules with short intervals and a probe runner that only takes time.

The runner here stands in for the probes (tested on their own against the simulator) so that
spread, limits, overlap, backoff and shutdown can be watched exactly; test_fleet.py runs the
scheduler with the real probes against a simulated fleet.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from camhealth.config import ProbesConfig
from camhealth.probes.auth import Credentials
from camhealth.probes.results import FailureCode, ProbeKind, ProbeResult
from camhealth.probes.scheduler import Scheduler, phase
from camhealth.probes.steps import Target
from camhealth.probes.targets import Watched


def camera(
    index: int, host: str | None = None, kinds: tuple[ProbeKind, ...] = (ProbeKind.rtsp,)
) -> Watched:
    target = Target(f"rtsp://10.0.{index // 250}.{index % 250}/x", timeout=1.0)
    return Watched(f"cam-{index}", host or f"h{index}", {kind: target for kind in kinds})


@dataclass
class Runner:
    seconds: float = 0.01
    fail: bool = False
    failure: FailureCode = FailureCode.timeout  # the failure when ``fail``
    starts: dict[tuple[str, ProbeKind], list[float]] = field(
        default_factory=lambda: defaultdict(list)
    )
    running: Counter[str] = field(default_factory=Counter)
    by_host: Counter[str] = field(default_factory=Counter)
    most: int = 0
    most_per_host: int = 0
    overlaps: int = 0

    async def __call__(self, kind: ProbeKind, cam: Watched) -> ProbeResult:
        key = f"{cam.id}/{kind}"
        self.overlaps += self.running[key]
        self.running[key] += 1
        self.by_host[cam.host] += 1
        self.most = max(self.most, sum(self.running.values()))
        self.most_per_host = max(self.most_per_host, self.by_host[cam.host])
        self.starts[(cam.id, kind)].append(time.monotonic())
        try:
            await asyncio.sleep(self.seconds)
        finally:
            self.running[key] -= 1
            self.by_host[cam.host] -= 1
        failure = self.failure if self.fail else None
        return ProbeResult(kind, cam.id, time.time(), self.seconds, failure=failure)


def config(**values: float) -> ProbesConfig:
    defaults = {"rtsp_interval": 1.0, "concurrency": 256, "per_host": 2}
    return ProbesConfig.model_validate(defaults | values)


async def run_for(scheduler: Scheduler, cameras: list[Watched], seconds: float) -> None:
    scheduler.refresh(cameras)
    scheduler.start()
    await asyncio.sleep(seconds)
    await scheduler.stop()


async def test_first_runs_spread_over_the_interval() -> None:
    runner, results = Runner(), []
    scheduler = Scheduler(config(), runner, lambda cam, result: results.append(result))
    started = time.monotonic()
    await run_for(scheduler, [camera(i) for i in range(200)], 0.98)
    assert len(runner.starts) >= 190 and all(len(s) <= 2 for s in runner.starts.values())
    tenths = Counter(int((s[0] - started) * 10) for s in runner.starts.values())
    assert max(tenths.values()) < 40  # 20 per 100 ms on average; no bunching
    assert len(results) >= 190
    assert scheduler.stats.lag_quantile(0.99) < 0.1


def test_phase_is_stable_and_in_range() -> None:
    assert phase("cam-1", ProbeKind.rtsp, 60) == phase("cam-1", ProbeKind.rtsp, 60)
    assert 0 <= phase("cam-1", ProbeKind.rtsp, 60) < 60
    assert phase("cam-1", ProbeKind.rtsp, 60) != phase("cam-1", ProbeKind.onvif, 60)


async def test_global_and_per_host_limits() -> None:
    runner = Runner(seconds=0.1)
    scheduler = Scheduler(config(rtsp_interval=0.2, concurrency=5, per_host=2), runner, print)
    cameras = [camera(i, host=f"nvr{i % 3}") for i in range(30)]
    await run_for(scheduler, cameras, 1.0)
    assert runner.most <= 5 and runner.most_per_host <= 2
    assert runner.most == 5  # the limit is reached, not just respected by idleness


async def test_a_slow_probe_never_overlaps_itself() -> None:
    runner = Runner(seconds=0.35)
    scheduler = Scheduler(config(rtsp_interval=0.1), runner, lambda *_: None)
    await run_for(scheduler, [camera(1)], 1.3)
    starts = runner.starts[("cam-1", ProbeKind.rtsp)]
    assert runner.overlaps == 0 and 3 <= len(starts) <= 4


async def test_failing_camera_backs_off_up_to_the_cap() -> None:
    runner = Runner(fail=True)
    scheduler = Scheduler(config(rtsp_interval=0.05), runner, lambda *_: None, max_backoff=0.2)
    await run_for(scheduler, [camera(1)], 1.6)
    starts = runner.starts[("cam-1", ProbeKind.rtsp)]
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert gaps[0] < 0.1 and max(gaps) < 0.2 * 1.05 + 0.05  # capped: recovery is seen in time
    assert min(gaps[-3:]) > 0.15  # backed off
    assert scheduler.stats.results[("rtsp", "timeout")] == len(starts)


async def test_registry_changes_are_picked_up() -> None:
    runner = Runner()
    scheduler = Scheduler(config(rtsp_interval=0.1), runner, lambda *_: None)
    scheduler.refresh([camera(1), camera(2)])
    scheduler.start()
    await asyncio.sleep(0.35)
    scheduler.refresh([camera(2), camera(3)])  # 1 removed, 3 added
    removed_at = len(runner.starts[("cam-1", ProbeKind.rtsp)])
    await asyncio.sleep(0.4)
    await scheduler.stop()
    assert len(runner.starts[("cam-1", ProbeKind.rtsp)]) == removed_at
    assert len(runner.starts[("cam-3", ProbeKind.rtsp)]) >= 2
    assert len(runner.starts[("cam-2", ProbeKind.rtsp)]) >= 6


async def test_stop_cancels_hung_probes_after_the_grace() -> None:
    runner = Runner(seconds=100)
    scheduler = Scheduler(config(rtsp_interval=0.01), runner, lambda *_: None, grace=0.2)
    scheduler.refresh([camera(i) for i in range(20)])
    scheduler.start()
    await asyncio.sleep(0.1)
    assert scheduler.in_flight == 20
    started = time.monotonic()
    await scheduler.stop()
    assert time.monotonic() - started < 0.5 and scheduler.in_flight == 0


async def test_a_probe_ignoring_its_deadline_is_stopped_and_reported_late() -> None:
    """The backstop firing is the monitor's fault: reported late, not as the camera's."""
    runner, results, late = Runner(seconds=100), [], []
    cam = Watched("cam-1", "h", {ProbeKind.rtsp: Target("rtsp://h/x", timeout=0.1)})
    scheduler = Scheduler(
        config(rtsp_interval=0.01),
        runner,
        lambda c, r: results.append(r),
        grace=0.1,
        late=lambda c, r: late.append(r),
    )
    await run_for(scheduler, [cam], 3.4)  # the backstop: timeout + 3 s
    assert not results and late and late[0].failure == FailureCode.timeout
    assert scheduler.stats.results == Counter({("rtsp", "late"): len(late)})


async def test_timeouts_while_the_loop_stalled_are_late_and_do_not_back_off() -> None:
    runner, results, late, stalls = Runner(fail=True), [], [], []

    def stalled(started: float) -> float:
        stalls.append(started)
        return 10.0  # seconds stalled: more than any probe's slack

    scheduler = Scheduler(
        config(rtsp_interval=0.05),
        runner,
        lambda c, r: results.append(r),
        max_backoff=0.4,
        stalled=stalled,
        late=lambda c, r: late.append(r),
    )
    await run_for(scheduler, [camera(1)], 1.0)
    starts = runner.starts[("cam-1", ProbeKind.rtsp)]
    assert max(b - a for a, b in itertools.pairwise(starts)) < 0.15  # not backed off
    assert not results and len(late) == len(starts) == len(stalls) >= 8
    assert scheduler.stats.results == Counter({("rtsp", "late"): len(starts)})


async def test_a_refusal_while_the_loop_stalled_is_still_the_cameras() -> None:
    """Only a timeout can be the stalled loop's doing; a refused connection is an answer."""
    runner = Runner(fail=True, failure=FailureCode.refused)
    results, late = [], []
    scheduler = Scheduler(
        config(rtsp_interval=0.05),
        runner,
        lambda c, r: results.append(r),
        max_backoff=0.2,
        stalled=lambda started: 10.0,
        late=lambda c, r: late.append(r),
    )
    await run_for(scheduler, [camera(1)], 1.2)
    starts = runner.starts[("cam-1", ProbeKind.rtsp)]
    assert min(b - a for a, b in itertools.pairwise(starts[-3:])) > 0.15  # backed off
    assert not late and len(results) == len(starts)
    assert scheduler.stats.results == Counter({("rtsp", "refused"): len(starts)})


async def test_a_failing_sink_does_not_stop_the_schedule() -> None:
    runner = Runner()

    def sink(camera_id: str, result: ProbeResult) -> None:
        raise RuntimeError("consumer bug")

    scheduler = Scheduler(config(rtsp_interval=0.05), runner, sink)
    await run_for(scheduler, [camera(1)], 0.4)
    assert len(runner.starts[("cam-1", ProbeKind.rtsp)]) >= 4


async def test_a_kind_the_consumer_is_not_ready_for_waits_and_is_not_failed() -> None:
    runner, results = Runner(), []
    ready = {ProbeKind.frames: False}
    kinds = (ProbeKind.rtsp, ProbeKind.frames)
    scheduler = Scheduler(
        config(frames_interval=1.0),
        runner,
        lambda cam, result: results.append(result),
        ready=lambda kind: ready.get(kind, True),
    )
    scheduler.refresh([camera(i, kinds=kinds) for i in range(20)])
    scheduler.start()
    await asyncio.sleep(1.2)
    assert {kind for _, kind in runner.starts} == {ProbeKind.rtsp}  # pictures held back
    ready[ProbeKind.frames] = True
    scheduler.wake()  # as the consumer does when a picture is released
    await asyncio.sleep(0.3)
    await scheduler.stop()
    assert sum(1 for _, kind in runner.starts if kind is ProbeKind.frames) == 20
    assert all(result.ok for result in results)


async def test_a_crashing_login_tester_does_not_hold_the_camera_back() -> None:
    """A refused login, then the probe trying it again crashes: later probes are still sent."""
    calls: list[ProbeKind] = []

    async def runner(kind: ProbeKind, cam: Watched) -> ProbeResult:
        calls.append(kind)
        if len(calls) == 2:
            raise RuntimeError("a probe's bug")
        failure = FailureCode.auth_failed if len(calls) == 1 else None
        return ProbeResult(kind, cam.id, time.time(), 0.01, failure=failure)

    target = Target("rtsp://h/x", Credentials("admin", "secret"), timeout=1.0)
    cam = Watched("cam-1", "h", {ProbeKind.rtsp: target, ProbeKind.onvif: target})
    settings = config(rtsp_interval=0.05, onvif_interval=0.05)
    scheduler = Scheduler(settings, runner, lambda *_: None, max_backoff=0.1)
    await run_for(scheduler, [cam], 1.0)
    assert len(calls) >= 10


async def test_frames_never_queue_behind_a_backlog_of_reachability_probes() -> None:
    """ONVIF/RTSP probes saturating their limit (slow cameras) leave the frames probes their
    own: a frame sample starts when due, not after the reachability backlog."""
    runner = Runner(seconds=0.5)
    reachability = (ProbeKind.onvif, ProbeKind.rtsp)
    busy = [camera(i, kinds=reachability) for i in range(40)]
    pictured = [camera(100 + i, kinds=(ProbeKind.frames,)) for i in range(4)]
    limits = {"onvif_interval": 0.05, "rtsp_interval": 0.05, "frames_interval": 0.3}
    scheduler = Scheduler(
        config(**limits, concurrency=4, picture_concurrency=2), runner, lambda *_: None
    )
    await run_for(scheduler, busy + pictured, 1.5)
    frames = [len(runner.starts[(c.id, ProbeKind.frames)]) for c in pictured]
    assert all(count >= 2 for count in frames)  # each camera's picture taken again and again
    assert runner.most <= 4 + 2


async def test_a_frames_probe_never_waits_behind_its_cameras_queued_reachability_probes() -> None:
    """A camera's ONVIF and RTSP probes waiting for global slots (at start every camera's are
    due at once) take one of its two RTSP session slots between them (ONVIF has its own), so
    its frames probe starts when due."""
    runner, sessions, most = Runner(seconds=0.5), Counter[str](), 0

    async def run(kind: ProbeKind, cam: Watched) -> ProbeResult:
        nonlocal most
        if kind is ProbeKind.onvif:
            return await runner(kind, cam)
        sessions[cam.host] += 1
        most = max(most, sessions[cam.host])
        try:
            return await runner(kind, cam)
        finally:
            sessions[cam.host] -= 1

    kinds = (ProbeKind.onvif, ProbeKind.rtsp, ProbeKind.frames)
    cameras = [camera(i, kinds=kinds) for i in range(40)]
    limits = {"onvif_interval": 0.05, "rtsp_interval": 0.05, "frames_interval": 0.3}
    scheduler = Scheduler(
        config(**limits, concurrency=4, picture_concurrency=64), run, lambda *_: None
    )
    await run_for(scheduler, cameras, 1.5)
    frames = [len(runner.starts[(c.id, ProbeKind.frames)]) for c in cameras]
    # Due about 4 times each in the run; with the ONVIF probe in an RTSP session slot, the
    # 40 cameras had 40-44 frames probes in all, one or none each.
    assert sum(frames) >= 2 * len(cameras) and min(frames) >= 1, sorted(frames)
    assert most == 2  # RTSP sessions per camera: the limit holds


async def test_a_busy_hosts_waiting_probes_hold_no_global_slot() -> None:
    """An NVR whose two slots are taken (hung channels): its other channels' probes wait for
    the NVR without a global slot, so the other cameras keep theirs."""
    runner = Runner(seconds=0.05)
    hung = asyncio.Event()

    async def run(kind: ProbeKind, cam: Watched) -> ProbeResult:
        if cam.host == "nvr":
            await hung.wait()
        return await runner(kind, cam)

    nvr = [camera(i, host="nvr") for i in range(20)]
    others = [camera(100 + i) for i in range(20)]
    scheduler = Scheduler(config(rtsp_interval=0.2, concurrency=8), run, lambda *_: None)
    await run_for(scheduler, nvr + others, 1.0)
    hung.set()
    assert min(len(runner.starts[(c.id, ProbeKind.rtsp)]) for c in others) >= 3, runner.starts
