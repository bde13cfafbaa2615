"""``camhealth demo``: what a newcomer runs first.

It keeps its own data apart from any real registry: a SQLite file, a credentials key and a
configuration file in ``--data-dir``, so every other command can be tried on the demo city with
``camhealth -c demo-data/camhealth.yml ...``. Then it serves the demo city with the simulator
(every registry camera at its URL, a fault mix that leaves the city just under the 90% target)
and runs the whole monitor on it, printing the indicators after the first cycle.
"""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.table import Table

from camhealth.camera_registry.credentials import CredentialsError, write_key_file
from camhealth.camera_registry.demo_city import build_demo_city
from camhealth.camera_registry.importing import Row
from camhealth.camera_registry.records import AreaKind, AreaRecord, CameraRecord, CameraRole
from camhealth.camera_registry.store import Registry, RegistryError
from camhealth.commands.context import fail, get_context, run_async
from camhealth.config import CredentialsConfig, DatabaseConfig, Settings
from camhealth.monitor.pipeline import Pipeline
from camhealth.monitor.service import (
    after_first_cycle,
    exporter_url,
    running_pipeline,
    stop_signals,
    until_stopped,
)
from camhealth.monitor.tables import indicator_table
from camhealth.simulator.camera import MAIN_PATH
from camhealth.simulator.city import plan_city
from camhealth.simulator.clips import ClipLibrary, default_cache_dir
from camhealth.simulator.control import ControlServer
from camhealth.simulator.fleet import Fleet
from camhealth.simulator.plan import rtsp_url
from camhealth.simulator.rtsp_server import RtspServer

DataDir = Annotated[
    Path, typer.Option("--data-dir", help="Where the demo keeps its database, key and config.")
]
Duration = Annotated[
    float | None,
    typer.Option(
        help="Monitor for this many seconds (0: only load the registry; default: Ctrl-C)."
    ),
]
CONTROL = ("127.0.0.1", 8089)
# Faster than production so the first cycle ends within a minute; the user's settings otherwise.
DEMO_PROBES = {
    "onvif_interval": 20.0,
    "rtsp_interval": 20.0,
    "frames_interval": 20.0,
    "platform_interval": 30.0,
}


def demo(
    ctx: typer.Context,
    data_dir: DataDir = Path("demo-data"),
    reset: Annotated[bool, typer.Option("--reset", help="Start again from an empty demo.")] = False,
    duration: Duration = None,
) -> None:
    """Load the demo city's registry (on first run), serve it with the simulator and monitor it.

    The first run encodes the simulated cameras' video (a few minutes, cached afterwards).

    Examples:
      camhealth demo
      camhealth demo --duration 0      # only load and show the registry
      camhealth -c demo-data/camhealth.yml cameras list --district 城厢街道
    """
    if reset and data_dir.exists():
        shutil.rmtree(data_dir)
    settings = demo_settings(get_context(ctx).settings, data_dir)
    try:
        areas, cameras, created = asyncio.run(_load(settings))
    except (RegistryError, CredentialsError) as exc:
        fail(str(exc))
    console = Console()
    verb = "created" if created else "already there"
    counts = f"{len(areas)} areas, {len(cameras)} cameras"
    console.print(f"Demo registry {verb}: {counts} in {data_dir}/")
    console.print(district_table(areas, cameras))
    config = data_dir / "camhealth.yml"
    console.print("\nTry:")
    for example in (
        "cameras list --district 城厢街道",
        "areas list --key-only",
        "cameras show huochezhan-01",
        "cameras list --format csv --output cameras.csv",
    ):
        console.print(f"  camhealth -c {config} {example}", highlight=False, soft_wrap=True)
    if duration == 0:
        return
    try:
        run_async(monitor_demo(settings, duration, console), settings.monitor.event_loop)
    except (RegistryError, CredentialsError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot serve the demo city: {exc.strerror or exc}")


def demo_settings(base: Settings, data_dir: Path) -> Settings:
    """The demo's settings: the user's, with the database and key moved into ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / "credentials.key"
    if not key_file.exists():
        write_key_file(key_file)
    settings = base.model_copy(
        update={
            "database": DatabaseConfig(url=f"sqlite+aiosqlite:///{data_dir / 'camhealth.db'}"),
            "credentials": CredentialsConfig(key_file=key_file),
            "probes": base.probes.model_copy(update=DEMO_PROBES),
        }
    )
    config = data_dir / "camhealth.yml"
    if not config.exists():
        config.write_text(
            yaml.safe_dump(
                {
                    "database": {"url": settings.database.url.get_secret_value()},
                    "credentials": {"key_file": str(key_file)},
                }
            )
        )
    return settings


async def _load(settings: Settings) -> tuple[list[AreaRecord], list[CameraRecord], bool]:
    async with await Registry.open(settings) as registry:
        created = not await registry.list_areas()
        if created:
            city = build_demo_city()
            await registry.apply_areas([Row(n, a) for n, a in enumerate(city.areas, 1)])
            await registry.apply_cameras([Row(n, c) for n, c in enumerate(city.cameras, 1)])
        return await registry.list_areas(), await registry.list_cameras(), created


def district_table(areas: list[AreaRecord], cameras: list[CameraRecord]) -> Table:
    """Per district: key areas, their cameras, intersections and e-police cameras."""
    district_of = {a.id: a.district for a in areas}
    key_areas = Counter(a.district for a in areas if a.key_area)
    intersections = Counter(a.district for a in areas if a.kind is AreaKind.intersection)
    key_ids = {a.id for a in areas if a.key_area}
    key_cameras = Counter(district_of[c.area_id] for c in cameras if c.area_id in key_ids)
    e_police = Counter(district_of[c.area_id] for c in cameras if c.role is CameraRole.e_police)
    table = Table("district", "key areas", "their cameras", "intersections", "e-police cameras")
    for district in sorted(set(district_of.values())):
        counts = (key_areas, key_cameras, intersections, e_police)
        table.add_row(district, *(str(c[district]) for c in counts))
    totals = (key_areas, key_cameras, intersections, e_police)
    table.add_row("all", *(str(c.total()) for c in totals), style="bold")
    return table


async def monitor_demo(settings: Settings, duration: float | None, console: Console) -> None:
    """Serve the demo city with the simulator and run the monitor on it until stopped."""
    plan = plan_city(build_demo_city())
    fleet = Fleet(plan, RtspServer(ClipLibrary(default_cache_dir(), gops=2)))
    control = ControlServer(fleet, *CONTROL)
    console.print("\nPreparing the simulated cameras' video (encoded once, then cached)...")
    clips = await fleet.warm()
    console.print(f"{clips} clips ready.")
    await fleet.start()
    try:
        await control.start()
        with stop_signals() as stop:
            async with running_pipeline(settings) as pipeline:
                _print_where(console, fleet, control, settings)
                shown = after_first_cycle(pipeline, lambda p: _print_indicators(console, p))
                await until_stopped(stop, duration, shown)
    finally:
        await control.stop()
        await fleet.stop()
    console.print("Stopped: monitor and simulated cameras.")


def _print_where(
    console: Console, fleet: Fleet, control: ControlServer, settings: Settings
) -> None:
    first = fleet.plan.cameras[0].camera
    relayed = next(p.camera for p in fleet.plan.cameras if p.relayed)
    console.print(f"\nMonitoring {len(fleet.cameras)} simulated cameras:", highlight=False)
    for label, url in (
        ("simulator control", f"{control.url}/cameras"),
        ("a camera (RTSP)", rtsp_url(first, MAIN_PATH)),
        ("sharing platform", fleet.plan.relay_url(relayed)),
        ("metrics", f"{exporter_url(settings)}/metrics"),
        ("console and API", f"{exporter_url(settings)}/"),
        ("database", settings.database.masked_url()),
    ):
        console.print(f"  {label:<18} {url}", highlight=False, soft_wrap=True)
    console.print("Indicators follow after the first cycle (about a minute). Ctrl-C stops.")


def _print_indicators(console: Console, pipeline: Pipeline) -> None:
    snapshot = pipeline.snapshot
    console.print(f"\nAfter the first cycle ({snapshot.made_at:%H:%M:%S} UTC):")
    console.print(indicator_table(snapshot.indicators))
