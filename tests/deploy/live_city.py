"""A small simulated city watched by a running camhealth, both started through the CLI.

What an operator runs, in processes of their own: ``camhealth simulate`` serves the cameras and
the control API that changes their faults; ``camhealth keys generate``, ``areas import`` and
``cameras import`` load the registry files it writes; ``camhealth run`` watches the cameras and
serves /metrics. The probe intervals and confirmation counts are short, so a fault injected
through the control API is confirmed (and cleared) within seconds, not minutes.

Everything listens on loopback: the cameras on a random 127.x.y.0/24 of their own, the control
API and the exporter on free ports of 127.0.0.1.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from camhealth.camera_registry.importing import read_areas
from camhealth.camera_registry.records import AreaRecord
from tests.deploy.paths import run
from tests.deploy.servers import free_port, get_json, running, send_json

CAMERAS = 8
SEED = 1
# Four areas of two cameras: three key areas (one with an offline and a blurred camera, so the
# dashboards have failures and an image fault to show) and one intersection with e-police.
# One resolution, codec and sub-stream size keep the clips to encode few (cached after a run).
MIX = {
    "cameras_per_area": 2,
    "key_areas": 1.0,
    "faults": {"offline": 1 / CAMERAS, "blur": 1 / CAMERAS},
    "resolutions": {"1280x720": 1.0},
    "codecs": {"h264": 1.0},
    "e_police": 2 / CAMERAS,
}
# Production probes every minute and confirms over several; here a second or two each.
SETTINGS = {
    "probes": {
        "timeout": 2,
        "onvif_interval": 1,
        "rtsp_interval": 1,
        "frames_interval": 2,
        "platform_interval": 2,
    },
    "health": {"confirm_after": 2, "clear_after": 2, "offline_after": 2},
    "monitor": {"flush_interval": 0.2, "snapshot_interval": 0, "history_interval": 1},
}
# The first run encodes the cameras' clips (about 15 CPU-seconds); later runs read the cache.
SIMULATOR_STARTUP = 180.0
MONITOR_STARTUP = 60.0


@dataclass(frozen=True)
class LiveCity:
    control: str  # base URL of the simulator's control API
    exporter: str  # HOST:PORT of camhealth's /metrics
    areas: dict[str, AreaRecord]  # by id, as imported

    def area_of(self, camera_id: str) -> AreaRecord:
        return self.areas[get_json(f"{self.control}/cameras/{camera_id}")["area_id"]]

    def set_faults(self, camera_id: str, *faults: str) -> None:
        """Give the camera exactly these faults (none: healthy again)."""
        send_json(f"{self.control}/cameras/{camera_id}/faults", {"faults": list(faults)}, "PUT")


@contextmanager
def live_city(workdir: Path) -> Iterator[LiveCity]:
    """The simulator and camhealth running until the block ends (stopped even if it fails)."""
    control = f"http://127.0.0.1:{free_port()}"
    simulate = _simulate(workdir, control)
    with running(simulate, f"{control}/cameras", workdir / "simulate.log", SIMULATOR_STARTUP):
        config = _registry_loaded(workdir)
        exporter = f"127.0.0.1:{yaml.safe_load(config.read_text())['exporter']['port']}"
        monitor = [camhealth(), "--config", str(config), "run"]
        with running(monitor, f"http://{exporter}/readyz", workdir / "run.log", MONITOR_STARTUP):
            areas = {row.record.id: row.record for row in read_areas(workdir / "fleet-areas.csv")}
            yield LiveCity(control, exporter, areas)


def camhealth() -> str:
    """The ``camhealth`` command installed beside this Python (.venv/bin/camhealth)."""
    command = Path(sys.executable).with_name("camhealth")
    assert command.exists(), f"{command}: run `uv sync` first"
    return str(command)


def _simulate(workdir: Path, control: str) -> list[str]:
    mix = workdir / "mix.yml"
    mix.write_text(yaml.safe_dump(MIX))
    net = f"127.{random.randint(120, 149)}.{random.randint(0, 254)}"
    return [
        camhealth(), "simulate", "--cameras", str(CAMERAS), "--mix", str(mix),
        "--seed", str(SEED), "--registry-out", str(workdir / "fleet.csv"),
        "--base-address", f"{net}.0", "--platform", f"{net}.250:8554",
        "--onvif-port", "8080", "--rtsp-port", "8554",
        "--control", control.removeprefix("http://"), "--warm",
    ]  # fmt: skip


def _registry_loaded(workdir: Path) -> Path:
    """A configuration for this city, and its registry imported from the simulator's files."""
    config = workdir / "camhealth.yml"
    settings: dict[str, Any] = SETTINGS | {
        "database": {"url": f"sqlite+aiosqlite:///{workdir / 'camhealth.db'}"},
        "credentials": {"key_file": str(workdir / "credentials.key")},
        "exporter": {"host": "127.0.0.1", "port": free_port()},
    }
    config.write_text(yaml.safe_dump(settings))
    for args in (
        ["keys", "generate", "--out", str(workdir / "credentials.key")],
        ["--config", str(config), "areas", "import", str(workdir / "fleet-areas.csv")],
        ["--config", str(config), "cameras", "import", str(workdir / "fleet.csv")],
    ):
        result = run(camhealth(), *args)
        assert result.returncode == 0, (
            f"camhealth {' '.join(args)}:\n{result.stdout}{result.stderr}"
        )
    return config
