"""Credentials out of every text a probe produces: URLs' userinfo, and known secrets verbatim.

Error texts are built from URLs, server replies and exception messages; any of these may carry a
password (``rtsp://admin:secret@host/...`` in a registry URL, a server echoing a header). Every
text that leaves a probe passes through :func:`redact`. The URL and ``password=`` rules are the
log formatter's (``camhealth.logs.redact``); probes also know the camera's actual secrets.
"""

from __future__ import annotations

from collections.abc import Iterable

from camhealth.logs import redact as redact_patterns

MASK = "***"


def redact_url(url: str) -> str:
    """``rtsp://u:p@h/x`` → ``rtsp://***@h/x``; URLs without userinfo come back unchanged."""
    return redact_patterns(url)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` with URL userinfo masked and every non-trivial secret replaced by ``***``."""
    # Known secrets first: a password with '@' or '/' in it defeats the URL pattern.
    for secret in secrets:
        # A 1-2 character "password" would mask half the text and protects nothing anyway.
        if secret and len(secret) >= 3:
            text = text.replace(secret, MASK)
    return redact_patterns(text)
