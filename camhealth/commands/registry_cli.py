"""What ``camhealth cameras`` and ``camhealth areas`` share: the registry, imports, listings."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, BinaryIO, NoReturn, TypeVar

import typer
from rich.cells import cell_len
from rich.console import Console
from rich.progress import BarColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as ProgressBar
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from camhealth.camera_registry.credentials import CredentialsError
from camhealth.camera_registry.importing import ImportRejected, Progress, Row
from camhealth.camera_registry.store import Changes, Registry, RegistryError
from camhealth.commands.context import fail, get_context

T = TypeVar("T")


class ListFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


# Options the cameras and areas commands share.
DryRun = Annotated[bool, typer.Option("--dry-run", help="Count the changes, write nothing.")]
District = Annotated[str | None, typer.Option(help="Only this district (镇/街道).")]
KeyOnly = Annotated[bool, typer.Option("--key-only", help="Only key public areas.")]
Format = Annotated[ListFormat, typer.Option("--format", "-f", help="Output format.")]
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Write to FILE.")]


def with_registry(ctx: typer.Context, work: Callable[[Registry], Awaitable[T]]) -> T:
    """Open the configured registry (migrating it), run ``work`` on it, close it.

    Problems a person can fix (no key, wrong key, unreachable database, a rejected import) end
    the command with their message and exit code 1, never with a traceback.
    """
    settings = get_context(ctx).settings

    async def run() -> T:
        async with await Registry.open(settings) as registry:
            return await work(registry)

    try:
        return asyncio.run(run())
    except (RegistryError, CredentialsError) as exc:
        fail(str(exc))
    except DBAPIError as exc:  # e.g. the connection dropped; the statement may hold tokens
        fail(f"the registry database failed: {exc.orig}")
    except ImportRejected as exc:
        reject(exc)


def reject(exc: ImportRejected) -> NoReturn:
    for error in exc.errors:
        typer.echo(error, err=True)
    fail(f"nothing imported: {exc}")


def read_with_progress(read: Callable[[Progress | None], T], noun: str) -> T:
    """Run an importing reader, with a progress bar on stderr when stderr is a terminal."""
    console = Console(stderr=True)
    try:
        if not console.is_terminal:
            return read(None)
        columns = (TextColumn(f"reading {noun}"), BarColumn(), TimeElapsedColumn())
        with ProgressBar(*columns, console=console, transient=True) as bar:
            task = bar.add_task("read", total=None)
            return read(lambda done, total: bar.update(task, completed=done, total=total))
    except ImportRejected as exc:
        reject(exc)
    except OSError as exc:
        fail(f"cannot read {exc.filename}: {exc.strerror}")


def import_file(
    ctx: typer.Context,
    noun: str,
    read: Callable[[Progress | None], list[Row[Any]]],
    apply: Callable[[Registry, list[Row[Any]]], Awaitable[Changes]],
    *,
    dry_run: bool,
) -> None:
    """Read and check a file (no database needed), apply it to the registry, print the counts."""
    rows = read_with_progress(read, noun)
    changes = with_registry(ctx, lambda registry: apply(registry, rows))
    report(noun, changes, dry_run)


def report(noun: str, changes: Changes, dry_run: bool) -> None:
    counts = (
        f"{changes.created} created, {changes.updated} updated, "
        f"{changes.unchanged} unchanged, {changes.removed} removed"
    )
    prefix = "dry run, nothing written; would be " if dry_run else ""
    typer.echo(f"{noun}: {prefix}{counts}")


def show_list(
    records: Sequence[Any],
    columns: Sequence[str],
    fmt: ListFormat,
    output: Path | None,
    writer: Callable[[Iterable[Any], Any, BinaryIO], None],
) -> None:
    """Print records as a table (rich on a terminal, aligned text otherwise) or export them."""
    console = Console()
    if fmt is ListFormat.table and output is None and console.is_terminal:
        console.print(_rich_table(records, columns))
        return
    if fmt is ListFormat.xlsx and output is None and sys.stdout.isatty():
        fail("xlsx is binary: give --output FILE or redirect the output to a file")
    with _destination(output) as out:
        if fmt is ListFormat.table:
            out.write(plain_table(records, columns).encode())
        else:
            writer(records, fmt.value, out)


def _destination(output: Path | None) -> Any:
    if output is None:
        return nullcontext(sys.stdout.buffer)
    try:
        return output.open("wb")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")


def cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return ",".join(value)
    return str(value)


def _rich_table(records: Sequence[Any], columns: Sequence[str]) -> Table:
    table = Table(*columns, caption=f"{len(records)} rows")
    for record in records:
        table.add_row(*(cell(getattr(record, column)) for column in columns))
    return table


def plain_table(records: Sequence[Any], columns: Sequence[str]) -> str:
    """Columns aligned with spaces (by display width, so Chinese names line up), one row a line."""
    lines = [list(columns)] + [[cell(getattr(r, column)) for column in columns] for r in records]
    widths = [max(cell_len(line[i]) for line in lines) for i in range(len(columns))]
    return "".join(
        "  ".join(
            text + " " * (width - cell_len(text)) for text, width in zip(line, widths, strict=True)
        ).rstrip()
        + "\n"
        for line in lines
    )
