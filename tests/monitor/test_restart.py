"""A restart resumes where the monitor stopped: no burst of false changes, nothing lost, even
when the process is killed with SIGKILL in the middle of a cycle."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from camhealth.camera_registry.store import Registry
from camhealth.config import Settings
from camhealth.health.events import Event, EventKind
from camhealth.health.state import CameraState
from camhealth.monitor.pipeline import Pipeline
from camhealth.monitor.store import MonitorStore
from camhealth.simulator.faults import Fault
from tests.monitor.city import SmallCity, eventually
from tests.monitor.conftest import FAST
from tests.registry.builders import KEY

pytestmark = pytest.mark.slow


async def _settled(pipeline: Pipeline, city: SmallCity) -> None:
    """Every camera decided and every injected picture fault confirmed."""
    blurred = [p.camera.id for p in city.plan.cameras if Fault.blur in p.injected]

    def done() -> bool:
        cameras = pipeline.snapshot.cameras
        decided = all(entry.state.intact.value is not None for entry in cameras.values())
        return decided and all("blur" in cameras[c].state.confirmed_faults for c in blurred)

    await eventually(done, 40, "every camera decided, blur confirmed")


async def test_a_restart_makes_no_false_changes(
    settings: Settings, registry: Registry, store: MonitorStore, city: SmallCity
) -> None:
    async with Pipeline(settings, registry, store) as first:
        await _settled(first, city)
    before = await store.events()
    states = await store.states()
    async with Pipeline(settings, registry, store) as second:
        restored = {cid: entry.state for cid, entry in second.snapshot.cameras.items()}
        assert restored == states  # the first Snapshot already shows the stored statuses
        await asyncio.sleep(6)  # several rounds of every probe
        assert second.decided > 4 * len(states)
    after = (await store.events())[len(before) :]
    assert after == [], [f"{e.camera} {e.kind} {e.fault}" for e in after]


def _listenable_port() -> int:
    """A free port below the kernel's ephemeral range (32768 and up on Linux): the monitor
    listens on it again after its restart, and a busy box's outgoing connections cannot take
    it meanwhile (they did, from a range reaching into the ephemeral one)."""
    while True:
        port = random.randint(10000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


def _run_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        **FAST,
        "CAMHEALTH_DATABASE__URL": settings.database.url.get_secret_value(),
        "CAMHEALTH_CREDENTIALS__KEY": KEY,
        "CAMHEALTH_LOGGING__FORMAT": "json",
        "CAMHEALTH_LOGGING__LEVEL": "DEBUG",  # every log line is searched for passwords
        "CAMHEALTH_EXPORTER__PORT": str(_listenable_port()),
    }


def _start(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "camhealth", "run"],
            env=_run_env(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _consistent(states: dict[str, CameraState], events: list[Event]) -> list[str]:
    """Cameras whose stored state disagrees with the last stored event of a status."""
    last: dict[tuple[str, str], bool] = {}
    pairs = {
        EventKind.came_online: ("online", True),
        EventKind.went_offline: ("online", False),
        EventKind.became_intact: ("intact", True),
        EventKind.became_not_intact: ("intact", False),
    }
    for event in events:
        if event.kind in pairs:
            name, value = pairs[event.kind]
            last[(event.camera, name)] = value
    return [
        f"{camera} {name}"
        for (camera, name), value in last.items()
        if getattr(states[camera], name).value is not value
    ]


async def _wait_exit(process: subprocess.Popen[bytes], seconds: float) -> int:
    for _ in range(int(seconds * 10)):
        if (code := process.poll()) is not None:
            return code
        await asyncio.sleep(0.1)
    process.kill()
    raise AssertionError("camhealth run did not stop on SIGTERM")


async def test_sigkill_mid_cycle_loses_nothing(
    settings: Settings, store: MonitorStore, city: SmallCity, tmp_path: Path
) -> None:
    log = tmp_path / "run.log"
    victim = city.healthy()[0]
    process = _start(settings, log)
    try:
        await _wait_for(store, lambda s: len(s) == len(city.plan.cameras), "every camera")
        # Offline needs 3 failed probes in a row: kill while that streak runs.
        await city.set_faults(victim, Fault.offline)
        await asyncio.sleep(1.5)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    states, events = await store.states(), await store.events()
    assert not _consistent(states, events)

    process = _start(settings, log)
    try:
        await eventually(lambda: log.read_text().count("exporter listening") == 2, 60, "restarted")
        await _wait_for(
            store,
            lambda s: s[victim].online.value is False and s[victim].stream.value is False,
            "the victim offline",
        )
        await asyncio.sleep(2)
    finally:
        process.send_signal(signal.SIGTERM)
        assert await _wait_exit(process, 20) == 0

    events = await store.events()
    assert not _consistent(await store.states(), events)
    offline = [e for e in events if e.camera == victim and e.kind is EventKind.went_offline]
    assert len(offline) == 1  # decided once: not lost to the kill, not repeated after it
    assert _first_events_once(events)
    text = log.read_text()
    assert any(
        json.loads(line).get("message") == "monitoring stopped" for line in text.splitlines()
    )
    assert not [p.camera.id for p in city.plan.cameras if p.camera.password in text]


def _first_events_once(events: list[Event]) -> bool:
    """A restart does not announce a known status as new: each first event happens once."""
    seen = [(e.camera, e.kind) for e in events if e.first]
    return len(seen) == len(set(seen))


async def _wait_for(
    store: MonitorStore, check: Callable[[dict[str, CameraState]], bool], what: str
) -> None:
    """Poll the stored states (what another process wrote) until ``check`` holds."""
    for _ in range(60 * 5):
        states = await store.states()
        with contextlib.suppress(KeyError):
            if check(states):
                return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not stored within 60 s: {what}")
