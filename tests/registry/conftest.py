"""Registry fixtures: every store test runs on SQLite (a temporary file) and on PostgreSQL.

PostgreSQL gets a database of its own per test session (created in the server's ``test``
database, dropped at the end); each test starts from empty tables.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from camhealth.camera_registry.store import Registry
from camhealth.config import Settings
from tests.conftest import require
from tests.registry.builders import admin_sql, settings_for


def run_sync(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run ``coro`` to completion from sync code, even while a test's event loop is running."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    name = f"camhealth_test_{secrets.token_hex(6)}"
    try:
        run_sync(admin_sql(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError):
        require(False, "PostgreSQL on 127.0.0.1:5432 (database test, user postgres)")
    yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    run_sync(admin_sql(f'DROP DATABASE "{name}" WITH (FORCE)'))


async def _empty_tables(url: str) -> None:
    # UndefinedTable: the test failed before anything was migrated.
    with contextlib.suppress(asyncpg.UndefinedTableError):
        await admin_sql(
            "TRUNCATE areas, cameras, camera_credentials, camera_references CASCADE",
            url.replace("+asyncpg", ""),
        )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
        return
    url: str = request.getfixturevalue("postgres_database")
    yield url
    run_sync(_empty_tables(url))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url)


@pytest.fixture
async def registry(settings: Settings) -> AsyncIterator[Registry]:
    async with await Registry.open(settings) as opened:
        yield opened
