"""``camhealth keys generate``: the key that encrypts camera credentials at rest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from camhealth.camera_registry.credentials import generate_key, write_key_file
from camhealth.commands.context import fail

app = typer.Typer(
    help="Create the key that encrypts stored camera credentials.", no_args_is_help=True
)


@app.command()
def generate(
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the key to this new file (mode 0600)."),
    ] = None,
) -> None:
    """Create a new Fernet key: into a new file with --out, else printed on stdout.

    Keep the key safe: the stored credentials cannot be read without it. An existing file is
    never overwritten, since it may hold the key of credentials already stored.

    Examples:

      camhealth keys generate --out /etc/camhealth/credentials.key
      (then set credentials.key_file in the configuration)

      export CAMHEALTH_CREDENTIALS__KEY="$(camhealth keys generate)"
    """
    if out is None:
        typer.echo(generate_key())
        return
    try:
        write_key_file(out)
    except FileExistsError:
        fail(f"{out} exists; it may hold the key of stored credentials, so it is kept")
    except OSError as exc:
        fail(f"cannot create {out}: {exc.strerror}")
    typer.echo(f"wrote a new key to {out}; set credentials.key_file: {out}", err=True)
