import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from camhealth.camera_registry.demo_city import build_demo_city
from camhealth.cli import app


def test_demo_loads_once_then_reuses(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--data-dir", str(data), "--duration", "0"])
    assert first.exit_code == 0, first.output
    assert "created: 54 areas, 301 cameras" in first.output
    second = runner.invoke(app, ["demo", "--data-dir", str(data), "--duration", "0"])
    assert "already there: 54 areas, 301 cameras" in second.output
    assert (data / "credentials.key").stat().st_mode & 0o077 == 0
    with sqlite3.connect(data / "camhealth.db") as db:
        assert db.execute("select count(*) from cameras").fetchone() == (301,)


def test_demo_config_reaches_the_demo_registry_and_hides_passwords(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "--data-dir", str(data), "--duration", "0"]).exit_code == 0
    listed = runner.invoke(app, ["-c", str(data / "camhealth.yml"), "cameras", "list"])
    assert listed.exit_code == 0, listed.output
    assert "huochezhan-01" in listed.output
    db_bytes = (data / "camhealth.db").read_bytes()
    for camera in build_demo_city().cameras[:20]:
        assert camera.password is not None
        secret = camera.password.get_secret_value()
        assert secret not in listed.output
        assert secret.encode() not in db_bytes
