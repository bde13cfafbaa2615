"""A refused login pauses the probes sending it to the same service, against the simulator's
ONVIF and RTSP servers."""

from __future__ import annotations

import asyncio
from collections import Counter

from camhealth.config import ProbesConfig
from camhealth.probes.auth import Credentials
from camhealth.probes.results import FailureCode, ProbeKind, ProbeResult
from camhealth.probes.scheduler import Scheduler
from camhealth.probes.steps import Target
from camhealth.probes.targets import Probers, Watched
from tests.probes.conftest import Sim

INTERVAL = 0.1
CAP = 0.8  # the 5 minutes of production, scaled down
KINDS = (ProbeKind.onvif, ProbeKind.rtsp)


def camera(sim: Sim, password: str) -> Watched:
    creds = Credentials(sim.camera.username, password)
    targets = {
        ProbeKind.onvif: Target(sim.onvif_url, creds, 2.0, name=sim.camera.id),
        ProbeKind.rtsp: Target(sim.url(), creds, 2.0, name=sim.camera.id),
    }
    return Watched(sim.camera.id, sim.camera.host, targets)


class Counting:
    """The real probes, counting what reaches the camera."""

    def __init__(self, probers: Probers) -> None:
        self.probers, self.sent = probers, Counter[ProbeKind]()

    async def __call__(self, kind: ProbeKind, watched: Watched) -> ProbeResult:
        self.sent[kind] += 1
        return await self.probers.run(kind, watched)


async def test_a_wrong_password_pauses_every_kind_until_fixed(sim: Sim) -> None:
    config = ProbesConfig(onvif_interval=INTERVAL, rtsp_interval=INTERVAL)
    probers = Probers(config, decode_workers=1)
    runner, results, held = Counting(probers), list[ProbeResult](), list[ProbeResult]()
    scheduler = Scheduler(
        config,
        runner,
        lambda _, r: results.append(r),
        max_backoff=CAP,
        held=lambda _, r: held.append(r),
    )
    scheduler.refresh([camera(sim, "wrong-password")])
    scheduler.start()
    await asyncio.sleep(3.0)
    refused = sum(runner.sent.values())
    # 0.1 + 0.2 + 0.4 + 0.8 + 0.8 ... s of pause: ~6 logins tried per service in 3 s, not
    # the ~30 that each kind every 0.1 s would send
    assert 3 <= runner.sent[ProbeKind.onvif] <= 8 and 3 <= runner.sent[ProbeKind.rtsp] <= 8
    assert refused == len(results)  # every result a refusal; the held ones went apart
    assert all(r.detail.startswith("not tried") for r in held)
    assert all(r.failure is FailureCode.auth_failed for r in results + held)
    assert "wrong-password" not in " ".join(r.detail for r in results + held)
    sim.camera.password = "wrong-password"  # the camera's account fixed to what we send
    fixed_at = len(results)
    # Seen within the capped pause (the bound itself is checked without a network below);
    # the wait allows two caps for a loaded CI machine's real probes.
    deadline = asyncio.get_running_loop().time() + 2 * CAP + 3 * INTERVAL + 0.3
    while asyncio.get_running_loop().time() < deadline:
        if {r.kind for r in results[fixed_at:] if r.ok} == {ProbeKind.onvif, ProbeKind.rtsp}:
            break
        await asyncio.sleep(INTERVAL)
    await scheduler.stop()
    await probers.close()
    after = {r.kind for r in results[fixed_at:] if r.ok}
    assert after == {ProbeKind.onvif, ProbeKind.rtsp}


async def test_new_credentials_are_tried_at_once(sim: Sim) -> None:
    config = ProbesConfig(onvif_interval=INTERVAL, rtsp_interval=INTERVAL)
    probers = Probers(config, decode_workers=1)
    results: list[ProbeResult] = []
    scheduler = Scheduler(config, probers.run, lambda _, r: results.append(r), max_backoff=60)
    scheduler.refresh([camera(sim, "wrong-password")])
    scheduler.start()
    await asyncio.sleep(0.5)  # refused, and paused for a long time
    scheduler.refresh([camera(sim, sim.camera.password)])  # the registry corrected
    fixed_at = len(results)
    await asyncio.sleep(3 * INTERVAL)
    await scheduler.stop()
    await probers.close()
    assert any(r.failure is FailureCode.auth_failed for r in results[:fixed_at])
    assert {r.kind for r in results[fixed_at:] if r.ok} == {ProbeKind.onvif, ProbeKind.rtsp}


class Account:
    """A stand-in camera account for the scheduler alone (no network: the bound under test is
    the scheduler's arithmetic): refuses every login until fixed, records when each kind got in."""

    def __init__(self) -> None:
        self.fixed_at: float | None = None
        self.first_ok: dict[tuple[str, ProbeKind], float] = {}

    async def __call__(self, kind: ProbeKind, watched: Watched) -> ProbeResult:
        now = asyncio.get_running_loop().time()
        if self.fixed_at is None:
            return ProbeResult(kind, watched.id, now, 0.0, FailureCode.auth_failed, "401")
        self.first_ok.setdefault((watched.id, kind), now)
        return ProbeResult(kind, watched.id, now, 0.0)


async def test_a_fixed_password_is_seen_within_the_cap_whatever_the_phase() -> None:
    """The login pause and the kind's failure backoff grow alike; a turn falling just before
    the pause's end must not wait one more backoff (twice the cap)."""
    config = ProbesConfig(onvif_interval=INTERVAL, rtsp_interval=INTERVAL)
    account = Account()
    scheduler = Scheduler(config, account, lambda _, r: None, max_backoff=CAP)
    creds = Credentials("admin", "wrong")
    cameras = [
        Watched(
            f"cam{i}",
            f"10.0.0.{i}",
            {kind: Target(f"rtsp://10.0.0.{i}/", creds, 1.0) for kind in KINDS},
        )
        for i in range(12)
    ]
    scheduler.refresh(cameras)
    scheduler.start()
    await asyncio.sleep(2.5)  # pauses and backoffs have reached the cap
    account.fixed_at = asyncio.get_running_loop().time()
    await asyncio.sleep(CAP * 2.2)
    await scheduler.stop()
    waits = [at - account.fixed_at for at in account.first_ok.values()]
    assert len(waits) == 2 * len(cameras)  # every camera and kind got in
    assert max(waits) <= CAP * (1 + 2 * 0.05) + 0.1
