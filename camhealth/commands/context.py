"""What every command shares: the configuration file, loaded once on first use."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import NoReturn

import typer

from camhealth.config import ConfigError, Settings, load_settings
from camhealth.logs import setup_logging


@dataclass
class AppContext:
    config_path: Path | None = None

    @cached_property
    def settings(self) -> Settings:
        try:
            settings = load_settings(self.config_path)
        except ConfigError as exc:
            fail(f"invalid configuration ({exc.source}):\n  " + "\n  ".join(exc.errors))
        setup_logging(settings.logging)
        return settings


def get_context(ctx: typer.Context) -> AppContext:
    obj = ctx.find_root().obj
    return obj if isinstance(obj, AppContext) else AppContext()


def fail(message: str, code: int = 1) -> NoReturn:
    """Print an error for a person (no traceback) and stop with a non-zero exit code."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)
