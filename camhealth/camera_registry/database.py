"""The database engine: SQLite (WAL, foreign keys on) or PostgreSQL, and its schema migration.

The schema migrates itself: :func:`open_engine` runs Alembic's ``upgrade head`` on every start, a
no-op when the schema is current. On PostgreSQL an advisory lock lets several instances start at
once without racing to create the same tables.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# Any constant will do: it only has to be the same for every camhealth instance.
_MIGRATION_LOCK = 0x63616D68
log = logging.getLogger(__name__)
# Alembic says "Context impl SQLiteImpl" on every start; the upgrade itself is logged below.
logging.getLogger("alembic").setLevel(logging.WARNING)


def create_engine(url: str) -> AsyncEngine:
    """An engine for ``url``; SQLite connections get WAL, foreign keys and a busy timeout."""
    engine = create_async_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the exporter read while an import writes; foreign keys are off by default in SQLite;
    # the busy timeout makes a second writer wait instead of failing at once.
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=10000"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision (creates it in an empty database)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def open_migrated(url: str) -> AsyncEngine:
    """An engine on ``url`` whose schema is at the newest revision; disposed if that fails."""
    engine = create_engine(url)
    try:
        await migrate(engine)
    except BaseException:
        await engine.dispose()
        raise
    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    before = MigrationContext.configure(connection).get_current_revision()
    command.upgrade(alembic_config(connection), "head")
    after = MigrationContext.configure(connection).get_current_revision()
    if after != before:
        log.info("registry schema migrated from %s to %s", before or "nothing", after)
