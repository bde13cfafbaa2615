"""``camhealth users add|list|remove|password|token``: who may use the API and the console."""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from typing import Annotated, TypeVar

import typer

from camhealth.commands.context import fail, get_context
from camhealth.exporter.accounts import NAME_PATTERN, AccountError, Accounts, Role

app = typer.Typer(help="Users of the web console and the JSON API.", no_args_is_help=True)
T = TypeVar("T")
MIN_PASSWORD = 10

Name = Annotated[str, typer.Argument(metavar="NAME", help="The user's login name.")]


def _with_accounts(ctx: typer.Context, work: Callable[[Accounts], Awaitable[T]]) -> T:
    settings = get_context(ctx).settings

    async def run() -> T:
        async with aclosing(await Accounts.open(settings)) as accounts:
            return await work(accounts)

    try:
        return asyncio.run(run())
    except AccountError as exc:
        fail(str(exc))


def _read_password() -> str:
    """From a hidden prompt (asked twice) on a terminal; else the first line of stdin."""
    if sys.stdin.isatty():
        password: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD:
        fail(f"the password needs at least {MIN_PASSWORD} characters")
    return password


@app.command()
def add(
    ctx: typer.Context,
    name: Name,
    role: Annotated[Role, typer.Option("--role", "-r", help="viewer, operator or admin.")] = (
        Role.viewer
    ),
) -> None:
    """Add a user; the password is asked for (or read from stdin), never an argument.

    viewer reads everything; operator also sets maintenance windows; admin also edits the
    registry.

    Examples:

      camhealth users add wang --role operator

      printf '%s\\n' "$PASSWORD" | camhealth users add ci-bot --role viewer
    """
    if not re.fullmatch(NAME_PATTERN, name):
        fail("a name is 1-64 letters, digits or _ . @ - and starts with a letter or digit")
    password = _read_password()
    _with_accounts(ctx, lambda accounts: accounts.add_user(name, role, password))
    typer.echo(f"added {name} ({role})")


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """Print each user and role."""
    for user in _with_accounts(ctx, lambda accounts: accounts.list_users()):
        typer.echo(f"{user.name}\t{user.role}")


@app.command()
def remove(ctx: typer.Context, name: Name) -> None:
    """Remove a user with their sessions and API tokens."""
    _with_accounts(ctx, lambda accounts: accounts.remove_user(name))
    typer.echo(f"removed {name}")


@app.command()
def password(ctx: typer.Context, name: Name) -> None:
    """Set a new password (asked for, or read from stdin); ends the user's sessions."""
    new = _read_password()
    _with_accounts(ctx, lambda accounts: accounts.set_password(name, new))
    typer.echo(f"password of {name} changed")


@app.command()
def token(ctx: typer.Context, name: Name) -> None:
    """Create an API token for NAME and print it once (only a digest is stored).

    Example:

      curl -H "Authorization: Bearer $(camhealth users token ci-bot)" \\
           http://127.0.0.1:9810/api/v1/cameras
    """
    typer.echo(_with_accounts(ctx, lambda accounts: accounts.create_token(name)))
