"""A real Prometheus (Debian package) running the project's rules against a static exporter.

The scrape configuration is deploy/prometheus/prometheus.yml's camhealth job with loopback
targets and 1-second intervals; the alert rules are the real ones with every ``for:`` set to 0,
since their durations are promtool-tested and a test cannot wait half an hour.
"""

from __future__ import annotations

import itertools
import re
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import require_command
from tests.deploy.paths import PROMETHEUS, RULE_FILES, load_yaml
from tests.deploy.servers import free_port, get_json, running

EXPORTER_TEXT = Path(__file__).parent / "data" / "exporter.prom"
COUNTER = re.compile(r"^(camhealth_\w+_total(?:\{[^}]*\})?) (\S+)$", re.MULTILINE)


def advance_counters(text: str, scrapes: int) -> str:
    """The text as scrape number ``scrapes`` reads it: each counter grows by its value per scrape.

    Counters that never move would make every rate 0 and every ratio of rates NaN.
    """
    return COUNTER.sub(lambda m: f"{m[1]} {float(m[2]) * scrapes!r}", text)


@contextmanager
def static_exporter(text_file: Path = EXPORTER_TEXT) -> Iterator[str]:
    """Serve ``text_file`` at /metrics as camhealth's exporter would; yields HOST:PORT."""
    text = text_file.read_text(encoding="utf-8")
    scrapes = itertools.count(1)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = advance_counters(text, next(scrapes)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Scrapes every second would flood the test output."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextmanager
def prometheus(workdir: Path, targets: list[str], alertmanager: str) -> Iterator[str]:
    """Prometheus scraping ``targets`` as job camhealth, alerting to ``alertmanager``."""
    url = f"http://127.0.0.1:{free_port()}"
    config_file = workdir / "prometheus.yml"
    config_file.write_text(
        yaml.safe_dump(_config(workdir, targets, alertmanager), allow_unicode=True),
        encoding="utf-8",
    )
    args = [
        require_command("prometheus"),
        f"--config.file={config_file}",
        f"--storage.tsdb.path={workdir / 'prometheus-data'}",
        f"--web.listen-address={url.removeprefix('http://')}",
    ]
    with running(args, f"{url}/-/ready", workdir / "prometheus.log"):
        yield url


def query(url: str, promql: str) -> list[dict[str, Any]]:
    """An instant query's result: a list of {"metric": labels, "value": [time, "text"]}."""
    answer = get_json(f"{url}/api/v1/query?" + urllib.parse.urlencode({"query": promql}))
    assert answer["status"] == "success", answer
    return list(answer["data"]["result"])


def _config(workdir: Path, targets: list[str], alertmanager: str) -> dict[str, Any]:
    config = load_yaml(PROMETHEUS / "prometheus.yml")
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "camhealth"]
    job.update(scrape_timeout="1s", static_configs=[{"targets": targets}])
    config["scrape_configs"] = [job]
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config["alerting"]["alertmanagers"] = [{"static_configs": [{"targets": [alertmanager]}]}]
    config["rule_files"] = [str(path) for path in _rules_without_waiting(workdir)]
    return config


def _rules_without_waiting(workdir: Path) -> list[Path]:
    copies = []
    for path in RULE_FILES:
        rules = load_yaml(path)
        for group in rules["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    rule["for"] = "0s"
        copy = workdir / path.name
        copy.write_text(yaml.safe_dump(rules, allow_unicode=True), encoding="utf-8")
        copies.append(copy)
    return copies
