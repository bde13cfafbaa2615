"""``camhealth simulate`` as a user runs it: files written, addresses printed, Ctrl-C stops it."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

import aiohttp
import pytest
from typer.testing import CliRunner

from camhealth.cli import app
from tests.simulator.addresses import random_base, random_host


@pytest.mark.slow
async def test_simulate_runs_until_interrupted(tmp_path: Path) -> None:
    control = f"{random_host()}:8089"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "camhealth", "simulate", "-n", "20", "--seed", "3",
        "--registry-out", str(tmp_path / "fleet.csv"), "--truth-out", str(tmp_path / "truth.json"),
        "--control", control, "--platform", f"{random_host()}:8554",
        "--base-address", random_base(), "--onvif-port", "8080", "--rtsp-port", "8554",
        "--clip-cache", str(tmp_path / "clips"),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None
    lines = []
    try:
        async with asyncio.timeout(60):
            while not lines or not lines[-1].startswith("Ctrl-C"):
                line = (await process.stdout.readline()).decode()
                assert line, (await process.stderr.read()).decode() if process.stderr else ""
                lines.append(line.strip())
        output = "\n".join(lines)
        assert "20 cameras from" in output and f"http://{control}/cameras" in output
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"http://{control}/cameras") as response,
        ):
            assert (await response.json())["count"] == 20
        process.send_signal(signal.SIGINT)
        out, _ = await asyncio.wait_for(process.communicate(), 30)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0 and b"stopped" in out
    assert (tmp_path / "fleet-areas.csv").exists()
    assert len(json.loads((tmp_path / "truth.json").read_text())["cameras"]) == 20


def test_simulate_refuses_a_bad_mix(tmp_path: Path) -> None:
    mix = tmp_path / "mix.yml"
    mix.write_text("faults: {melted: 0.5}\n")
    result = CliRunner().invoke(app, ["simulate", "--mix", str(mix)])
    assert result.exit_code == 1 and "melted" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
