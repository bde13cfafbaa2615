"""Camera credentials at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key from the settings.

The key comes from ``credentials.key`` (best set as ``CAMHEALTH_CREDENTIALS__KEY``) or from the
file named by ``credentials.key_file``. Errors name what to do and never carry the key or a
credential.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from camhealth.config import CredentialsConfig

HOW_TO_FIX = (
    "set CAMHEALTH_CREDENTIALS__KEY or credentials.key_file; "
    "create one with `camhealth keys generate`"
)


class CredentialsError(Exception):
    """The key is missing, unreadable, or not the key the stored credentials were sealed with."""


class MissingKeyError(CredentialsError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what} but no key is configured: {HOW_TO_FIX}")


Pair = tuple[str | None, str | None]  # (username, password)


class Cipher:
    """Seals a camera's (username, password) into one token and opens it again."""

    def __init__(self, key: bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise CredentialsError(
                "the credentials key is not a Fernet key (32 url-safe base64-encoded bytes); "
                "create one with `camhealth keys generate`"
            ) from None

    def seal(self, pair: Pair) -> bytes:
        return self._fernet.encrypt(json.dumps(list(pair)).encode())

    def open(self, token: bytes) -> Pair:
        try:
            username, password = json.loads(self._fernet.decrypt(token))
        except InvalidToken:
            raise CredentialsError(
                "the configured credentials key does not decrypt the stored credentials: "
                "use the key they were stored with (or re-import them with the new key)"
            ) from None
        return username, password


def load_cipher(config: CredentialsConfig) -> Cipher | None:
    """The configured cipher, or ``None`` when neither a key nor a key file is set."""
    if config.key is not None:
        return Cipher(config.key.get_secret_value().strip().encode())
    if config.key_file is not None:
        return Cipher(_read_key_file(config.key_file))
    return None


def _read_key_file(path: Path) -> bytes:
    try:
        return path.read_bytes().strip()
    except OSError as exc:
        raise CredentialsError(
            f"cannot read the credentials key file {path}: {exc.strerror}"
        ) from None


def write_key_file(path: Path) -> None:
    """Create ``path`` holding a new key, readable by its owner only; never overwrite a key."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(Fernet.generate_key() + b"\n")


def generate_key() -> str:
    return Fernet.generate_key().decode()
