"""``camhealth config check|show``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import yaml

from camhealth.commands.context import get_context
from camhealth.config import ConfigError, load_settings, masked_dump

app = typer.Typer(help="Check or show the configuration.", no_args_is_help=True)


@app.command()
def check(
    file: Annotated[Path, typer.Argument(help="YAML configuration file to check.")],
) -> None:
    """List every error in FILE (with CAMHEALTH_* overrides applied) by path; exit 1 if any.

    Example: camhealth config check /etc/camhealth.yml
    """
    try:
        load_settings(file)
    except ConfigError as exc:
        for error in exc.errors:
            typer.echo(f"{exc.source}: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{file}: OK")


@app.command()
def show(ctx: typer.Context) -> None:
    """Print the effective configuration (file, environment, defaults) with secrets masked.

    Example: CAMHEALTH_PROBES__TIMEOUT=3 camhealth -c camhealth.yml config show
    """
    settings = get_context(ctx).settings
    typer.echo(yaml.safe_dump(masked_dump(settings), sort_keys=False, allow_unicode=True), nl=False)
