"""The registry's commands, run in-process on SQLite and PostgreSQL like a person would run them."""

import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from openpyxl import load_workbook
from rich.cells import cell_len
from typer.testing import CliRunner, Result

from camhealth.cli import app
from tests.registry.builders import KEY, PASSWORD

AREAS_CSV = (
    "id,name,kind,district,key_area\n"
    "zhan,火车站,station,城关街道,yes\n"
    "yiyuan,人民医院,hospital,新华镇,是\n"
    "lukou,人民路口,intersection,新华镇,no\n"
)
CAMERAS_CSV = (
    "设备编码,点位名称,所属区域,用途,主码流地址,用户名,密码\n"
    f"c1,火车站北广场,zhan,surveillance,rtsp://10.0.0.1/s,admin,{PASSWORD}\n"
    "c2,医院门诊楼,yiyuan,surveillance,rtsp://10.0.0.2/s,,\n"
    f"c3,人民路口东,lukou,电子警察,rtsp://op:{PASSWORD}@10.0.0.3/s,,\n"
)

Invoke = Callable[..., Result]


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Invoke:
    """Run ``camhealth ARGS`` against the test database, with the credentials key set."""
    log_file = tmp_path / "camhealth.log"

    def invoke(*args: str, key: str | None = KEY, **env: str) -> Result:
        environ = {"CAMHEALTH_DATABASE__URL": database_url, "CAMHEALTH_CREDENTIALS__KEY": key}
        result = CliRunner().invoke(app, list(args), env=environ | env)
        with log_file.open("a") as log:
            log.write(result.output)
        assert "Traceback" not in result.output, result.output
        return result

    return invoke


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "areas.csv").write_text(AREAS_CSV, encoding="utf-8")
    (tmp_path / "cameras.csv").write_text(CAMERAS_CSV, encoding="gb18030")
    return tmp_path


def _import_all(cli: Invoke, files: Path) -> None:
    assert cli("areas", "import", str(files / "areas.csv")).exit_code == 0
    assert cli("cameras", "import", str(files / "cameras.csv")).exit_code == 0


def test_import_counts_dry_run_and_idempotence(cli: Invoke, files: Path) -> None:
    areas = cli("areas", "import", str(files / "areas.csv"), "--dry-run")
    assert areas.stdout == (
        "areas: dry run, nothing written; would be 3 created, 0 updated, 0 unchanged, 0 removed\n"
    )
    assert cli("areas", "list").stdout.count("\n") == 1  # header only: nothing was written
    assert cli("areas", "import", str(files / "areas.csv")).stdout == (
        "areas: 3 created, 0 updated, 0 unchanged, 0 removed\n"
    )
    cameras = files / "cameras.csv"
    assert cli("cameras", "import", str(cameras)).stdout == (
        "cameras: 3 created, 0 updated, 0 unchanged, 0 removed\n"
    )
    assert cli("cameras", "import", str(cameras)).stdout == (
        "cameras: 0 created, 0 updated, 3 unchanged, 0 removed\n"
    )
    (files / "one.csv").write_text("id,name,area_id\nc2,医院门诊楼二,yiyuan\n")
    assert cli("cameras", "import", str(files / "one.csv"), "--prune").stdout == (
        "cameras: 0 created, 1 updated, 0 unchanged, 2 removed\n"
    )


def test_a_rejected_import_lists_every_error_and_writes_nothing(cli: Invoke, files: Path) -> None:
    cli("areas", "import", str(files / "areas.csv"))
    (files / "bad.csv").write_text(
        "id,name,area_id,rtsp_url\nc1,a,zhan,rtsp://h/1\nc2,b,nowhere,rtsp://h/2\nc3,c,gone,\n"
    )
    result = cli("cameras", "import", str(files / "bad.csv"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "row 3, column area_id: unknown area 'nowhere'",
        "row 4, column area_id: unknown area 'gone'",
        "error: nothing imported: 2 errors in the file",
    ]
    (files / "worse.csv").write_text("id,name,area_id,rtsp_url\nc1,a,zhan,http://h/1\n")
    result = cli("cameras", "import", str(files / "worse.csv"))
    assert result.exit_code == 1
    assert "row 2, column rtsp_url: not an rtsp:// URL" in result.stderr
    assert cli("cameras", "list").stdout.count("\n") == 1


def test_list_filters_and_plain_table(cli: Invoke, files: Path) -> None:
    _import_all(cli, files)
    lines = cli("cameras", "list").stdout.splitlines()
    assert lines[0].split() == [
        "id",
        "name",
        "area_id",
        "role",
        "enabled",
        "declared_networked",
        "rtsp_url",
    ]
    assert [line.split()[0] for line in lines[1:]] == ["c1", "c2", "c3"]
    # Aligned by display width: every row's area column starts where the header's does.
    starts = {
        cell_len(line[: line.index(area)])
        for line, area in zip(lines, ["area_id", "zhan", "yiyuan", "lukou"], strict=True)
    }
    assert len(starts) == 1

    def ids(*args: str) -> list[str]:
        return [line.split()[0] for line in cli("cameras", "list", *args).stdout.splitlines()[1:]]

    assert ids("--district", "新华镇") == ["c2", "c3"]
    assert ids("--area", "zhan") == ["c1"]
    assert ids("--role", "e_police") == ["c3"]
    assert ids("--key-only") == ["c1", "c2"]
    areas = cli("areas", "list", "--key-only").stdout.splitlines()
    assert [line.split()[0] for line in areas[1:]] == ["yiyuan", "zhan"]


def test_rich_table_on_a_terminal(cli: Invoke, files: Path) -> None:
    _import_all(cli, files)
    result = cli("cameras", "list", FORCE_COLOR="1", COLUMNS="160")
    assert "┃" in result.stdout and "火车站北广场" in result.stdout and "3 rows" in result.stdout


def test_exports_import_back_unchanged(cli: Invoke, files: Path) -> None:
    _import_all(cli, files)
    for fmt in ("csv", "json", "xlsx"):
        out = files / f"export.{fmt}"
        assert cli("cameras", "list", "--format", fmt, "--output", str(out)).exit_code == 0
        assert cli("cameras", "import", str(out)).stdout == (
            "cameras: 0 created, 0 updated, 3 unchanged, 0 removed\n"
        )
    exported = json.loads(cli("cameras", "list", "--format", "json", "--role", "e_police").stdout)
    assert [camera["id"] for camera in exported["cameras"]] == ["c3"]
    sheet = load_workbook(io.BytesIO(cli("areas", "list", "-f", "xlsx").stdout_bytes)).active
    assert sheet is not None and sheet.max_row == 4


def test_show(cli: Invoke, files: Path) -> None:
    _import_all(cli, files)
    shown = cli("cameras", "show", "c3").stdout.splitlines()
    assert "rtsp_url: rtsp://10.0.0.3/s" in shown
    assert "role: e_police" in shown
    assert shown[-1] == "credentials: stored (encrypted)"
    assert cli("cameras", "show", "c2").stdout.endswith("credentials: none\n")
    missing = cli("cameras", "show", "nope")
    assert missing.exit_code == 1 and missing.stderr == "error: no camera 'nope' in the registry\n"


def test_missing_or_wrong_key_is_a_message_not_a_traceback(cli: Invoke, files: Path) -> None:
    cli("areas", "import", str(files / "areas.csv"))
    refused = cli("cameras", "import", str(files / "cameras.csv"), key=None)
    assert refused.exit_code == 1
    assert refused.stderr == (
        "error: the import holds camera credentials but no key is configured: set "
        "CAMHEALTH_CREDENTIALS__KEY or credentials.key_file; create one with "
        "`camhealth keys generate`\n"
    )
    cli("cameras", "import", str(files / "cameras.csv"))
    no_key = cli("cameras", "list", key=None)
    assert no_key.exit_code == 1
    assert no_key.stderr.startswith("error: stored camera credentials exist but no key")
    wrong = cli("areas", "list", key=Fernet.generate_key().decode())
    assert wrong.exit_code == 1
    assert "does not decrypt the stored credentials" in wrong.stderr


def test_keys_generate(tmp_path: Path) -> None:
    runner = CliRunner()
    printed = runner.invoke(app, ["keys", "generate"]).stdout.strip()
    Fernet(printed.encode())  # a valid key
    key_file = tmp_path / "camhealth.key"
    assert runner.invoke(app, ["keys", "generate", "--out", str(key_file)]).exit_code == 0
    assert os.stat(key_file).st_mode & 0o777 == 0o600
    Fernet(key_file.read_bytes().strip())
    again = runner.invoke(app, ["keys", "generate", "--out", str(key_file)])
    assert again.exit_code == 1 and "exists" in again.stderr


def test_no_command_ever_shows_a_password(cli: Invoke, files: Path, tmp_path: Path) -> None:
    _import_all(cli, files)
    outputs = [files / f"all.{fmt}" for fmt in ("csv", "json", "xlsx")]
    runs = [
        ("cameras", "import", str(files / "cameras.csv"), "--dry-run"),
        ("cameras", "list"),
        ("cameras", "list", "--format", "csv"),
        ("cameras", "list", "--format", "json"),
        ("cameras", "list", "--format", "xlsx"),
        *(("cameras", "list", "-f", out.suffix[1:], "-o", str(out)) for out in outputs),
        ("cameras", "show", "c1"),
        ("cameras", "show", "c3"),
        ("areas", "list"),
        ("config", "show"),
    ]
    for args in runs:
        result = cli(*args, CAMHEALTH_LOGGING__LEVEL="DEBUG")
        assert result.exit_code == 0, (args, result.output)
        assert PASSWORD.encode() not in result.stdout_bytes + result.stderr_bytes, args
    assert PASSWORD not in (tmp_path / "camhealth.log").read_text()
    for out in outputs:
        assert PASSWORD.encode() not in out.read_bytes()
    unzipped = load_workbook(outputs[2]).active
    assert unzipped is not None
    assert not any(PASSWORD in str(cell.value) for row in unzipped.iter_rows() for cell in row)


def test_credentials_from_a_secrets_file(cli: Invoke, files: Path) -> None:
    cli("areas", "import", str(files / "areas.csv"))
    (files / "secrets.yml").write_text(f'gate:\n  username: op\n  password: "{PASSWORD}"\n')
    (files / "ref.csv").write_text("id,name,area_id,credential_ref\nc1,北门,zhan,gate\n")
    imported = cli(
        "cameras", "import", str(files / "ref.csv"), "--secrets", str(files / "secrets.yml")
    )
    assert imported.stdout == "cameras: 1 created, 0 updated, 0 unchanged, 0 removed\n"
    assert cli("cameras", "show", "c1").stdout.endswith("credentials: stored (encrypted)\n")
    no_file = cli("cameras", "import", str(files / "ref.csv"))
    assert no_file.exit_code == 1
    assert "row 2, column credential_ref: needs a secrets file (--secrets FILE)" in no_file.stderr
