"""schemathesis against /api/v1/openapi.json: every answer of every operation matches it.

The document is the one the app serves; the requests go over a real socket to an exporter of
the test city (registry, history, an admin token), a bounded number of examples per operation.
Not checked: that every schema-valid request is accepted.  Some rules cannot be written in a
JSON Schema (a camera's area must exist, a window must end after it starts, an rtsp_url must be
rtsp://); those answers are 422 naming the field, as the other tests check.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from camhealth.exporter.openapi import document
from tests.exporter.live import live_exporter

schema = schemathesis.openapi.from_dict(document())


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with live_exporter(Path(tmp_path_factory.mktemp("live")), port) as found:
        yield found


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_matches_the_openapi_document(case, live):
    base_url, token = live
    case.call_and_validate(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=[positive_data_acceptance],
        timeout=10,
    )
