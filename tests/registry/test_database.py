import asyncio
import secrets

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, text

from camhealth.camera_registry.database import create_engine, migrate
from camhealth.camera_registry.models import Base
from camhealth.camera_registry.store import Registry, RegistryError
from tests.registry.builders import admin_sql, settings_for

REGISTRY_TABLES = {"areas", "cameras", "camera_credentials", "camera_references"}


def _registry_table(item: object, name: str | None, kind: str, *_: object) -> bool:
    # Other parts keep their own tables in the same database and metadata, with own revisions.
    table = getattr(item, "table", item)
    return getattr(table, "name", name) in REGISTRY_TABLES


def _differences(connection: Connection) -> list[object]:
    options = {"compare_type": True, "include_object": _registry_table}
    context = MigrationContext.configure(connection, opts=options)
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_match_the_registry_models_and_rerun_as_a_no_op(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        await migrate(engine)
        await migrate(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await engine.dispose()


async def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path: object) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/r.db")
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(text("PRAGMA journal_mode")) == "wal"
            assert await conn.scalar(text("PRAGMA foreign_keys")) == 1
            assert await conn.scalar(text("PRAGMA busy_timeout")) == 10000
    finally:
        await engine.dispose()


async def test_an_unreachable_database_is_a_clear_error_without_its_password() -> None:
    url = "postgresql+asyncpg://camhealth:Sekr1t-pw@127.0.0.1:9/camhealth"
    try:
        await Registry.open(settings_for(url))
    except RegistryError as exc:
        message = str(exc)
    assert message.startswith(
        "cannot open the registry database postgresql+asyncpg://camhealth:***@"
    )
    assert "Sekr1t-pw" not in message


@pytest.mark.postgres
async def test_instances_starting_together_migrate_once(postgres_database: str) -> None:
    # A database of its own: the session's one is migrated already.
    url = postgres_database.rsplit("/", 1)[0] + f"/camhealth_race_{secrets.token_hex(4)}"
    name = url.rsplit("/", 1)[1]
    await admin_sql(f'CREATE DATABASE "{name}"')
    try:
        # Without the migration lock these block each other for good: bound the wait.
        starts = asyncio.gather(*(Registry.open(settings_for(url)) for _ in range(4)))
        opened = await asyncio.wait_for(starts, timeout=60)
        for registry in opened:
            assert await registry.list_areas() == []
            await registry.close()
    finally:
        await admin_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
