"""``camhealth cameras import|list|show``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from camhealth.camera_registry import exporting, importing
from camhealth.camera_registry.records import CameraRecord, CameraRole
from camhealth.camera_registry.store import Registry
from camhealth.commands import registry_cli as shared
from camhealth.commands.context import fail

app = typer.Typer(help="Import, list and show the registry's cameras.", no_args_is_help=True)

TABLE_COLUMNS = ("id", "name", "area_id", "role", "enabled", "declared_networked", "rtsp_url")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV, XLSX, YAML or JSON file of cameras.")],
    secrets: Annotated[
        Path | None,
        typer.Option(help="YAML file that the file's credential_ref column points into."),
    ] = None,
    dry_run: shared.DryRun = False,
    prune: Annotated[
        bool, typer.Option("--prune", help="Remove stored cameras that are not in FILE.")
    ] = False,
) -> None:
    """Add and update the cameras of FILE, all or nothing, and print what changed.

    Every camera's area must exist (import areas first). Credentials come from the username and
    password columns, from user:password@ in a URL, or via credential_ref from --secrets; they
    are stored encrypted, so a key must be configured (see `camhealth keys generate`). A row
    without credentials leaves the stored ones as they are. Any invalid row rejects the whole
    file and every problem is listed.

    Examples:

      camhealth cameras import cameras.xlsx --dry-run

      camhealth cameras import cameras.csv --secrets secrets.yml --prune
    """
    shared.import_file(
        ctx,
        "cameras",
        lambda progress: importing.read_cameras(file, secrets=secrets, progress=progress),
        lambda registry, rows: registry.apply_cameras(rows, prune=prune, dry_run=dry_run),
        dry_run=dry_run,
    )


@app.command("list")
def list_(
    ctx: typer.Context,
    district: shared.District = None,
    area: Annotated[str | None, typer.Option(help="Only this area id.")] = None,
    role: Annotated[CameraRole | None, typer.Option(help="Only this role.")] = None,
    key_only: shared.KeyOnly = False,
    fmt: shared.Format = shared.ListFormat.table,
    output: shared.Output = None,
) -> None:
    """List cameras (never their credentials), filtered, as a table or an export.

    csv, json and xlsx write the import format, so the output imports back unchanged.

    Examples:

      camhealth cameras list --district 城关街道 --key-only

      camhealth cameras list --role e_police --format csv > epolice.csv

      camhealth cameras list --format xlsx --output cameras.xlsx
    """
    records = shared.with_registry(
        ctx,
        lambda registry: registry.list_cameras(
            district=district, area=area, role=role, key_only=key_only
        ),
    )
    shared.show_list(records, TABLE_COLUMNS, fmt, output, exporting.write_cameras)


@app.command()
def show(
    ctx: typer.Context,
    camera_id: Annotated[str, typer.Argument(metavar="ID", help="The camera's id.")],
) -> None:
    """Print every field of one camera; of its credentials only whether some are stored.

    Example: camhealth cameras show 37028200001310000001
    """

    async def fetch(registry: Registry) -> tuple[CameraRecord | None, bool]:
        return await registry.get_camera(camera_id), await registry.has_credentials(camera_id)

    record, has_credentials = shared.with_registry(ctx, fetch)
    if record is None:
        fail(f"no camera {camera_id!r} in the registry")
    for name, value in record.model_dump(exclude={"username", "password"}).items():
        typer.echo(f"{name}: {shared.cell(value)}")
    typer.echo(f"credentials: {'stored (encrypted)' if has_credentials else 'none'}")
