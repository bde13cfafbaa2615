"""The maintenance list: every camera not intact, why, since when, filtered and sorted.

Pure: it reads a Snapshot and the query string's filters, so the page, the exports and the
printable work list all show the same rows in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from camhealth.health.snapshot import CameraEntry, Snapshot

STATUSES = ("offline", "stream_failed", "faulty", "disabled", "unknown", "not_intact")
SORTS = ("since", "district", "area", "camera", "status")


class Row(NamedTuple):
    """One camera of the list, in the words the crews use (a NamedTuple: cheap to make for a
    city where thousands are down at once)."""

    camera: str
    name: str
    area: str
    area_name: str
    district: str
    status: str  # one of STATUSES
    faults: tuple[str, ...]
    since: datetime | None
    muted: bool


@dataclass(frozen=True)
class Filters:
    district: str = ""
    area: str = ""
    fault: str = ""
    status: str = ""
    sort: str = "since"

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Filters:
        """Unknown sort or status values fall back to "no filter" rather than an error."""
        status = query.get("status", "")
        sort = query.get("sort", "since")
        return cls(
            district=query.get("district", "")[:100],
            area=query.get("area", "")[:64],
            fault=query.get("fault", "")[:32],
            status=status if status in STATUSES else "",
            sort=sort if sort in SORTS else "since",
        )

    def keep(self, row: Row) -> bool:
        return (
            (not self.district or row.district == self.district)
            and (not self.area or row.area == self.area)
            and (not self.fault or self.fault in row.faults)
            and (not self.status or row.status == self.status)
        )


def row_of(entry: CameraEntry) -> Row | None:
    """The camera's row, or None when it is intact."""
    state = entry.state
    if state.intact.value is True:
        return None
    faults = state.confirmed_faults
    status, since = _status(entry, faults)
    return Row(
        camera=entry.id,
        name=entry.record.name,
        area=entry.area.id,
        area_name=entry.area.name,
        district=entry.district,
        status=status,
        faults=faults,
        since=since,
        muted=entry.muted,
    )


def _status(entry: CameraEntry, faults: tuple[str, ...]) -> tuple[str, datetime | None]:
    """The most basic thing wrong first: a crew fixes power before focus."""
    state = entry.state
    if not entry.record.enabled:
        return "disabled", None
    if state.online.value is False:
        return "offline", state.online.since
    if state.stream.value is False:
        return "stream_failed", state.stream.since
    if faults:
        return "faulty", state.intact.since
    if state.intact.value is None:
        return "unknown", None
    return "not_intact", state.intact.since


def all_rows(snapshot: Snapshot) -> list[Row]:
    return [row for entry in snapshot.cameras.values() if (row := row_of(entry)) is not None]


class RowCache:
    """The rows of the latest Snapshot, made once per Snapshot rather than per page view
    (tenths of a second for a city with thousands of cameras down)."""

    def __init__(self) -> None:
        self._of: Snapshot | None = None
        self._rows: list[Row] = []

    def rows(self, snapshot: Snapshot) -> list[Row]:
        if snapshot is not self._of:
            self._rows, self._of = all_rows(snapshot), snapshot
        return self._rows


def maintenance_rows(rows: list[Row], filters: Filters) -> list[Row]:
    return sorted((row for row in rows if filters.keep(row)), key=_SORT_KEYS[filters.sort])


def _since_key(row: Row) -> tuple[bool, float, str]:
    # Oldest first (the longest outage is the most urgent); rows without a date last.
    if row.since is None:
        return True, 0.0, row.camera
    return False, row.since.timestamp(), row.camera


_SORT_KEYS = {
    "since": _since_key,
    "district": lambda row: (row.district, row.area, row.camera),
    "area": lambda row: (row.area, row.camera),
    "camera": lambda row: (row.camera,),
    "status": lambda row: (STATUSES.index(row.status), row.camera),
}


def choices(snapshot: Snapshot, rows: list[Row]) -> dict[str, list[str]]:
    """The values each filter can take, for the form's selects (``rows``: all of the list;
    a camera with a confirmed fault is never intact, so its faults are all there)."""
    faults = {fault for row in rows for fault in row.faults}
    return {
        "district": sorted({area.district for area in snapshot.areas.values()}),
        "area": sorted(snapshot.areas),
        "fault": sorted(faults),
        "status": list(STATUSES),
        "sort": list(SORTS),
    }
