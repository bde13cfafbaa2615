"""The monitor's store: camera states, events, indicator history, last pictures and evidence.

Everything the pipeline learns between two flushes goes into one ``Batch`` and is written in one
transaction with executemany statements, so the database sees a few statements every couple of
seconds however many cameras there are. A state and the events that led to it are always in the
same transaction: after a crash (even SIGKILL) the stored states and events agree, and what was
not yet written is observed again and decided again, never half-remembered.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from camhealth.camera_registry.database import open_migrated
from camhealth.camera_registry.models import Base
from camhealth.config import MonitorConfig, Settings
from camhealth.health.events import Event
from camhealth.health.indicators import Indicator, IndicatorReport
from camhealth.health.state import CameraState
from camhealth.monitor.models import EventRow, EvidenceRow, HistoryRow, PictureRow, StateRow

log = logging.getLogger(__name__)
_CHUNK = 1000  # rows per statement: below every backend's limit on bound parameters


@dataclass(frozen=True)
class StoredPicture:
    camera_id: str
    taken_at: datetime
    sample: bytes
    diagnosis: dict[str, Any]


@dataclass
class Batch:
    """What one flush writes. States and pictures are the latest per camera (an upsert)."""

    states: dict[str, CameraState] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    pictures: dict[str, StoredPicture] = field(default_factory=dict)
    evidence: list[tuple[str, str, datetime, bytes]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.states or self.events or self.pictures or self.evidence or self.history)

    def add_history(self, at: datetime, report: IndicatorReport) -> None:
        for scope in (report.city, *report.districts):
            for indicator in Indicator:
                rate = scope.rate(indicator)
                self.history.append(
                    {
                        "at": at,
                        "district": scope.district or "",
                        "indicator": indicator.value,
                        "numerator": rate.numerator,
                        "denominator": rate.denominator,
                    }
                )


class MonitorStore:
    """The monitor's tables in the registry's database. Open with ``await MonitorStore.open``."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    async def open(cls, settings: Settings) -> MonitorStore:
        engine = await open_migrated(settings.database.url.get_secret_value())
        return cls(engine)

    async def close(self) -> None:
        await self.engine.dispose()

    # -- writing ------------------------------------------------------------------------------

    async def write(self, batch: Batch) -> None:
        """Write a batch in one transaction: all of it or (on a crash) none of it."""
        async with self.engine.begin() as conn:
            await self._upsert(conn, StateRow, "camera_id", _state_rows(batch.states))
            await self._upsert(conn, PictureRow, "camera_id", _picture_rows(batch))
            await _insert(conn, EventRow, [_event_row(e) for e in batch.events])
            await self._upsert(conn, EvidenceRow, "ref", _evidence_rows(batch))
            history_key = ("at", "district", "indicator")
            await self._upsert(conn, HistoryRow, history_key, batch.history)

    async def _upsert(
        self,
        conn: AsyncConnection,
        model: type[Base],
        key: str | tuple[str, ...],
        rows: Sequence[dict[str, Any]],
    ) -> None:
        if not rows:
            return
        keys = (key,) if isinstance(key, str) else key
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(model)
        others = [c.name for c in model.__table__.c if c.name not in keys]
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_={name: statement.excluded[name] for name in others}
        )
        for start in range(0, len(rows), _CHUNK):
            await conn.execute(statement, list(rows[start : start + _CHUNK]))

    async def forget(self, camera_ids: Iterable[str]) -> None:
        """Drop the current state and last picture of cameras no longer in the registry."""
        ids = list(camera_ids)
        async with self.engine.begin() as conn:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                for model in (StateRow, PictureRow):
                    await conn.execute(delete(model).where(model.camera_id.in_(chunk)))

    async def prune(self, config: MonitorConfig, now: datetime) -> None:
        """Apply the retention settings: events, history and evidence past their days go."""
        async with self.engine.begin() as conn:
            await conn.execute(
                delete(EventRow).where(EventRow.at < now - timedelta(days=config.events_days))
            )
            await conn.execute(
                delete(HistoryRow).where(HistoryRow.at < now - timedelta(days=config.history_days))
            )
            evidence_cut = now - timedelta(days=config.evidence_days)
            await conn.execute(delete(EvidenceRow).where(EvidenceRow.taken_at < evidence_cut))

    # -- reading ------------------------------------------------------------------------------

    async def states(self) -> dict[str, CameraState]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(StateRow.camera_id, StateRow.state))
            return {row.camera_id: CameraState.from_dict(row.state) for row in rows}

    async def pictures(self) -> dict[str, StoredPicture]:
        query = select(*PictureRow.__table__.columns)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings()
            return {row["camera_id"]: StoredPicture(**row) for row in rows}

    async def events(
        self, start: datetime | None = None, end: datetime | None = None, camera: str | None = None
    ) -> list[Event]:
        """Events decided in [start, end), oldest first (by time, then by order written)."""
        query = select(EventRow.body).order_by(EventRow.at, EventRow.id)
        if start is not None:
            query = query.where(EventRow.at >= start)
        if end is not None:
            query = query.where(EventRow.at < end)
        if camera is not None:
            query = query.where(EventRow.camera_id == camera)
        async with self.engine.connect() as conn:
            return [Event.from_dict(body) for body in (await conn.scalars(query))]

    async def history(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """History rows in [start, end) plus the last sample before ``start`` (it carries in)."""
        before = select(HistoryRow.at).where(HistoryRow.at < start).order_by(HistoryRow.at.desc())
        columns = select(*HistoryRow.__table__.columns).order_by(HistoryRow.at)
        async with self.engine.connect() as conn:
            first = await conn.scalar(before.limit(1))
            query = columns.where(HistoryRow.at >= (first or start), HistoryRow.at < end)
            return [dict(row) for row in (await conn.execute(query)).mappings()]

    async def evidence(self, refs: Iterable[str]) -> dict[str, bytes]:
        wanted = list(dict.fromkeys(refs))
        found: dict[str, bytes] = {}
        async with self.engine.connect() as conn:
            for start in range(0, len(wanted), _CHUNK):
                query = select(EvidenceRow.ref, EvidenceRow.jpeg).where(
                    EvidenceRow.ref.in_(wanted[start : start + _CHUNK])
                )
                found.update({row.ref: row.jpeg for row in await conn.execute(query)})
        return found

    async def last_pictures(self, cameras: Iterable[str]) -> dict[str, str]:
        """The newest evidence reference of each camera that has one: a page of the console's
        list asks for all of its thumbnails at once."""
        wanted = list(dict.fromkeys(cameras))
        found: dict[str, str] = {}
        async with self.engine.connect() as conn:
            for start in range(0, len(wanted), _CHUNK):
                newest = (
                    select(EvidenceRow.camera_id, func.max(EvidenceRow.taken_at).label("at"))
                    .where(EvidenceRow.camera_id.in_(wanted[start : start + _CHUNK]))
                    .group_by(EvidenceRow.camera_id)
                    .subquery()
                )
                query = select(EvidenceRow.camera_id, EvidenceRow.ref).join(
                    newest,
                    and_(
                        EvidenceRow.camera_id == newest.c.camera_id,
                        EvidenceRow.taken_at == newest.c.at,
                    ),
                )
                found.update({row.camera_id: row.ref for row in await conn.execute(query)})
        return found


async def _insert(conn: AsyncConnection, model: type[Base], rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        await conn.execute(insert(model), rows[start : start + _CHUNK])


def _state_rows(states: dict[str, CameraState]) -> list[dict[str, Any]]:
    return [
        {"camera_id": camera_id, "state": state.to_dict(), "updated_at": state.updated_at}
        for camera_id, state in states.items()
        if state.updated_at is not None
    ]


def _picture_rows(batch: Batch) -> list[dict[str, Any]]:
    return [vars(picture) for picture in batch.pictures.values()]


def _event_row(event: Event) -> dict[str, Any]:
    return {
        "camera_id": event.camera,
        "kind": event.kind.value,
        "at": event.at,
        "since": event.since,
        "fault": event.fault,
        "body": event.to_dict(),
    }


def _evidence_rows(batch: Batch) -> list[dict[str, Any]]:
    return [
        {"ref": ref, "camera_id": camera_id, "taken_at": taken_at, "jpeg": jpeg}
        for ref, camera_id, taken_at, jpeg in batch.evidence
    ]
