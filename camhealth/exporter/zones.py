"""The time zone the console, its exports and the API's periods read and show times in.

``exporter.timezone`` in the configuration (an IANA name such as ``Asia/Shanghai``); unset,
the machine's own zone: ``TZ`` if set, else ``/etc/localtime`` (by its IANA name when it is
a link into the zone database, so pages can name it), else UTC.
"""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_LOCALTIME = Path("/etc/localtime")


def zone_of(name: str | None) -> ZoneInfo:
    """The configured zone, or the machine's when ``name`` is None."""
    return ZoneInfo(name) if name else local_zone()


def local_zone(localtime: Path = _LOCALTIME) -> ZoneInfo:
    for name in (os.environ.get("TZ", "").removeprefix(":"), _linked_name(localtime)):
        if name:
            try:
                return ZoneInfo(name)
            except (ValueError, ZoneInfoNotFoundError):
                pass
    if localtime.is_file():
        with localtime.open("rb") as data:
            return ZoneInfo.from_file(data)  # no name to show: "local time"
    return ZoneInfo("UTC")


def _linked_name(localtime: Path) -> str:
    """``Asia/Shanghai`` for /etc/localtime -> /usr/share/zoneinfo/Asia/Shanghai."""
    _, found, name = str(localtime.resolve()).partition("/zoneinfo/")
    return name if found else ""


def zone_name(zone: ZoneInfo) -> str:
    return zone.key or "local time"
