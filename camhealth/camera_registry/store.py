"""The registry store: areas and cameras in SQL, applied from imports all or nothing.

An import is planned against everything stored in a few bulk queries (no query per row), then
written with executemany inserts and updates in one transaction. Comparing the planned rows with
the stored ones gives the change counts, makes a second import of the same file a no-op and lets
a dry run report what would happen without writing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Select, delete, exists, func, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from camhealth.camera_registry.credentials import Cipher, MissingKeyError, Pair, load_cipher
from camhealth.camera_registry.database import create_engine, migrate
from camhealth.camera_registry.importing import ImportRejected, Row, row_error
from camhealth.camera_registry.models import Area, Base, Camera, CameraCredential, CameraReference
from camhealth.camera_registry.records import AreaRecord, CameraRecord, CameraRole
from camhealth.config import Settings

# Rows per DELETE ... IN (...): below every backend's limit on bound parameters.
_CHUNK = 1000


class RegistryError(Exception):
    """The registry database cannot be used; the message says why, without secrets."""


@dataclass(frozen=True)
class Changes:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0


@dataclass
class _Plan:
    """What an import does to one table: rows to insert, rows to update, ids to delete."""

    insert: list[dict[str, Any]] = field(default_factory=list)
    update: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)
    # Cameras whose row stays as it is but whose credentials change: they count as updated.
    credentials_only: list[str] = field(default_factory=list)

    def changes(self) -> Changes:
        updated = len(self.update) + len(self.credentials_only)
        return Changes(len(self.insert), updated, len(self.unchanged), len(self.remove))


class Registry:
    """The registry of one database. Open it with ``async with await Registry.open(settings)``.

    Each method is one unit of work in its own transaction, so a Registry can be shared by the
    tasks of one event loop.
    """

    def __init__(self, engine: AsyncEngine, cipher: Cipher | None) -> None:
        self._engine = engine
        self._cipher = cipher
        # A running monitor re-reads the whole registry every few minutes: rows and tokens
        # seen before give back the record and the pair made then (records are frozen), so
        # re-reading an unchanged city of 20,000 cameras builds and decrypts nothing (it was
        # ~1 s of the event loop's CPU).
        self._records: dict[tuple[Any, ...], CameraRecord] = {}
        self._opened: dict[bytes, Pair] = {}

    @classmethod
    async def open(cls, settings: Settings) -> Registry:
        """Connect, migrate the schema to the newest revision and check the credentials key."""
        engine = create_engine(settings.database.url.get_secret_value())
        try:
            await migrate(engine)
            registry = cls(engine, load_cipher(settings.credentials))
            await registry._check_key()
        except (OSError, DBAPIError) as exc:
            await engine.dispose()
            reason = exc.orig if isinstance(exc, DBAPIError) else exc.strerror or exc
            where = settings.database.masked_url()
            raise RegistryError(f"cannot open the registry database {where}: {reason}") from None
        except BaseException:
            await engine.dispose()
            raise
        return registry

    async def close(self) -> None:
        await self._engine.dispose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _check_key(self) -> None:
        """Refuse to start when stored credentials could not be used later."""
        async with self._engine.connect() as conn:
            token = await conn.scalar(select(CameraCredential.token).limit(1))
        if token is None:
            return
        if self._cipher is None:
            raise MissingKeyError("stored camera credentials exist")
        self._cipher.open(token)  # a wrong key fails here, at start-up, not at the first probe

    # -- imports ------------------------------------------------------------------------------

    async def apply_areas(
        self, rows: Iterable[Row[AreaRecord]], *, prune: bool = False, dry_run: bool = False
    ) -> Changes:
        """Make the stored areas match ``rows`` (and, with ``prune``, only them): all or nothing."""
        rows = list(rows)
        async with AsyncSession(self._engine) as session, session.begin():
            plan = _plan(Area, rows, await _stored(session, Area), prune)
            errors = _duplicate_ids(rows) + await _areas_in_use(session, plan.remove)
            _reject_if(errors)
            if not dry_run:
                await _write(session, Area, plan)
        return plan.changes()

    async def apply_cameras(
        self, rows: Iterable[Row[CameraRecord]], *, prune: bool = False, dry_run: bool = False
    ) -> Changes:
        """Make the stored cameras match ``rows``: all or nothing.

        A record without credentials leaves the stored credentials of that camera as they are.
        """
        rows = list(rows)
        cipher = self._cipher_for(rows)
        async with AsyncSession(self._engine) as session, session.begin():
            plan = _plan(Camera, rows, await _stored(session, Camera), prune)
            _reject_if(_duplicate_ids(rows) + await _unknown_areas(session, rows))
            sealed = await _changed_credentials(session, cipher, rows) if cipher else {}
            _count_credential_changes(plan, sealed)
            if not dry_run:
                await _write(session, Camera, plan)
                await _replace_credentials(session, sealed)
        return plan.changes()

    def _cipher_for(self, rows: Sequence[Row[CameraRecord]]) -> Cipher | None:
        if self._cipher is None and any(row.record.has_credentials for row in rows):
            raise MissingKeyError("the import holds camera credentials")
        return self._cipher

    # -- reading ------------------------------------------------------------------------------

    async def list_areas(
        self, *, district: str | None = None, key_only: bool = False
    ) -> list[AreaRecord]:
        query = _columns(Area).order_by(Area.id)
        if district is not None:
            query = query.where(Area.district == district)
        if key_only:
            query = query.where(Area.key_area.is_(True))
        return [_area_record(row) for row in await self._fetch(query)]

    async def list_cameras(
        self,
        *,
        district: str | None = None,
        area: str | None = None,
        role: CameraRole | None = None,
        key_only: bool = False,
    ) -> list[CameraRecord]:
        """Cameras in id order, without username and password."""
        query = _columns(Camera).order_by(Camera.id)
        if district is not None or key_only:
            query = query.join(Area)
        if district is not None:
            query = query.where(Area.district == district)
        if key_only:
            query = query.where(Area.key_area.is_(True))
        if area is not None:
            query = query.where(Camera.area_id == area)
        if role is not None:
            query = query.where(Camera.role == role)
        rows = await self._fetch(query)
        whole = district is None and area is None and role is None and not key_only
        return self._camera_records(rows, whole)

    def _camera_records(self, rows: list[dict[str, Any]], whole: bool) -> list[CameraRecord]:
        """The records of ``rows``, those of rows seen before reused; after a whole-registry
        read only its rows are remembered (so edited and removed cameras' old rows go)."""
        known, seen = self._records, {}
        for row in rows:
            row["tags"] = tuple(row["tags"])
            key = tuple(row.values())
            seen[key] = known.get(key) or _camera_record(row)
        if whole:
            self._records = seen
        else:
            known.update(seen)
        return list(seen.values())

    async def get_camera(self, camera_id: str) -> CameraRecord | None:
        rows = await self._fetch(_columns(Camera).where(Camera.id == camera_id))
        return _camera_record(rows[0]) if rows else None

    async def has_credentials(self, camera_id: str) -> bool:
        query = select(exists().where(CameraCredential.camera_id == camera_id))
        async with self._engine.connect() as conn:
            return bool(await conn.scalar(query))

    async def credentials(self, camera_id: str) -> Pair:
        """The decrypted (username, password) of a camera, for the probes only."""
        query = select(CameraCredential.token).where(CameraCredential.camera_id == camera_id)
        async with self._engine.connect() as conn:
            token = await conn.scalar(query)
        return (None, None) if token is None else self._opener().open(token)

    async def all_credentials(self) -> dict[str, Pair]:
        """Every stored (username, password) by camera id: one query for a whole fleet."""
        query = select(CameraCredential.camera_id, CameraCredential.token)
        async with self._engine.connect() as conn:
            tokens = {row.camera_id: row.token for row in await conn.execute(query)}
        if not tokens:
            return {}
        cipher, known = self._opener(), self._opened
        self._opened = {token: known.get(token) or cipher.open(token) for token in tokens.values()}
        return {camera_id: self._opened[token] for camera_id, token in tokens.items()}

    def _opener(self) -> Cipher:
        if self._cipher is None:
            raise MissingKeyError("camera credentials are needed")
        return self._cipher

    async def _fetch(self, query: Select[Any]) -> list[dict[str, Any]]:
        async with self._engine.connect() as conn:
            return [dict(row) for row in (await conn.execute(query)).mappings()]

    # -- reference pictures -------------------------------------------------------------------

    async def set_reference(self, camera_id: str, jpeg: bytes, taken_at: datetime) -> None:
        """Keep ``jpeg`` as the camera's normal view, replacing any earlier one."""
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(CameraReference).where(CameraReference.camera_id == camera_id)
            )
            await conn.execute(
                insert(CameraReference).values(camera_id=camera_id, jpeg=jpeg, taken_at=taken_at)
            )

    async def get_reference(self, camera_id: str) -> tuple[bytes, datetime] | None:
        query = select(CameraReference.jpeg, CameraReference.taken_at).where(
            CameraReference.camera_id == camera_id
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else (row.jpeg, row.taken_at)


# -- planning ---------------------------------------------------------------------------------


def _columns(model: type[Base]) -> Select[Any]:
    return select(*model.__table__.columns)


def _area_record(row: dict[str, Any]) -> AreaRecord:
    # Rows were validated as records on their way in: rebuilding them needs no second check,
    # which would cost more than the query for a whole city.
    return AreaRecord.model_construct(**row)


def _camera_record(row: dict[str, Any]) -> CameraRecord:
    return CameraRecord.model_construct(**(row | {"tags": tuple(row["tags"])}))


def _values(record: AreaRecord | CameraRecord, model: type[Base]) -> dict[str, Any]:
    """The row of a record: its fields named like the columns (credentials are not columns)."""
    values = {column.key: getattr(record, column.key) for column in model.__table__.columns}
    if "tags" in values:
        values["tags"] = list(values["tags"])
    return values


async def _stored(session: AsyncSession, model: type[Base]) -> dict[str, dict[str, Any]]:
    result = await session.execute(_columns(model))
    return {row["id"]: dict(row) for row in result.mappings()}


def _plan(
    model: type[Base],
    rows: Sequence[Row[AreaRecord]] | Sequence[Row[CameraRecord]],
    stored: dict[str, dict[str, Any]],
    prune: bool,
) -> _Plan:
    plan = _Plan()
    for row in rows:
        values = _values(row.record, model)
        old = stored.get(values["id"])
        if old is None:
            plan.insert.append(values)
        elif old != values:
            plan.update.append(values)
        else:
            plan.unchanged.append(values["id"])
    if prune:
        plan.remove = sorted(stored.keys() - {row.record.id for row in rows})
    return plan


def _reject_if(errors: list[str]) -> None:
    if errors:
        raise ImportRejected(errors)


def _duplicate_ids(rows: Sequence[Row[AreaRecord]] | Sequence[Row[CameraRecord]]) -> list[str]:
    first: dict[str, int] = {}
    errors = []
    for row in rows:
        seen = first.setdefault(row.record.id, row.number)
        if seen != row.number:
            errors.append(
                row_error(row.number, "id", f"duplicate id '{row.record.id}' (row {seen})")
            )
    return errors


async def _unknown_areas(session: AsyncSession, rows: Sequence[Row[CameraRecord]]) -> list[str]:
    known = set((await session.scalars(select(Area.id))).all())
    return [
        row_error(row.number, "area_id", f"unknown area '{row.record.area_id}'")
        for row in rows
        if row.record.area_id not in known
    ]


async def _areas_in_use(session: AsyncSession, area_ids: list[str]) -> list[str]:
    """Areas a prune would remove that still have cameras: removing them is refused."""
    errors = []
    for chunk in _chunks(area_ids):
        query = (
            select(Camera.area_id, func.count())
            .where(Camera.area_id.in_(chunk))
            .group_by(Camera.area_id)
            .order_by(Camera.area_id)
        )
        for area_id, cameras in (await session.execute(query)).all():
            errors.append(
                f"area '{area_id}' is not in the file but has {cameras} cameras: "
                "remove or move them before pruning it"
            )
    return errors


async def _changed_credentials(
    session: AsyncSession, cipher: Cipher, rows: Sequence[Row[CameraRecord]]
) -> dict[str, bytes]:
    """New tokens for the cameras whose imported credentials differ from the stored ones."""
    query = select(CameraCredential.camera_id, CameraCredential.token)
    stored = {row.camera_id: row.token for row in await session.execute(query)}
    sealed = {}
    for row in rows:
        record = row.record
        if not record.has_credentials:
            continue
        pair = (record.username, record.password.get_secret_value() if record.password else None)
        old = stored.get(record.id)
        if old is None or cipher.open(old) != pair:
            sealed[record.id] = cipher.seal(pair)
    return sealed


def _count_credential_changes(plan: _Plan, sealed: dict[str, bytes]) -> None:
    plan.credentials_only = [camera_id for camera_id in plan.unchanged if camera_id in sealed]
    plan.unchanged = [camera_id for camera_id in plan.unchanged if camera_id not in sealed]


async def _write(session: AsyncSession, model: type[Base], plan: _Plan) -> None:
    for chunk in _chunks(plan.remove):
        await session.execute(delete(model).where(model.__table__.c.id.in_(chunk)))
    if plan.insert:
        # A Core insert of plain rows: the ORM's bulk insert costs half as much again in CPU.
        table = Base.metadata.tables[model.__tablename__]
        await session.execute(insert(table), plan.insert)
    if plan.update:
        await session.execute(update(model), plan.update)


async def _replace_credentials(session: AsyncSession, sealed: dict[str, bytes]) -> None:
    ids = list(sealed)
    for chunk in _chunks(ids):
        await session.execute(delete(CameraCredential).where(CameraCredential.camera_id.in_(chunk)))
    if sealed:
        rows = [{"camera_id": camera_id, "token": token} for camera_id, token in sealed.items()]
        await session.execute(insert(CameraCredential), rows)


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
