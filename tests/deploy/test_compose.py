"""docker-compose.yml, Dockerfile and .dockerignore: validated by the compose tool, and their
wiring checked against the files they point at (no container engine is needed).

The camhealth commands the compose files use are checked to exist with their options;
test_live_end_to_end.py runs the same sequence (simulate, keys, imports, run) for real.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any
from urllib.parse import urlsplit

import pytest
import typer.main

from camhealth.cli import app
from camhealth.config import ExporterConfig
from tests.conftest import require
from tests.deploy.paths import ALERTMANAGER, DASHBOARDS, DEPLOY, PROMETHEUS, REPO, load_yaml, run

COMPOSE = load_yaml(REPO / "docker-compose.yml")
SERVICES: dict[str, Any] = COMPOSE["services"]
DEMO_SCRIPT = DEPLOY / "compose" / "camhealth-demo.sh"
EXPORTER_PORT = ExporterConfig().port


def _compose_command() -> list[str] | None:
    """The compose plugin (`docker compose`) if it works here, else docker-compose."""
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_the_compose_tool_validates_the_file() -> None:
    command = _compose_command()
    require(command is not None, "docker compose or docker-compose (Debian package)")
    assert command is not None
    result = run(*command, "--file", REPO / "docker-compose.yml", "config", "--quiet", cwd=REPO)
    assert result.returncode == 0, result.stderr


def test_the_stack_has_its_services() -> None:
    assert set(SERVICES) == {
        "camhealth",
        "simulator",
        "prometheus",
        "alertmanager",
        "alert-webhook",
        "grafana",
    }


def test_services_refer_to_existing_services_and_files() -> None:
    for name, service in SERVICES.items():
        for other in service.get("depends_on", {}):
            assert other in SERVICES, (name, other)
        mode = service.get("network_mode", "")
        assert not mode or mode.removeprefix("service:") in SERVICES, name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (REPO / source).exists(), (name, source)
            else:
                assert source in COMPOSE["volumes"], (name, source)


def test_ports_are_published_on_the_loopback_only() -> None:
    published = [port for s in SERVICES.values() for port in s.get("ports", [])]
    assert published
    assert all(port.startswith("127.0.0.1:") for port in published)


def test_prometheus_scrapes_camhealth_and_alerts_the_alertmanager_of_the_stack() -> None:
    config = load_yaml(PROMETHEUS / "prometheus.yml")
    (job,) = [j for j in config["scrape_configs"] if j["job_name"] == "camhealth"]
    assert job["static_configs"][0]["targets"] == [f"camhealth:{EXPORTER_PORT}"]
    assert f"127.0.0.1:{EXPORTER_PORT}:{EXPORTER_PORT}" in SERVICES["camhealth"]["ports"]
    (targets,) = [
        c["targets"] for a in config["alerting"]["alertmanagers"] for c in a["static_configs"]
    ]
    assert [_service_of(f"http://{t}") for t in targets] == ["alertmanager"]
    assert "./deploy/prometheus:/etc/prometheus:ro" in SERVICES["prometheus"]["volumes"]


def test_alertmanager_webhooks_reach_the_example_receiver() -> None:
    config = load_yaml(ALERTMANAGER / "alertmanager.yml")
    urls = {hook["url"] for r in config["receivers"] for hook in r.get("webhook_configs", [])}
    listen = SERVICES["alert-webhook"]["command"][-1]
    for url in urls:
        assert _service_of(url) == "alert-webhook"
        assert urlsplit(url).port == int(listen.rsplit(":", 1)[1])


def test_grafana_is_provisioned_with_the_datasource_and_the_generated_dashboards() -> None:
    volumes = SERVICES["grafana"]["volumes"]
    assert "./dashboards/provisioning:/etc/grafana/provisioning:ro" in volumes
    (mount,) = [v.split(":")[1] for v in volumes if v.startswith("./dashboards/json:")]
    provider = load_yaml(DASHBOARDS / "provisioning" / "dashboards" / "camhealth.yml")
    assert provider["providers"][0]["options"]["path"] == mount
    (source,) = load_yaml(DASHBOARDS / "provisioning" / "datasources" / "prometheus.yml")[
        "datasources"
    ]
    assert _service_of(source["url"]) == "prometheus"


def test_the_simulator_shares_camhealths_network_and_writes_what_camhealth_imports() -> None:
    simulator = SERVICES["simulator"]
    assert simulator["network_mode"] == "service:camhealth"
    options = dict(arg.removeprefix("--").split("=", 1) for arg in simulator["command"][1:])
    script = DEMO_SCRIPT.read_text(encoding="utf-8")
    assert options["registry-out"] == "/var/lib/camhealth/fleet.csv"
    assert '"$data/fleet.csv"' in script and '"$data/fleet-areas.csv"' in script
    assert f"/opt/{DEMO_SCRIPT.name}" in SERVICES["camhealth"]["entrypoint"]


@pytest.mark.parametrize(
    "words",
    [
        ["simulate", *[a.split("=")[0] for a in SERVICES["simulator"]["command"][1:]]],
        ["keys", "generate", "--out"],
        ["areas", "import"],
        ["cameras", "import"],
        ["run"],
    ],
)
def test_the_camhealth_commands_used_exist_with_their_options(words: list[str]) -> None:
    command: Any = typer.main.get_command(app)
    options = [w for w in words if w.startswith("--")]
    for word in [w for w in words if not w.startswith("--")]:
        # the CLI resolves its sub-commands lazily, so ask for them by name
        command = command.get_command(typer.Context(command), word)
        assert command is not None, word
    known = {opt for param in command.params for opt in param.opts}
    assert set(options) <= known


def test_the_image_is_slim_non_root_and_checks_the_exporters_health() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    bases = re.findall(r"^FROM (\S+)", dockerfile, re.MULTILINE)
    assert bases and all(base.endswith("-slim-bookworm") for base in bases)
    assert re.search(r"^USER camhealth$", dockerfile, re.MULTILINE)
    assert "uv sync --frozen --no-dev" in dockerfile
    assert f"http://127.0.0.1:{EXPORTER_PORT}/healthz" in dockerfile
    assert f"EXPOSE {EXPORTER_PORT}" in dockerfile
    assert "CAMHEALTH_EXPORTER__HOST=0.0.0.0" in dockerfile


def test_the_build_context_holds_only_what_the_image_needs() -> None:
    ignore = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    assert ignore[ignore.index("*") + 1 :][:4] == [
        "!pyproject.toml",
        "!uv.lock",
        "!README.md",
        "!camhealth/",
    ]
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", (REPO / "Dockerfile").read_text(), re.M)
    assert {name for line in copied for name in line.split()} == {
        "pyproject.toml",
        "uv.lock",
        "README.md",
        "camhealth",
    }


def _service_of(url: str) -> str:
    host = urlsplit(url).hostname or ""
    assert host in SERVICES, url
    return host
