"""The console on a running exporter app: users logged in through the login form, a history.

The snapshot is the exporter tests' small city (``tests.exporter.city``); the history holds
events and pictures for two of its cameras and a week of city indicators.
"""

from __future__ import annotations

import re
from datetime import timedelta

import cv2
import numpy as np
from aiohttp.test_utils import TestClient

from camhealth.exporter.history import MemoryHistory
from camhealth.health.events import Event, EventKind, Evidence
from camhealth.health.indicators import Indicator
from camhealth.probes.results import FailureCode, ProbeKind
from tests.exporter.city import T0
from tests.exporter.conftest import PASSWORDS

# A real (small, grey) JPEG: the browser test's page must be able to show it.
JPEG = cv2.imencode(".jpg", np.full((90, 160, 3), 128, np.uint8))[1].tobytes()


def _event(camera: str, kind: EventKind, hours_ago: float, **kw: object) -> Event:
    at = T0 - timedelta(hours=hours_ago)
    probe = kw.pop("probe", ProbeKind.frames)
    failure = kw.pop("failure", None)
    snapshot = kw.pop("snapshot", None)
    evidence = Evidence(probe, failure=failure, snapshot=snapshot)  # type: ignore[arg-type]
    return Event(camera, kind, at, at, evidence, **kw)  # type: ignore[arg-type]


def history() -> MemoryHistory:
    blurred = f"square-01@{(T0 - timedelta(hours=3)).isoformat()}"
    store = MemoryHistory(
        events_kept=[
            _event("square-01", EventKind.became_intact, 30),
            _event("square-01", EventKind.fault_confirmed, 3, fault="blur", snapshot=blurred),
            _event("square-01", EventKind.became_not_intact, 3),
            _event("station-02", EventKind.went_offline, 2, failure=FailureCode.timeout),
        ],
        pictures={blurred: JPEG},
    )
    for day in range(7, -1, -1):
        for indicator in Indicator:
            store.rows.append(
                {
                    "at": T0 - timedelta(days=day),
                    "district": "",
                    "indicator": indicator.value,
                    "numerator": 10 - day,
                    "denominator": 10,
                }
            )
    return store


async def form_login(client: TestClient, name: str, next_path: str = "/") -> None:  # type: ignore[type-arg]
    """Log in through the HTML form, as a browser would."""
    page = await client.get(f"/login?next={next_path}")
    token = csrf_in(await page.text())
    response = await client.post(
        "/login",
        data={"csrf_token": token, "name": name, "password": PASSWORDS[name], "next": next_path},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()


def csrf_in(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token in the form"
    return found.group(1)
