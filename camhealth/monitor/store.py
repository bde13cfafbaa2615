"""The monitor's store: camera states, events, indicator history, last pictures and evidence.

Everything the pipeline learns between two flushes goes into one ``Batch`` and is written in one
transaction with executemany statements, so the database sees a few statements every couple of
seconds however many cameras there are. A state and the events that led to it are always in the
same transaction: after a crash (even SIGKILL) the stored states and events agree, and what was
not yet written is observed again and decided again, never half-remembered.

A camera's samples (its last picture's and its reference view's) live here, not in the monitor's
memory: ``kept`` reads both at each of its pictures, in one query, together with the registry's
reference date, which tells whether an operator set a new reference since. What is not yet
written (the pending batch, or the one being written) is newer than the database and wins.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import BindParameter

from camhealth.camera_registry.database import open_migrated
from camhealth.camera_registry.models import Base, CameraReference
from camhealth.config import MonitorConfig, Settings
from camhealth.health.events import Event
from camhealth.health.indicators import Indicator, IndicatorReport
from camhealth.health.state import CameraState
from camhealth.monitor.models import (
    EventRow,
    EvidenceRow,
    HistoryRow,
    PictureRow,
    ReferenceRow,
    StateRow,
)

log = logging.getLogger(__name__)
_CHUNK = 1000  # rows per statement: below every backend's limit on bound parameters


@dataclass(frozen=True)
class StoredPicture:
    camera_id: str
    taken_at: datetime
    sample: bytes
    diagnosis: dict[str, Any]


@dataclass(frozen=True)
class StoredReference:
    """A reference view's packed Sample, made from the registry's JPEG of ``taken_at``; empty
    when that JPEG did not decode (so it is not tried at every picture)."""

    camera_id: str
    taken_at: datetime
    sample: bytes


@dataclass(frozen=True)
class Kept:
    """What the store keeps of a camera for judging its next picture."""

    previous: bytes | None  # the last picture's packed sample
    converted: StoredReference | None  # the reference's packed sample, as last converted
    registry_taken_at: datetime | None  # when the registry's reference was taken (None: none)

    @property
    def reference(self) -> bytes | None:
        """The reference's packed sample, if it is the registry's current one and decoded."""
        if self.converted is None or self.converted.taken_at != self.registry_taken_at:
            return None
        return self.converted.sample or None

    @property
    def outdated(self) -> bool:
        """The registry has a reference the monitor has not converted (new, or replaced)."""
        converted = None if self.converted is None else self.converted.taken_at
        return self.registry_taken_at is not None and converted != self.registry_taken_at


@dataclass
class Batch:
    """What one flush writes. States, pictures and references are the latest per camera (an
    upsert). A reference's sample lost with a batch that failed to write is only made again
    from the registry's JPEG at the camera's next picture."""

    states: dict[str, CameraState] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    pictures: dict[str, StoredPicture] = field(default_factory=dict)
    references: dict[str, StoredReference] = field(default_factory=dict)
    evidence: list[tuple[str, str, datetime, bytes]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        kept = self.pictures or self.references
        return bool(self.states or self.events or kept or self.evidence or self.history)

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
        self._writing: Batch | None = None  # the batch in the transaction now, not yet committed

    @classmethod
    async def open(cls, settings: Settings) -> MonitorStore:
        engine = await open_migrated(settings.database.url.get_secret_value())
        return cls(engine)

    async def close(self) -> None:
        await self.engine.dispose()

    # -- writing ------------------------------------------------------------------------------

    async def write(self, batch: Batch) -> None:
        """Write a batch in one transaction: all of it or (on a crash) none of it."""
        self._writing = batch
        try:
            async with self.engine.begin() as conn:
                await self._upsert(conn, StateRow, "camera_id", _state_rows(batch.states))
                await self._upsert(conn, PictureRow, "camera_id", _rows(batch.pictures))
                await self._upsert(conn, ReferenceRow, "camera_id", _rows(batch.references))
                await _insert(conn, EventRow, [_event_row(e) for e in batch.events])
                await self._upsert(conn, EvidenceRow, "ref", _evidence_rows(batch))
                history_key = ("at", "district", "indicator")
                await self._upsert(conn, HistoryRow, history_key, batch.history)
        finally:
            self._writing = None

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
        """Drop the current state, last picture and reference sample of cameras no longer in
        the registry."""
        ids = list(camera_ids)
        async with self.engine.begin() as conn:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                for model in (StateRow, PictureRow, ReferenceRow):
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

    async def kept(self, camera_id: str, pending: Batch) -> Kept:
        """The camera's last sample, its reference's sample and the registry's reference date,
        in one query (four lookups by primary key). The batch being written and ``pending``
        are newer than the database; they are taken before the query, as a batch committed
        while it runs may be missing from its result."""
        newer = [batch for batch in (self._writing, pending) if batch is not None]
        async with self.engine.connect() as conn:
            row = (await conn.execute(_KEPT, {"camera_id": camera_id})).one()
        previous, converted = row.previous, None
        if row.converted_at is not None:
            converted = StoredReference(camera_id, row.converted_at, row.converted)
        for batch in newer:  # the newest last
            picture = batch.pictures.get(camera_id)
            previous = previous if picture is None else picture.sample
            converted = batch.references.get(camera_id, converted)
        return Kept(previous, converted, row.registry_taken_at)

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


def _kept_query() -> Select[Any]:
    """Built once: building a statement costs about as much as the lookups themselves."""
    camera_id: BindParameter[str] = bindparam("camera_id")

    def column(of: Any, key: Any) -> Any:
        return select(of).where(key == camera_id).scalar_subquery()

    return select(
        column(PictureRow.sample, PictureRow.camera_id).label("previous"),
        column(ReferenceRow.sample, ReferenceRow.camera_id).label("converted"),
        column(ReferenceRow.taken_at, ReferenceRow.camera_id).label("converted_at"),
        column(CameraReference.taken_at, CameraReference.camera_id).label("registry_taken_at"),
    )


_KEPT = _kept_query()


def _rows(kept: dict[str, StoredPicture] | dict[str, StoredReference]) -> list[dict[str, Any]]:
    return [vars(row) for row in kept.values()]


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
