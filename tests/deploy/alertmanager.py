"""A real Alertmanager (Debian's prometheus-alertmanager) for the tests, on a free loopback port."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import require
from tests.deploy.paths import ALERTMANAGER
from tests.deploy.servers import free_port, get_json, running, send_json

CONFIG = ALERTMANAGER / "alertmanager.yml"


def alertmanager_command() -> str:
    path = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    require(path is not None, "Alertmanager (Debian package prometheus-alertmanager)")
    assert path is not None
    return path


@contextmanager
def alertmanager(workdir: Path, config: Path = CONFIG) -> Iterator[str]:
    """Alertmanager with ``config``, clustering off (no 0.0.0.0 listener); yields its base URL."""
    url = f"http://127.0.0.1:{free_port()}"
    args = [
        alertmanager_command(),
        f"--config.file={config}",
        f"--storage.path={workdir / 'alertmanager-data'}",
        f"--web.listen-address={url.removeprefix('http://')}",
        "--cluster.listen-address=",
    ]
    with running(args, f"{url}/-/ready", workdir / "alertmanager.log"):
        yield url


def config_delivering_to(webhook_url: str, path: Path) -> Path:
    """The real configuration with every receiver's webhook at ``webhook_url`` and no waiting."""
    text = CONFIG.read_text(encoding="utf-8").replace("http://alert-webhook:5001", webhook_url)
    config = yaml.safe_load(text)
    _no_waiting(config["route"])
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def _no_waiting(route: dict[str, Any]) -> None:
    route["group_wait"] = "0s"
    for child in route.get("routes", []):
        _no_waiting(child)


def post_alerts(url: str, alerts: list[dict[str, str]]) -> None:
    """Fire alerts with these labels, as Prometheus would."""
    send_json(f"{url}/api/v2/alerts", [{"labels": labels} for labels in alerts])


def states(url: str) -> dict[str, str]:
    """Each alert's state ("active" or "suppressed"), keyed by its ``case`` label.

    Tests give every alert a ``case`` label naming it; no matcher or ``equal`` of the
    configuration looks at it, so it changes nothing else.
    """
    alerts = get_json(f"{url}/api/v2/alerts")
    return {a["labels"]["case"]: a["status"]["state"] for a in alerts}
