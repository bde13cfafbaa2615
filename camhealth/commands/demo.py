"""``camhealth demo``: what a newcomer runs first.

It keeps its own data apart from any real registry: a SQLite file, a credentials key and a
configuration file in ``--data-dir``, so every other command can be tried on the demo city with
``camhealth -c demo-data/camhealth.yml ...``.
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
from camhealth.commands.context import fail, get_context
from camhealth.config import CredentialsConfig, DatabaseConfig, Settings

DataDir = Annotated[
    Path, typer.Option("--data-dir", help="Where the demo keeps its database, key and config.")
]


def demo(
    ctx: typer.Context,
    data_dir: DataDir = Path("demo-data"),
    reset: Annotated[bool, typer.Option("--reset", help="Start again from an empty demo.")] = False,
) -> None:
    """Load the demo city's registry (on first run) and show it.

    Examples:
      camhealth demo
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
