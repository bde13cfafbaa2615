"""An exporter app on a real socket (127.0.0.1), over a SQLite database of its own."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher
from cryptography.fernet import Fernet

from camhealth.camera_registry.store import Registry
from camhealth.config import Settings
from camhealth.exporter.accounts import Accounts, Role
from camhealth.exporter.app import build_app
from camhealth.health.snapshot import Snapshot
from tests.exporter.city import snapshot
from tests.exporter.world import World, fill_registry, memory_history


class Source:
    """The pipeline's side in the tests: the current Snapshot, replaced at will."""

    def __init__(self, current: Snapshot | None) -> None:
        self.current = current

    def __call__(self) -> Snapshot | None:
        return self.current


KEY = Fernet.generate_key().decode()


def settings_for(tmp_path: Path, **sections: Any) -> Settings:
    data: dict[str, Any] = {
        "database": {"url": f"sqlite+aiosqlite:///{tmp_path / 'ch.db'}"},
        "credentials": {"key": KEY},
        # the test city's zone, whatever the machine's is (exporter.timezone)
        "exporter": {"timezone": "Asia/Shanghai", **sections.pop("exporter", {})},
    }
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

    async def run(
        source: Source,
        settings: Settings | None = None,
        setup: Callable[[web.Application], None] | None = None,
        **kw: Any,
    ) -> TestClient:  # type: ignore[type-arg]
        app = build_app(source, settings or settings_for(tmp_path), **kw)
        if setup is not None:
            setup(app)
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield run
    for client in clients:
        await client.close()


@pytest.fixture
async def accounts(tmp_path: Path) -> AsyncIterator[Accounts]:
    """The users of the app that ``start`` runs with its default settings."""
    opened = await Accounts.open(settings_for(tmp_path), hasher=FAST_HASHER)
    for name, role in (("vera", Role.viewer), ("otto", Role.operator), ("ada", Role.admin)):
        await opened.add_user(name, role, PASSWORDS[name])
    yield opened
    await opened.aclose()


# argon2id with tiny costs: the tests check the logic, not the cost (1 s per hash here).
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=64, parallelism=1)
PASSWORDS = {"vera": "viewer-password-1", "otto": "operator-password-1", "ada": "admin-password-1"}


async def log_in(client: TestClient, name: str) -> str:  # type: ignore[type-arg]
    """Log ``name`` in (the client keeps the cookie); the session's CSRF token."""
    response = await client.post("/api/v1/login", json={"name": name, "password": PASSWORDS[name]})
    assert response.status == 200, await response.text()
    return str((await response.json())["csrf_token"])


@pytest.fixture
async def world(
    tmp_path: Path, start: Start, source: Source, accounts: Accounts
) -> AsyncIterator[World]:
    """The city's exporter with a registry, a history and users vera, otto and ada."""
    registry = await Registry.open(settings_for(tmp_path))
    await fill_registry(registry)
    history = memory_history()
    client = await start(source, accounts=accounts, registry=registry, history=history)
    tokens = {name: await accounts.create_token(name) for name in PASSWORDS}
    yield World(client, accounts, registry, history, tokens)
    await registry.close()
