"""An exporter app on a real socket (127.0.0.1), over a SQLite database of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from camhealth.config import Settings
from camhealth.exporter.app import build_app
from camhealth.health.snapshot import Snapshot
from tests.exporter.city import snapshot


class Source:
    """The pipeline's side in the tests: the current Snapshot, replaced at will."""

    def __init__(self, current: Snapshot | None) -> None:
        self.current = current

    def __call__(self) -> Snapshot | None:
        return self.current


def settings_for(tmp_path: Path, **sections: Any) -> Settings:
    data: dict[str, Any] = {"database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'ch.db'}"}}
    data.update(sections)
    return Settings.model_validate(data)


@pytest.fixture
def source() -> Source:
    return Source(snapshot())


Client = TestClient  # type: ignore[type-arg]
Start = Callable[..., Any]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Start]:
    """``await start(source, **build_app kwargs, settings=...)`` → a client of a running app."""
    clients: list[TestClient] = []  # type: ignore[type-arg]

    async def run(source: Source, settings: Settings | None = None, **kw: Any) -> TestClient:  # type: ignore[type-arg]
        app = build_app(source, settings or settings_for(tmp_path), **kw)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield run
    for client in clients:
        await client.close()
