"""The exporter served from a thread of its own, for clients that are not async (schemathesis)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import aclosing, contextmanager
from pathlib import Path

from camhealth.camera_registry.store import Registry
from camhealth.exporter.accounts import Accounts, Role
from camhealth.exporter.app import build_app, serve
from tests.exporter.city import snapshot
from tests.exporter.conftest import FAST_HASHER, settings_for
from tests.exporter.world import fill_registry, memory_history


@contextmanager
def live_exporter(tmp_path: Path, port: int) -> Iterator[tuple[str, str]]:
    """(base URL, an admin's bearer token) of a running exporter of the test city."""
    ready: dict[str, str] = {}
    started, stop = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    async def run() -> None:
        settings = settings_for(tmp_path, exporter={"host": "127.0.0.1", "port": port})
        current = snapshot()
        async with aclosing(await Accounts.open(settings, FAST_HASHER)) as accounts:
            registry = await Registry.open(settings)
            try:
                await fill_registry(registry)
                await accounts.add_user(
                    "ada",
                    Role.admin,
                    "admin-password-1",
                )
                ready["token"] = await accounts.create_token("ada")
                app = build_app(
                    lambda: current,
                    settings,
                    accounts=accounts,
                    registry=registry,
                    history=memory_history(),
                )
                async with serve(app, settings.exporter):
                    started.set()
                    await asyncio.to_thread(stop.wait)
            finally:
                await registry.close()

    def thread() -> None:
        try:
            asyncio.run(run())
        except BaseException as exc:
            failures.append(exc)
            started.set()

    worker = threading.Thread(target=thread, daemon=True)
    worker.start()
    started.wait(timeout=30)
    if failures:
        raise failures[0]
    try:
        yield f"http://127.0.0.1:{port}", ready["token"]
    finally:
        stop.set()
        worker.join(timeout=10)
