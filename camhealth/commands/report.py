"""``camhealth report``: the assessment report of a month, a day or an hour."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from camhealth.camera_registry.credentials import CredentialsError
from camhealth.camera_registry.store import Registry, RegistryError
from camhealth.commands.context import fail, get_context
from camhealth.config import Settings
from camhealth.health.timeline import Period
from camhealth.monitor.report import HOLD_INTERVALS, HOLD_SECONDS, Report, build_report
from camhealth.monitor.report_formats import Format, render
from camhealth.monitor.store import MonitorStore


def report(
    ctx: typer.Context,
    period: Annotated[
        str, typer.Option(help="2026-11 (a month), 2026-11-02 (a day), 2026-11-02T08.")
    ],
    district: Annotated[str | None, typer.Option(help="Only this district (镇/街道).")] = None,
    fmt: Annotated[Format, typer.Option("--format", help="md, csv, xlsx or html.")] = "md",
    output: Annotated[Path | None, typer.Option(help="Write here (default: stdout).")] = None,
    timezone: Annotated[str, typer.Option(help="Time zone the period is in.")] = "Asia/Shanghai",
) -> None:
    """The assessment report of a period: each indicator's time-weighted value and stars, a
    table per district, the key areas without HD coverage, the cameras not intact with their
    downtime and faults (and in HTML their evidence pictures).

    Examples:
      camhealth report --period 2026-11
      camhealth report --period 2026-11 --district 城厢街道 --format html --output nov.html
    """
    settings = get_context(ctx).settings
    try:
        span = Period.parse(period, ZoneInfo(timezone))
    except (ValueError, ZoneInfoNotFoundError) as exc:
        fail(str(exc) if isinstance(exc, ValueError) else f"unknown time zone {timezone!r}")
    if fmt == "xlsx" and output is None and sys.stdout.isatty():
        fail("xlsx is binary: give --output FILE or redirect stdout")
    try:
        data = asyncio.run(_make(settings, span, district, fmt))
    except (RegistryError, CredentialsError) as exc:
        fail(str(exc))
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)
        typer.echo(f"report written to {output}", err=True)


async def make_report(
    settings: Settings, period: Period, district: str | None
) -> tuple[Report, MonitorStore]:
    """The report and the open store it came from (for the evidence pictures)."""
    async with await Registry.open(settings) as registry:
        areas, cameras = await registry.list_areas(), await registry.list_cameras()
    store = await MonitorStore.open(settings)
    interval = settings.monitor.history_interval
    hold = timedelta(seconds=max(HOLD_INTERVALS * interval, HOLD_SECONDS))
    built = build_report(
        period,
        district,
        datetime.now(UTC),
        (areas, cameras),
        await store.history(period.start, period.end),
        await store.events(end=period.end),
        await store.states(),
        hold,
    )
    return built, store


async def _make(settings: Settings, period: Period, district: str | None, fmt: Format) -> bytes:
    built, store = await make_report(settings, period, district)
    try:
        refs = [d.evidence for d in built.cameras if d.evidence] if fmt == "html" else []
        return render(built, fmt, await store.evidence(refs))
    finally:
        await store.close()
