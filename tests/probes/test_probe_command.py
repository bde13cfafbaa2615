"""``camhealth probe`` against a simulated camera served from a thread of its own."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from camhealth.cli import app
from camhealth.simulator.camera import SUB_PATH
from camhealth.simulator.clips import ClipLibrary
from camhealth.simulator.faults import Fault
from tests.probes.conftest import Sim, make_camera, running


@pytest.fixture
def served(clips: ClipLibrary) -> Iterator[Sim]:
    """The simulator on its own event loop thread, as a camera on the network would be."""
    camera = make_camera()
    ready, stop = threading.Event(), None
    sim: list[Sim] = []

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        async with running(clips, camera) as simulated:
            sim.append(simulated)
            ready.set()
            await stop.wait()

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),))
    thread.start()
    assert ready.wait(30)
    yield sim[0]
    loop.call_soon_threadsafe(stop.set)  # type: ignore[union-attr]
    thread.join(10)
    loop.close()


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["probe", *args])
    return result.exit_code, result.output


def test_rtsp_url_plays_and_saves_a_frame(served: Sim, tmp_path: Path) -> None:
    cam = served.camera
    url = f"rtsp://{cam.username}:{cam.password}@{cam.host}:{cam.rtsp_port}{SUB_PATH}"
    code, output = invoke(url, "--save-frame", str(tmp_path / "f.jpg"))
    assert code == 0, output
    assert "rtsp" in output and "frames" in output and "frame: 640x360 h264" in output
    assert cam.password not in output
    assert (tmp_path / "f.jpg").read_bytes().startswith(b"\xff\xd8")


def test_onvif_url_discovers_and_reports_clock_skew_as_json(served: Sim) -> None:
    served.fault(Fault.clock_skew)
    served.camera.faults.clock_skew_seconds = 40
    code, output = invoke(
        served.onvif_url, "--username", "admin", "--password", served.camera.password, "--json"
    )
    assert code == 0, output
    results = json.loads(output)
    assert [r["probe"] for r in results] == ["onvif", "rtsp", "frames"]
    assert re.search(r"clock is \+(39|40|41) s off", results[0]["hint"])
    assert results[2]["frame"]["width"] == 640


def test_wrong_password_says_so(served: Sim) -> None:
    code, output = invoke(served.url(), "--username", "admin", "--password", "nope-nope")
    assert code == 1
    assert "auth_failed" in output and "wrong username or password" in output
    assert "nope-nope" not in output


def test_closed_port_hint() -> None:
    code, output = invoke("rtsp://127.0.0.1:1/x", "--timeout", "1")
    assert code == 1 and "refused" in output and "port is closed" in output
