"""A real Prometheus (Debian package) running the project's rules, and a static exporter for it.

The scrape configuration is deploy/prometheus/prometheus.yml's camhealth job with loopback
targets and 1-second intervals; the alert rules are the real ones with every ``for:`` set to 0,
since their durations are promtool-tested and a test cannot wait half an hour.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
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
# Each recorded series, and camhealth's own series of the same figures.
RECORDED_AND_OWN = {
    "city:camhealth_indicator:ratio": 'camhealth_indicator_ratio{district=""}',
    "district:camhealth_indicator:ratio": 'camhealth_indicator_ratio{district!=""}',
    "city:camhealth_indicator:stars": "camhealth_indicator_stars",
}
SCRAPE_LABELS = {"__name__", "instance", "job"}


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
def prometheus(workdir: Path, targets: list[str], alertmanager: str | None = None) -> Iterator[str]:
    """Prometheus scraping ``targets`` as job camhealth, alerting to ``alertmanager`` if given."""
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


def query(url: str, promql: str, at: float | None = None) -> list[dict[str, Any]]:
    """An instant query's result (now, or at the Unix time ``at``): a list of
    {"metric": labels, "value": [time, "text"]}."""
    params = {"query": promql} | ({} if at is None else {"time": f"{at:.3f}"})
    answer = get_json(f"{url}/api/v1/query?" + urllib.parse.urlencode(params))
    assert answer["status"] == "success", answer
    return list(answer["data"]["result"])


def recorded_and_own(url: str) -> tuple[dict[str, float], dict[str, float]]:
    """The recording rules' rates and stars, and camhealth's own, keyed by series and labels.

    Both are read at one instant a second back, so they come from the same scrape, that is the
    same camhealth Snapshot (unless a scrape landed just as the rules were evaluated: callers
    poll until the two agree).
    """
    at = time.time() - 1
    recorded: dict[str, float] = {}
    own: dict[str, float] = {}
    for name, own_query in RECORDED_AND_OWN.items():
        recorded |= _by_labels(name, query(url, name, at))
        own |= _by_labels(name, query(url, own_query, at))
    return recorded, own


def _by_labels(name: str, result: list[dict[str, Any]]) -> dict[str, float]:
    """Values keyed by ``name`` and their labels, leaving out where they were scraped; rounded,
    since camhealth and Prometheus may divide in another order."""
    return {f"{name} {_labels(r['metric'])}": round(float(r["value"][1]), 12) for r in result}


def _labels(metric: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(metric.items()) if k not in SCRAPE_LABELS)


def _config(workdir: Path, targets: list[str], alertmanager: str | None) -> dict[str, Any]:
    config = load_yaml(PROMETHEUS / "prometheus.yml")
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "camhealth"]
    job.update(scrape_timeout="1s", static_configs=[{"targets": targets}])
    config["scrape_configs"] = [job]
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    if alertmanager is None:
        del config["alerting"]
    else:
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
