"""1,000 simulated cameras, 30 % hung or offline: every healthy camera is still probed on time."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import pytest

from camhealth.config import ProbesConfig
from camhealth.probes.results import FailureCode, ProbeKind, ProbeResult
from camhealth.probes.scheduler import Scheduler
from camhealth.probes.targets import Probers
from tests.probes.fleet import simulated_fleet, warm

INTERVALS = {ProbeKind.rtsp: 20.0, ProbeKind.onvif: 60.0}  # ONVIF at its default interval
SECONDS = 62.0
MIX = {
    "faults": {"hung": 0.15, "offline": 0.15},
    "resolutions": {"1280x720": 1.0},
    "codecs": {"h264": 1.0},
    "platform": 0.0,
}
REACHABILITY = (ProbeKind.onvif, ProbeKind.rtsp)


@pytest.mark.slow
async def test_thousand_cameras_thirty_percent_hung_or_offline(tmp_path: Path) -> None:
    config = ProbesConfig(
        timeout=3.0,
        onvif_interval=INTERVALS[ProbeKind.onvif],
        rtsp_interval=INTERVALS[ProbeKind.rtsp],
        concurrency=256,
        per_host=2,
    )
    results: dict[tuple[str, ProbeKind], list[ProbeResult]] = defaultdict(list)
    started = time.monotonic()
    with simulated_fleet(1000, MIX, tmp_path, timeout=config.timeout) as fleet:
        print(f"fleet started in {time.monotonic() - started:.1f} s")
        cameras = [
            replace(c, targets={k: c.targets[k] for k in REACHABILITY}) for c in fleet.cameras
        ]
        await warm(fleet)  # the simulator encodes its clips once (then cached on disk)
        probers = Probers(config)
        await probers.start()
        scheduler = Scheduler(config, probers.run, lambda cid, r: results[(cid, r.kind)].append(r))
        scheduler.refresh(cameras)
        scheduler.start()
        await asyncio.sleep(SECONDS)
        await scheduler.stop()
        await probers.close()

    faulty = {cid for cid, faults in fleet.faults.items() if faults}
    assert 290 <= len(faulty) <= 310
    healthy_runs = []
    for camera in fleet.healthy():
        for kind in REACHABILITY:
            runs = results[(camera.id, kind)]
            assert len(runs) >= int(SECONDS // INTERVALS[kind]), (camera.id, kind, len(runs))
            gaps = [b.started_at - a.started_at for a, b in itertools.pairwise(runs)]
            # the interval with its jitter, plus room for a loaded machine's event-loop lag
            assert max(gaps, default=0) < INTERVALS[kind] * 1.05 + 5.0, (camera.id, kind, gaps)
            healthy_runs += runs
    # On schedule, above; and answered: the simulator shares this machine's two cores, so a
    # few of its replies may miss the deadline when the machine is loaded.
    assert sum(r.ok for r in healthy_runs) >= 0.9 * len(healthy_runs)
    expected = {"hung": FailureCode.timeout, "offline": FailureCode.refused}
    for camera_id in faulty:
        (fault,) = fleet.faults[camera_id]
        runs = results[(camera_id, ProbeKind.rtsp)]
        assert runs and all(r.failure == expected[fault] for r in runs), camera_id
    assert scheduler.stats.lag_quantile(0.99) < 2.0
