"""The ``camhealth`` command: one typer app, each noun's commands in ``camhealth.commands``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from camhealth import __version__
from camhealth.commands import (
    areas,
    cameras,
    config_cmd,
    demo,
    keys,
    probe,
    report,
    run,
    simulate,
    users,
)
from camhealth.commands.analyze import analyze
from camhealth.commands.context import AppContext
from camhealth.commands.reference import app as reference_app

app = typer.Typer(
    name="camhealth",
    help="Watch a city's video-surveillance cameras and the L4P4/L4P5/L4P6 indicators.\n\n"
    "Start with `camhealth demo`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(config_cmd.app, name="config")
app.command()(demo.demo)
app.add_typer(cameras.app, name="cameras")
app.add_typer(areas.app, name="areas")
app.add_typer(keys.app, name="keys")
app.command()(simulate.simulate)
app.command()(probe.probe)
app.command()(run.run)
app.command()(report.report)
app.add_typer(users.app, name="users")
app.command()(analyze)
app.add_typer(reference_app, name="reference")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"camhealth {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", envvar="CAMHEALTH_CONFIG", help="YAML configuration file."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    ctx.obj = AppContext(config_path=config)


def main() -> None:
    app()
