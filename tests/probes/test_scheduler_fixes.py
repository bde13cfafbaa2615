"""Review fixes: platform slots under a slow NVR, per-service login pauses kept out of the
camera's samples, a probe's crash still delivering a result, parked runs, and late timeouts."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from camhealth.config import ProbesConfig
from camhealth.probes.auth import Credentials
from camhealth.probes.results import FailureCode, Phase, ProbeKind, ProbeResult
from camhealth.probes.scheduler import Scheduler
from camhealth.probes.steps import DECODE, Target
from camhealth.probes.targets import Probers, Watched
from tests.probes.test_scheduler import Runner, camera, config, run_for


async def test_a_slow_nvr_does_not_take_every_platform_slot() -> None:
    """40 channels of one slow NVR (1 session at a time) and 10 cameras of their own, all
    through one platform with 4 slots: the independent cameras still get their checks."""

    class Slow(Runner):
        async def __call__(self, kind: ProbeKind, cam: Watched) -> ProbeResult:
            self.seconds = 1.0 if cam.host == "nvr" else 0.05
            return await super().__call__(kind, cam)

    relay = Target("rtsp://platform.example/x", timeout=1.0)
    nvr = [Watched(f"nvr-{i}", "nvr", {ProbeKind.platform: relay}) for i in range(40)]
    own = [Watched(f"own-{i}", f"h{i}", {ProbeKind.platform: relay}) for i in range(10)]
    runner = Slow()
    settings = config(platform_interval=0.5, per_host=1, platform_concurrency=4)
    await run_for(Scheduler(settings, runner, lambda *_: None, grace=0.1), nvr + own, 3.0)
    checked = {cam for cam, _ in runner.starts if cam.startswith("own-")}
    assert len(checked) == 10


def two_services(password: str = "secret") -> Watched:
    target = Target("rtsp://h/x", Credentials("admin", password), timeout=1.0)
    kinds = (ProbeKind.onvif, ProbeKind.rtsp, ProbeKind.frames)
    return Watched("cam-1", "h", {kind: target for kind in kinds})


async def test_a_refused_onvif_login_does_not_hold_rtsp_and_held_probes_are_no_samples() -> None:
    """ONVIF users are often not the RTSP users: only ONVIF is paused, and its held runs go
    to the ``held`` sink, counted as ``held``, not as the camera's ``auth_failed``."""
    sent: Counter[ProbeKind] = Counter()

    async def runner(kind: ProbeKind, cam: Watched) -> ProbeResult:
        sent[kind] += 1
        failure = FailureCode.auth_failed if kind is ProbeKind.onvif else None
        return ProbeResult(kind, cam.id, time.time(), 0.01, failure=failure)

    results: list[ProbeResult] = []
    held: list[ProbeResult] = []
    settings = config(onvif_interval=0.05, rtsp_interval=0.05, frames_interval=0.05)
    scheduler = Scheduler(
        settings,
        runner,
        lambda _, r: results.append(r),
        max_backoff=10.0,
        held=lambda _, r: held.append(r),
    )
    await run_for(scheduler, [two_services()], 1.0)
    assert sent[ProbeKind.onvif] <= 5  # paused 0.05, 0.1, 0.2, 0.4 s... after each refusal
    assert sent[ProbeKind.rtsp] >= 10 and sent[ProbeKind.frames] >= 10
    assert held and {r.kind for r in held} == {ProbeKind.onvif}
    assert {r.kind for r in results if not r.ok} == {ProbeKind.onvif}
    assert scheduler.stats.results[("onvif", "held")] == len(held)
    assert scheduler.stats.results[("onvif", "auth_failed")] == sent[ProbeKind.onvif]


async def test_new_credentials_drop_the_old_login_entry() -> None:
    async def refuse(kind: ProbeKind, cam: Watched) -> ProbeResult:
        return ProbeResult(kind, cam.id, time.time(), 0.01, failure=FailureCode.auth_failed)

    scheduler = Scheduler(config(rtsp_interval=0.05), refuse, lambda *_: None, max_backoff=10)
    cam = Watched("cam-1", "h", {ProbeKind.rtsp: two_services("old").targets[ProbeKind.rtsp]})
    await run_for(scheduler, [cam], 0.3)
    assert [key[2].password for key in scheduler._logins] == ["old"]
    scheduler.refresh(
        [Watched("cam-1", "h", {ProbeKind.rtsp: two_services("new").targets[ProbeKind.rtsp]})]
    )
    assert not scheduler._logins


async def test_a_probe_raising_an_unexpected_exception_still_delivers_one_result() -> None:
    """Each frames run holds a picture place until its result arrives: a crash must not leak
    it, nor the password in its message."""
    places, results = [2], []

    def ready(kind: ProbeKind) -> bool:
        if places[0] == 0:
            return False
        places[0] -= 1
        return True

    def sink(_: str, result: ProbeResult) -> None:
        places[0] += 1
        results.append(result)

    class DecoderError(Exception):  # like av.FFmpegError or cv2.error: no probe catches it
        pass

    async def runner(kind: ProbeKind, cam: Watched) -> ProbeResult:
        raise DecoderError("rtsp://admin:secret@h/x: invalid data with secret inside")

    cam = two_services()
    cam = Watched(cam.id, cam.host, {ProbeKind.frames: cam.targets[ProbeKind.frames]})
    scheduler = Scheduler(config(frames_interval=0.05), runner, sink, ready=ready)
    await run_for(scheduler, [cam], 0.6)
    assert len(results) >= 3 and places == [2]
    assert all(r.failure is FailureCode.protocol_error for r in results)
    assert "secret" not in results[0].detail and "DecoderError" in results[0].detail


async def test_parked_runs_cost_no_loop_turns_and_keep_their_due_time() -> None:
    """1,000 frames runs waiting for pictures: a few ``ready`` calls, not one per run per
    half second; once woken, the lag counts from the original due time."""
    calls, open_ = [0], [False]

    def ready(kind: ProbeKind) -> bool:
        calls[0] += 1
        return open_[0] or kind is not ProbeKind.frames

    runner = Runner()
    cams = [camera(i, kinds=(ProbeKind.frames,)) for i in range(1000)]
    scheduler = Scheduler(config(frames_interval=0.2), runner, lambda *_: None, ready=ready)
    scheduler.refresh(cams)
    scheduler.start()
    await asyncio.sleep(2.0)
    assert not runner.starts
    before = calls[0]
    await asyncio.sleep(1.0)
    assert calls[0] - before <= 5  # one try a DEFER, not 2,000
    open_[0] = True
    scheduler.wake()
    await asyncio.sleep(0.5)
    await scheduler.stop()
    assert len({cam for cam, _ in runner.starts}) == 1000
    assert min(list(scheduler.stats.lags)[:1000]) > 1.5  # waited 2-3 s since their due time


async def test_a_short_stall_does_not_make_a_timeout_late() -> None:
    """A dead camera under a stall-prone load: 0.2 s stalled in a 1 s probe left the camera
    time to answer, so the timeout is its own; 0.6 s is more than the probe's slack."""
    assert await routes(stalled=0.2) == (True, False)  # the camera's timeouts
    assert await routes(stalled=0.6) == (False, True)  # late


async def routes(stalled: float) -> tuple[bool, bool]:
    """Whether a failing camera's timeouts reached the sink, and the late sink."""
    results: list[ProbeResult] = []
    late: list[ProbeResult] = []
    scheduler = Scheduler(
        config(rtsp_interval=0.05),
        Runner(fail=True),
        lambda _, r: results.append(r),
        stalled=lambda started: stalled,
        late=lambda _, r: late.append(r),
    )
    await run_for(scheduler, [camera(1)], 0.3)
    return bool(results), bool(late)


async def test_a_timeout_in_our_own_decode_is_late() -> None:
    late: list[ProbeResult] = []

    async def busy_pool(kind: ProbeKind, cam: Watched) -> ProbeResult:
        phases = (Phase("describe", 0.01), Phase(DECODE, 0.9))
        return ProbeResult(kind, cam.id, time.time(), 1.0, FailureCode.timeout, phases=phases)

    cam = camera(1, kinds=(ProbeKind.frames,))
    scheduler = Scheduler(
        config(frames_interval=0.05), busy_pool, lambda *_: None, late=lambda _, r: late.append(r)
    )
    await run_for(scheduler, [cam], 0.3)
    assert late and scheduler.stats.results == Counter({("frames", "late"): len(late)})


async def test_removed_cameras_leave_no_platform_check_count() -> None:
    probers = Probers(ProbesConfig(platform_frames_every=3), decode_workers=1)
    try:
        for camera_id in ("cam-1", "cam-2"):
            probers._frames_due(camera_id)
        probers.forget({"cam-1"})
        assert set(probers._platform_runs) == {"cam-2"}
    finally:
        await probers.close()
