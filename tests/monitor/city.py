"""A small simulated city served in this process, its cameras loaded into the registry.

Few clip variants (720p H.264, one sub-stream size, no night) so the simulator's clip cache
warms in about a minute once and the tests start at once afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from camhealth.camera_registry.importing import Row
from camhealth.camera_registry.records import CameraRecord
from camhealth.camera_registry.store import Registry
from camhealth.simulator.clips import ClipLibrary, default_cache_dir
from camhealth.simulator.faults import Fault
from camhealth.simulator.fleet import Fleet
from camhealth.simulator.manifest import camera_record
from camhealth.simulator.mix import Mix
from camhealth.simulator.plan import Layout, Plan, plan_fleet
from camhealth.simulator.rtsp_server import RtspServer
from camhealth.simulator.truth import Expected, expected

MIX = Mix(
    cameras_per_area=3,
    key_areas=1.0,
    faults={"offline": 0.1, "blur": 0.1, "platform_down": 0.1},
    resolutions={"1280x720": 0.7, "704x576": 0.3},
    codecs={"h264": 1.0},
    e_police=0.0,
)

# A draw without the "campus" scene: the picture diagnosis takes its flat lawn for an
# occlusion (a false positive of health.quality, reported to its owner).
SEED = 1


@dataclass
class SmallCity:
    plan: Plan
    fleet: Fleet

    def expected(self, camera_id: str) -> Expected:
        planned = self.fleet.cameras[camera_id]
        return expected(planned.camera, planned.relayed, self.fleet.platform_down)

    def healthy(self) -> list[str]:
        return [p.camera.id for p in self.plan.cameras if not p.injected and p.relayed]

    async def set_faults(self, camera_id: str, *faults: Fault) -> None:
        """What the control API's PUT does: the new fault set, then the listeners follow."""
        self.fleet.cameras[camera_id].camera.faults.faults = set(faults)
        await self.fleet.apply(camera_id)


def layout() -> Layout:
    """Addresses of their own per test run, so parallel runs and other suites do not collide."""
    second = random.randint(60, 99)
    return Layout(
        base_address=f"127.{second}.{random.randint(0, 200)}.0",
        onvif_port=8080,
        rtsp_port=8554,
        platform_host=f"127.{second}.250.{random.randint(1, 250)}",
        platform_port=8554,
    )


async def load_registry(registry: Registry, plan: Plan) -> None:
    records = [
        CameraRecord.model_validate(
            camera_record(plan, p).model_dump()
            | {"username": p.camera.username, "password": p.camera.password}
        )
        for p in plan.cameras
    ]
    await registry.apply_areas([Row(n, a) for n, a in enumerate(plan.areas, 2)])
    await registry.apply_cameras([Row(n, c) for n, c in enumerate(records, 2)])


@contextlib.asynccontextmanager
async def small_city(
    registry: Registry, count: int = 12, seed: int = SEED
) -> AsyncIterator[SmallCity]:
    plan = plan_fleet(count, MIX, seed, layout())
    fleet = Fleet(plan, RtspServer(ClipLibrary(default_cache_dir(), gops=2)))
    await fleet.warm()
    await load_registry(registry, plan)
    await fleet.start()
    try:
        yield SmallCity(plan, fleet)
    finally:
        await fleet.stop()


async def eventually(check: Callable[[], bool], seconds: float, what: str) -> None:
    """Poll ``check`` until it holds; fail with ``what`` after ``seconds``."""
    await no_problems(lambda: [] if check() else [what], seconds)


async def no_problems(problems: Callable[[], list[str]], seconds: float) -> None:
    """Poll until ``problems`` lists none; fail with the last ones after ``seconds``."""
    deadline = time.monotonic() + seconds
    while found := problems():
        if time.monotonic() > deadline:
            raise AssertionError(f"still after {seconds:.0f} s: {found}")
        await asyncio.sleep(0.2)
