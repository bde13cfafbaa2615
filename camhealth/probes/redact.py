"""Credentials out of every text a probe produces: URLs' userinfo, and known secrets verbatim.

Error texts are built from URLs, server replies and exception messages; any of these may carry a
password (``rtsp://admin:secret@host/...`` in a registry URL, a server echoing a header). Every
text that leaves a probe passes through :func:`redact`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"
# scheme://userinfo@ — userinfo is anything up to the last '@' before the host part ends.
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)[^/\s@]*(?::[^/\s]*)?@")


def redact_url(url: str) -> str:
    """``rtsp://u:p@h/x`` → ``rtsp://***@h/x``; URLs without userinfo come back unchanged."""
    return _USERINFO.sub(lambda m: m.group("scheme") + MASK + "@", url)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with URL userinfo masked and every non-trivial secret replaced by ``***``."""
    text = redact_url(text)
    for secret in secrets:
        # A 1-2 character "password" would mask half the text and protects nothing anyway.
        if secret and len(secret) >= 3:
            text = text.replace(secret, MASK)
    return text
