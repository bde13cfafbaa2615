"""The secrets file an import may point into: ``credential_ref`` → username and password.

    front-gate:            # the value of a camera's credential_ref column
      username: admin
      password: "0123abc"

It is read with YAML's base loader, which makes every value a string exactly as written: the safe
loader would turn ``password: 0123`` into the number 83. Nothing from the file is ever echoed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

_MAX_BYTES = 4 * 1024 * 1024
Pair = tuple[str | None, str | None]


class SecretsFileError(Exception):
    """The secrets file is unusable; the message names entries, never their values."""


class CredentialRefs:
    """Resolves the ``credential_ref`` of a camera row into ``username`` and ``password``."""

    def __init__(self, pairs: dict[str, Pair] | None) -> None:
        self._pairs = pairs

    @classmethod
    def load(cls, path: Path | None) -> CredentialRefs:
        return cls(None if path is None else _load(path))

    def resolve(self, data: dict[str, Any], problem: Callable[[str, str], None]) -> None:
        """Replace ``data["credential_ref"]`` by the pair it names; report what is wrong."""
        ref = data.pop("credential_ref", None)
        if ref is None:
            return
        if "username" in data or "password" in data:
            problem("credential_ref", "give either credential_ref or username/password, not both")
        elif self._pairs is None:
            problem("credential_ref", "needs a secrets file (--secrets FILE)")
        elif ref.strip() not in self._pairs:
            problem("credential_ref", "no such entry in the secrets file")
        else:
            data["username"], data["password"] = self._pairs[ref.strip()]


def _load(path: Path) -> dict[str, Pair]:
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise SecretsFileError("the secrets file is larger than 4 MB")
        document = yaml.load(path.read_bytes(), Loader=yaml.BaseLoader)  # noqa: S506 - strings only
    except OSError as exc:
        raise SecretsFileError(f"cannot read the secrets file: {exc.strerror}") from None
    except yaml.YAMLError:
        # The parser's message quotes the line it stopped at: it may hold a password.
        raise SecretsFileError("the secrets file is not valid YAML") from None
    if not isinstance(document, dict):
        raise SecretsFileError("the secrets file must map each reference to username/password")
    return {str(ref): _pair(str(ref), entry) for ref, entry in document.items()}


def _pair(ref: str, entry: Any) -> Pair:
    if not isinstance(entry, dict) or not set(entry) <= {"username", "password"} or not entry:
        raise SecretsFileError(
            f"secrets file entry {ref!r}: expected a mapping with username and/or password"
        )
    if not all(isinstance(value, str) for value in entry.values()):
        raise SecretsFileError(f"secrets file entry {ref!r}: username and password must be text")
    return entry.get("username") or None, entry.get("password") or None
