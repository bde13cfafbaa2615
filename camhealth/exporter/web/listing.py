"""The maintenance list: every camera not intact, why, since when, filtered and sorted.

Pure: it reads a Snapshot and the query string's filters, so the page, the exports and the
printable work list all show the same rows in the same order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from camhealth.health.snapshot import CameraEntry, Snapshot

STATUSES = ("offline", "stream_failed", "faulty", "disabled", "unknown", "not_intact")
SORTS = ("since", "district", "area", "camera", "status")


@dataclass(frozen=True)
class Row:
    """One camera of the list, in the words the crews use."""

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
    status, since = _status(entry)
    return Row(
        camera=entry.id,
        name=entry.record.name,
        area=entry.area.id,
        area_name=entry.area.name,
        district=entry.district,
        status=status,
        faults=state.confirmed_faults,
        since=since,
        muted=entry.muted,
    )


def _status(entry: CameraEntry) -> tuple[str, datetime | None]:
    """The most basic thing wrong first: a crew fixes power before focus."""
    state = entry.state
    if not entry.record.enabled:
        return "disabled", None
    if state.online.value is False:
        return "offline", state.online.since
    if state.stream.value is False:
        return "stream_failed", state.stream.since
    if state.confirmed_faults:
        return "faulty", state.intact.since
    if state.intact.value is None:
        return "unknown", None
    return "not_intact", state.intact.since


def maintenance_rows(snapshot: Snapshot, filters: Filters) -> list[Row]:
    rows = [row for entry in snapshot.cameras.values() if (row := row_of(entry)) is not None]
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


def choices(snapshot: Snapshot) -> dict[str, list[str]]:
    """The values each filter can take, for the form's selects."""
    faults = {f for entry in snapshot.cameras.values() for f in entry.state.confirmed_faults}
    return {
        "district": sorted({area.district for area in snapshot.areas.values()}),
        "area": sorted(snapshot.areas),
        "fault": sorted(faults),
        "status": list(STATUSES),
        "sort": list(SORTS),
    }
