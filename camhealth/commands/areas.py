"""``camhealth areas import|list``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from camhealth.camera_registry import exporting, importing
from camhealth.commands import registry_cli as shared

app = typer.Typer(help="Import and list the areas the indicators count.", no_args_is_help=True)

TABLE_COLUMNS = ("id", "name", "kind", "district", "key_area", "lat", "lon")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV, XLSX, YAML or JSON file of areas.")],
    dry_run: shared.DryRun = False,
    prune: Annotated[
        bool,
        typer.Option("--prune", help="Remove stored areas not in FILE (refused while in use)."),
    ] = False,
) -> None:
    """Add and update the areas of FILE, all or nothing, and print what changed.

    Examples:

      camhealth areas import areas.csv --dry-run

      camhealth areas import 重点区域.xlsx --prune
    """
    shared.import_file(
        ctx,
        "areas",
        lambda progress: importing.read_areas(file, progress=progress),
        lambda registry, rows: registry.apply_areas(rows, prune=prune, dry_run=dry_run),
        dry_run=dry_run,
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    district: shared.District = None,
    key_only: shared.KeyOnly = False,
    fmt: shared.Format = shared.ListFormat.table,
    output: shared.Output = None,
) -> None:
    """List areas, filtered, as a table or an export (csv, json, xlsx import back unchanged).

    Examples:

      camhealth areas list --key-only

      camhealth areas list --district 新华镇 --format json
    """
    records = shared.with_registry(
        ctx, lambda registry: registry.list_areas(district=district, key_only=key_only)
    )
    shared.show_list(records, TABLE_COLUMNS, fmt, output, exporting.write_areas)
