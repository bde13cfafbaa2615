"""Benchmark: the web console's pages and exports at 20,000 (and 50,000) cameras.

The city of ``bench/exporter.py`` (one camera in forty offline, one in twenty with a confirmed
fault: 7.5% on the maintenance list), served by the real app on 127.0.0.1 and read by a
logged-in client: the wall time of each page the first time for a new Snapshot and again, and
of the CSV and XLSX exports of the whole maintenance list.  The monitor's store (SQLite) holds a
picture of every camera on the list, so each list page looks its thumbnails up (one query).

    uv run python bench/console.py --out bench/console.md
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import aiohttp
from exporter import city  # bench/exporter.py: the same synthetic city
from health_core import publish, run_header

from camhealth.config import Settings
from camhealth.exporter.accounts import Accounts, Role
from camhealth.exporter.app import _METRICS_CACHE, build_app, serve
from camhealth.health.snapshot import Snapshot
from camhealth.monitor.store import Batch, MonitorStore

PORT = 19811
PASSWORD = "bench-password-1"
PAGES = (
    ("maintenance list, new Snapshot", "/maintenance"),
    ("maintenance list, again", "/maintenance"),
    ("maintenance list, filtered", "/maintenance?status=offline&sort=district"),
    ("overview", "/"),
    ("areas", "/areas"),
    ("camera page", "/cameras/37068500001320000040"),
    ("work list (all rows)", "/maintenance/print"),
    ("CSV export (all rows)", "/maintenance.csv"),
    ("XLSX export (all rows)", "/maintenance.xlsx"),
)


async def page_times(snapshot: Snapshot, tmp: Path) -> list[tuple[str, float, int]]:
    settings = Settings.model_validate(
        {
            "database": {"url": f"sqlite+aiosqlite:///{tmp / f'{len(snapshot.cameras)}.db'}"},
            "exporter": {"host": "127.0.0.1", "port": PORT},
        }
    )
    accounts = await Accounts.open(settings)
    await accounts.add_user("bench", Role.viewer, PASSWORD)
    history = await pictured(snapshot, settings)
    app = build_app(lambda: snapshot, settings, accounts=accounts, history=history)
    base = f"http://127.0.0.1:{PORT}"
    found = []
    async with (
        serve(app, settings.exporter),
        aiohttp.ClientSession(
            cookie_jar=aiohttp.CookieJar(unsafe=True)  # keep the session cookie of 127.0.0.1
        ) as session,
    ):
        while app[_METRICS_CACHE].prepared is not snapshot:  # noqa: ASYNC110 - no event
            await asyncio.sleep(0.1)  # as after start-up: /metrics' lines made, not in the way
        login = {"name": "bench", "password": PASSWORD}
        async with session.post(f"{base}/api/v1/login", json=login) as response:
            response.raise_for_status()
        for name, path in PAGES:
            start = time.perf_counter()
            async with session.get(base + path, allow_redirects=False) as response:
                assert response.status == 200, (path, response.status)
                body = await response.read()
            found.append((name, time.perf_counter() - start, len(body)))
    await accounts.aclose()
    await history.close()
    return found


async def pictured(snapshot: Snapshot, settings: Settings) -> MonitorStore:
    """The monitor's store with an evidence picture of every camera not intact (the list's
    thumbnails: one query a page)."""
    store = await MonitorStore.open(settings)
    batch = Batch()
    for entry in snapshot.cameras.values():
        if entry.state.intact.value is not True:
            at = snapshot.made_at
            batch.evidence.append((f"{entry.id}@{at.isoformat()}", entry.id, at, b"\xff\xd8jpeg"))
    await store.write(batch)
    return store


def report(results: dict[int, list[tuple[str, float, int]]], header: str) -> str:
    sizes = list(results)
    lines = [
        "| request | " + " | ".join(f"{n:,} cameras: s (KB)" for n in sizes) + " |",
        "|---|" + "---|" * len(sizes),
    ]
    for row, (name, _) in enumerate(PAGES):
        cells = [f"{results[n][row][1]:.2f} ({results[n][row][2] / 1000:,.0f})" for n in sizes]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return header + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    header = run_header("uv run python bench/console.py")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            snapshot, _ = city(size)
            results[size] = asyncio.run(page_times(snapshot, Path(tmp)))
    publish("Web console benchmark", report(results, header), args.out)


if __name__ == "__main__":
    main()
