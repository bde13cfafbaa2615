"""The assessment report of a monitored stretch, checked against the simulator's truth."""

from __future__ import annotations

import asyncio
import csv
import io
import zipfile
from datetime import timedelta

import pytest
from typer.testing import CliRunner

from camhealth.camera_registry.store import Registry
from camhealth.cli import app
from camhealth.commands.report import make_report
from camhealth.config import Settings
from camhealth.health.indicators import Indicator
from camhealth.health.timeline import Period
from camhealth.monitor.pipeline import Pipeline, utc_now
from camhealth.monitor.store import MonitorStore
from camhealth.simulator.faults import Fault
from tests.monitor.city import SmallCity, eventually
from tests.monitor.conftest import FAST
from tests.registry.builders import KEY

pytestmark = pytest.mark.slow


async def test_report_agrees_with_the_truth(
    settings: Settings, registry: Registry, store: MonitorStore, city: SmallCity
) -> None:
    blurred = {p.camera.id for p in city.plan.cameras if Fault.blur in p.injected}
    down = {c for c in city.fleet.cameras if city.expected(c).intact is False}
    async with Pipeline(settings, registry, store) as pipeline:

        def settled() -> bool:
            cameras = pipeline.snapshot.cameras
            return all(
                (entry.state.intact.value is True) is city.expected(cid).intact
                for cid, entry in cameras.items()
            )

        await eventually(settled, 40, "statuses match the truth")
        await asyncio.wait_for(pipeline.first_cycle.wait(), 30)  # history is recorded from here
        start = utc_now() + timedelta(seconds=1.5)  # after the next history sample
        await asyncio.sleep(5)
        end = utc_now()

    period = Period(start, end)
    report, opened = await make_report(settings, period, None)
    await opened.close()
    key_cameras = [c for c in city.plan.cameras if c.area_id in _key_areas(city)]
    intact = sum(city.expected(c.camera.id).intact is True for c in key_cameras)
    intactness = report.scope.rates[Indicator.intactness]
    assert intactness.ratio == pytest.approx(intact / len(key_cameras))
    assert intactness.data_seconds == pytest.approx(period.seconds, rel=0.01)
    listed = {d.camera.id: d for d in report.cameras}
    assert set(listed) == down
    for camera_id in down:
        assert listed[camera_id].uptime.downtime_hours * 3600 == pytest.approx(period.seconds)
    for camera_id in blurred:
        assert "blur" in listed[camera_id].faults
        assert listed[camera_id].evidence is not None

    env = {"CAMHEALTH_DATABASE__URL": settings.database.url.get_secret_value(),
           "CAMHEALTH_CREDENTIALS__KEY": KEY, **FAST}  # fmt: skip
    day = f"{start:%Y-%m-%d}"
    outputs = {}
    for fmt in ("md", "csv", "html", "xlsx"):
        args = ["report", "--period", day, "--timezone", "UTC", "--format", fmt]
        # The command runs its own event loop: give it a thread of its own.
        result = await asyncio.to_thread(CliRunner().invoke, app, args, env=env)
        assert result.exit_code == 0, result.output
        outputs[fmt] = result.stdout_bytes
    md = outputs["md"].decode()
    assert all(camera_id in md for camera_id in down)
    rows = list(csv.reader(io.StringIO(outputs["csv"].decode("utf-8-sig"))))
    assert ["Cameras not intact"] in rows
    html = outputs["html"].decode()
    assert html.count("data:image/jpeg;base64,") >= len(blurred)
    with zipfile.ZipFile(io.BytesIO(outputs["xlsx"])) as book:
        assert len([n for n in book.namelist() if n.startswith("xl/worksheets/")]) == 4
    for planned in city.plan.cameras:
        for text in (md, html):
            assert planned.camera.password not in text


def _key_areas(city: SmallCity) -> set[str]:
    return {a.id for a in city.plan.areas if a.key_area}
