"""A whole exporter for the API tests: registry, history, users with tokens, on one database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from camhealth.camera_registry.importing import Row
from camhealth.camera_registry.store import Registry
from camhealth.exporter.accounts import Accounts
from camhealth.exporter.history import MemoryHistory
from camhealth.health.events import Event, EventKind, Evidence
from camhealth.health.indicators import Indicator
from camhealth.probes.results import FailureCode, ProbeKind
from tests.exporter import city

JPEG = b"\xff\xd8\xff\xe0 evidence \xff\xd9"
REFERENCE = b"\xff\xd8\xff\xe0 reference \xff\xd9"
EVIDENCE_REF = f"station-01@{(city.T0 - timedelta(hours=1)).isoformat()}"


def events() -> list[Event]:
    t = city.T0
    broke = Evidence(ProbeKind.frames, FailureCode.timeout, "no answer")
    fixed = Evidence(ProbeKind.frames, scores=(("blur", 0.4),), snapshot=EVIDENCE_REF)
    return [
        Event(
            "station-01",
            EventKind.became_not_intact,
            t - timedelta(hours=2),
            t - timedelta(hours=2),
            broke,
        ),
        Event(
            "station-01",
            EventKind.became_intact,
            t - timedelta(hours=1),
            t - timedelta(hours=1),
            fixed,
        ),
        Event(
            "square-01",
            EventKind.fault_confirmed,
            t - timedelta(minutes=30),
            t - timedelta(minutes=40),
            fixed,
            fault="blur",
        ),
    ]


def history_rows() -> list[dict[str, Any]]:
    """The city half intact for the first hour of the day, fully intact for the second."""
    day = city.T0.replace(hour=0)
    rows = []
    for hour, intact in ((0, 2), (1, 4)):
        for indicator in Indicator:
            numerator = intact if indicator is Indicator.intactness else 1
            rows.append(
                {
                    "at": day + timedelta(hours=hour),
                    "district": "",
                    "indicator": indicator.value,
                    "numerator": numerator,
                    "denominator": 4,
                }
            )
    return rows


async def fill_registry(registry: Registry) -> None:
    await registry.apply_areas([Row(n, a) for n, a in enumerate(city.AREAS, start=1)])
    await registry.apply_cameras([Row(n, c) for n, c in enumerate(city.cameras(), start=1)])
    await registry.set_reference("station-01", REFERENCE, city.T0)


def memory_history() -> MemoryHistory:
    return MemoryHistory(events(), history_rows(), {EVIDENCE_REF: JPEG})


@dataclass
class World:
    client: TestClient  # type: ignore[type-arg]
    accounts: Accounts
    registry: Registry
    history: MemoryHistory
    tokens: dict[str, str]

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    async def get(self, path: str, user: str = "vera", **params: Any) -> Any:
        response = await self.client.get(path, headers=self.auth(user), params=params)
        return response.status, await response.json()
