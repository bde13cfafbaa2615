"""Structured logging: JSON lines when not on a terminal, readable text on one; secrets redacted.

Redaction is the last line of defence (credentials should never reach a log call at all): it
removes ``user:password@`` from any URL in a message and the values of ``password=``-like pairs.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from camhealth.config import LoggingConfig

_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.\-]*://)[^/\s@]+@")
_SECRET_PAIR = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|secret|token|key)\b[\"']?\s*[=:]\s*[\"']?)[^\s\"',;&]+",
    re.IGNORECASE,
)
# Attributes every LogRecord has; anything else was passed in ``extra`` and is logged as a field.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


def redact(text: str) -> str:
    """``rtsp://admin:pw@h/x password=pw`` → ``rtsp://***@h/x password=***``."""
    text = _USERINFO.sub(r"\g<scheme>***@", text)
    return _SECRET_PAIR.sub(r"\g<key>***", text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message and the record's ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return redact(json.dumps(entry, ensure_ascii=False, default=str))


def setup_logging(config: LoggingConfig, stream: TextIO | None = None) -> None:
    stream = stream or sys.stderr
    use_json = config.format == "json" or (config.format == "auto" and not stream.isatty())
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        JsonFormatter()
        if use_json
        else RedactingFormatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # DEBUG is for camhealth's own loggers; libraries' debug chatter (SQL drivers, HTTP) would
    # drown it, so they stay at WARNING unless the configured level is stricter still.
    root.setLevel(max(logging.WARNING, logging.getLevelNamesMapping()[config.level]))
    logging.getLogger("camhealth").setLevel(config.level)
