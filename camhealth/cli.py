"""The ``camhealth`` command: one typer app, each noun's commands in ``camhealth.commands``.

Command modules are imported only when their command runs: together they pull in PyAV, OpenCV,
zeep and the web stack, seconds of start-up that ``camhealth cameras list`` should not pay.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from camhealth import __version__
from camhealth.commands.context import AppContext

# name: (module in camhealth.commands, attribute: a typer app or a command function)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("demo", "demo"),
    "run": ("run", "run"),
    "probe": ("probe", "probe"),
    "report": ("report", "report"),
    "cameras": ("cameras", "app"),
    "areas": ("areas", "app"),
    "reference": ("reference", "app"),
    "analyze": ("analyze", "analyze"),
    "simulate": ("simulate", "simulate"),
    "users": ("users", "app"),
    "keys": ("keys", "app"),
    "config": ("config_cmd", "app"),
}


class LazyCommands(TyperGroup):
    """A group whose sub-commands are imported the first time they are asked for."""

    # typer vendors its own click; its types are private, so the overrides say Any.
    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name]
        target = getattr(importlib.import_module(f"camhealth.commands.{module}"), attribute)
        if isinstance(target, typer.Typer):
            command: Any = typer.main.get_group(target)
        else:
            wrapper = typer.Typer(add_completion=False)
            wrapper.command()(target)
            command = typer.main.get_command(wrapper)
        command.name = cmd_name
        return command


app = typer.Typer(
    cls=LazyCommands,
    name="camhealth",
    help="Watch a city's video-surveillance cameras and the L4P4/L4P5/L4P6 indicators.\n\n"
    "Start with `camhealth demo`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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
