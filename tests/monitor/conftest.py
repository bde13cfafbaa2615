"""Monitor fixtures: a database on SQLite and PostgreSQL, settings with short intervals, and a
small simulated city served in-process and loaded into the registry."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from camhealth.camera_registry.store import Registry
from camhealth.config import Settings
from camhealth.monitor.store import MonitorStore
from tests.monitor.city import SmallCity, small_city
from tests.registry.builders import admin_sql, settings_for
from tests.registry.conftest import postgres_database, run_sync

__all__ = ["postgres_database"]
TABLES = (
    "monitor_states, monitor_events, monitor_history, monitor_pictures, monitor_evidence, "
    "monitor_references, "
    "areas, cameras, camera_credentials, camera_references"
)
# Short enough that a test sees a few rounds in seconds.
FAST = {
    "CAMHEALTH_PROBES__TIMEOUT": "2",
    "CAMHEALTH_PROBES__ONVIF_INTERVAL": "1",
    "CAMHEALTH_PROBES__RTSP_INTERVAL": "1",
    "CAMHEALTH_PROBES__FRAMES_INTERVAL": "1.5",
    "CAMHEALTH_PROBES__PLATFORM_INTERVAL": "1.5",
    "CAMHEALTH_MONITOR__FLUSH_INTERVAL": "0.2",
    "CAMHEALTH_MONITOR__SNAPSHOT_INTERVAL": "0",
    "CAMHEALTH_MONITOR__HISTORY_INTERVAL": "1",
}


async def _empty(url: str) -> None:
    with contextlib.suppress(asyncpg.UndefinedTableError):
        await admin_sql(f"TRUNCATE {TABLES} CASCADE", url.replace("+asyncpg", ""))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'monitor.db'}"
        return
    url: str = request.getfixturevalue("postgres_database")
    run_sync(_empty(url))
    yield url
    run_sync(_empty(url))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_for(database_url, **FAST)


@pytest.fixture
async def registry(settings: Settings) -> AsyncIterator[Registry]:
    async with await Registry.open(settings) as opened:
        yield opened


@pytest.fixture
async def store(settings: Settings, registry: Registry) -> AsyncIterator[MonitorStore]:
    opened = await MonitorStore.open(settings)
    yield opened
    await opened.close()


@pytest.fixture
async def city(registry: Registry) -> AsyncIterator[SmallCity]:
    async with small_city(registry) as running:
        yield running
