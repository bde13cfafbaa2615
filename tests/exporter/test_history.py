"""Both history stores answer the console's questions alike: the monitor's and the in-memory one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from camhealth.exporter.history import MemoryHistory
from camhealth.monitor.store import Batch, MonitorStore
from tests.exporter.city import T0
from tests.exporter.conftest import settings_for

# (camera, hours before T0): each an evidence picture
TAKEN = [("c1", 5), ("c1", 1), ("c1", 3), ("c2", 2), ("c3", 0)]


def ref(camera: str, hours: int) -> str:
    return f"{camera}@{(T0 - timedelta(hours=hours)).isoformat()}"


@pytest.fixture(params=["memory", "monitor"])
async def store(request, tmp_path):
    if request.param == "memory":
        yield MemoryHistory(pictures={ref(c, h): b"jpeg" for c, h in TAKEN})
        return
    monitor = await MonitorStore.open(settings_for(tmp_path))
    batch = Batch()
    for camera, hours in TAKEN:
        batch.evidence.append((ref(camera, hours), camera, T0 - timedelta(hours=hours), b"jpeg"))
    await monitor.write(batch)
    yield monitor
    await monitor.close()


async def test_last_pictures_are_each_cameras_newest(store):
    found = await store.last_pictures(["c1", "c2", "c9", "c1"])
    assert found == {"c1": ref("c1", 1), "c2": ref("c2", 2)}
    assert await store.last_pictures([]) == {}
