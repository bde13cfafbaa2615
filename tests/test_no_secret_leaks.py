"""Every command of the registry, run with known passwords in it: none may show up anywhere.

Output, error output, debug logs, exported files (xlsx unzipped) and the database file are all
searched, on the happy paths and on the error paths (a rejected import, no key, a wrong key).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from camhealth.cli import app

PASSWORD = "Kn0wn-Pa55-7q"  # in a password column
URL_PASSWORD = "Url-Pa55-9x"  # inside an rtsp:// URL
REF_PASSWORD = "Ref-Pa55-4z"  # in the secrets file, reached by credential_ref
SECRETS = (PASSWORD, URL_PASSWORD, REF_PASSWORD)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "areas.csv").write_text(
        "id,name,kind,district,key_area\nzhan,车站,station,城厢,yes\n"
    )
    (tmp_path / "cameras.csv").write_text(
        "id,name,area_id,rtsp_url,username,password,credential_ref\n"
        f"c1,东门,zhan,rtsp://127.0.0.1/a,admin,{PASSWORD},\n"
        f"c2,西门,zhan,rtsp://admin:{URL_PASSWORD}@127.0.0.1/b,,,\n"
        "c3,南门,zhan,rtsp://127.0.0.1/c,,,ref-c3\n"
    )
    (tmp_path / "secrets.yml").write_text(f"ref-c3: {{username: op, password: {REF_PASSWORD}}}\n")
    (tmp_path / "bad.csv").write_text(
        "id,name,area_id,rtsp_url\n"
        f"c4,北门,zhan,http://admin:{PASSWORD}@127.0.0.1/d\n"
        f"c5,北门2,nowhere,rtsp://admin:{URL_PASSWORD}@127.0.0.1/e\n"
    )
    return tmp_path


def _env(workdir: Path, key: str) -> dict[str, str]:
    return {
        "CAMHEALTH_DATABASE__URL": f"sqlite+aiosqlite:///{workdir / 'reg.db'}",
        "CAMHEALTH_CREDENTIALS__KEY": key,
        "CAMHEALTH_LOGGING__LEVEL": "DEBUG",
        "CAMHEALTH_LOGGING__FORMAT": "json",
    }


def _run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.output


def _assert_clean(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"a password leaked into {where}"


def test_no_command_shows_a_password(workdir: Path) -> None:
    key = Fernet.generate_key().decode()
    env = _env(workdir, key)
    w = str(workdir)
    commands = [
        ("areas", "import", f"{w}/areas.csv"),
        ("cameras", "import", f"{w}/cameras.csv", "--secrets", f"{w}/secrets.yml", "--dry-run"),
        ("cameras", "import", f"{w}/cameras.csv", "--secrets", f"{w}/secrets.yml"),
        ("cameras", "import", f"{w}/cameras.csv", "--secrets", f"{w}/secrets.yml"),
        ("cameras", "list"),
        ("cameras", "list", "--format", "csv"),
        ("cameras", "list", "--format", "json"),
        ("cameras", "list", "--format", "xlsx", "--output", f"{w}/out.xlsx"),
        ("cameras", "list", "--format", "csv", "--output", f"{w}/out.csv"),
        ("cameras", "show", "c1"),
        ("cameras", "show", "c2"),
        ("cameras", "show", "c3"),
        ("areas", "list", "--format", "json"),
        ("config", "show"),
        ("keys", "generate", "--out", f"{w}/new.key"),
    ]
    for args in commands:
        code, output = _run(env, *args)
        assert code == 0, (args, output)
        _assert_clean(output, " ".join(args))
    assert key not in _run(env, "config", "show")[1]

    no_key = {k: v for k, v in env.items() if k != "CAMHEALTH_CREDENTIALS__KEY"}
    other_key = Fernet.generate_key().decode()
    failures = [
        (env, ("cameras", "import", f"{w}/bad.csv"), "row 2, column rtsp_url"),
        (env, ("cameras", "import", f"{w}/cameras.csv"), "column credential_ref"),
        (no_key, ("cameras", "list"), "no key"),
        ({**env, "CAMHEALTH_CREDENTIALS__KEY": other_key}, ("cameras", "list"), "does not decrypt"),
    ]
    for failing_env, args, reason in failures:
        code, output = _run(failing_env, *args)
        assert code != 0, (args, output)
        assert reason in output, (args, output)
        assert "Traceback" not in output
        _assert_clean(output, " ".join(args))

    with zipfile.ZipFile(workdir / "out.xlsx") as book:
        for name in book.namelist():
            _assert_clean(book.read(name).decode("utf-8", "replace"), f"out.xlsx:{name}")
    _assert_clean((workdir / "out.csv").read_text(encoding="utf-8-sig"), "out.csv")
    database = (workdir / "reg.db").read_bytes()
    assert not any(secret.encode() in database for secret in SECRETS)


def test_demo_shows_no_password(tmp_path: Path) -> None:
    from camhealth.camera_registry.demo_city import build_demo_city

    code, output = _run(
        {"CAMHEALTH_LOGGING__LEVEL": "DEBUG"},
        "demo",
        "--data-dir",
        str(tmp_path),
        "--duration",
        "0",
    )
    assert code == 0, output
    for camera in build_demo_city().cameras:
        assert camera.password is not None
        assert camera.password.get_secret_value() not in output
