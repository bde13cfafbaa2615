"""Bad rows: every problem listed as `row N, column X: ...`, never with the value in it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from camhealth.camera_registry import importing
from camhealth.camera_registry.importing import MAX_ERRORS, read_areas, read_cameras, row_error
from tests.registry.importing_files import CAMERA_HEADER, PASSWORD, rejection, write_csv


def test_every_problem_of_the_file_is_listed(tmp_path: Path) -> None:
    rows = [
        [*CAMERA_HEADER, "role", "enabled", "maintenance_start", "maintenance_end"],
        ["c1", "ok", "a1", "rtsp://h/1", "", "", "", ""],
        ["c 2", "", "a1", "http://h/1", "guard", "maybe", "", ""],
        ["c3", "n", "a1", "rtsp://h:99999/x", "", "", "", ""],
        ["c4", "n", "a1", "", "", "", "2026-05-01 08:00", "2026-04-01 08:00"],
        ["c5", "n", "a1", "rtsp:///x", "", "", "tomorrow", ""],
        ["c1", "again", "a1", "", "", "", "", ""],
        ["c6", "n", "a1", "", "", "", "2026-05-01 08:00", ""],
    ]
    rejected = rejection(read_cameras, write_csv(tmp_path, rows))
    assert rejected.errors == [
        "row 3, column role: must be one of surveillance (治安监控), surveillance (视频监控), "
        "e_police (电子警察), e_police (电警)",
        "row 3, column enabled: not a yes/no value (true/false, 1/0, yes/no, Y/N, 是/否)",
        "row 3, column id: only letters, digits, '_', '.' and '-', at most 64, "
        "starting with a letter or digit",
        "row 3, column name: required",
        "row 3, column rtsp_url: not an rtsp:// URL",
        "row 4, column rtsp_url: URL has an invalid port",
        "row 5: maintenance_end must be after maintenance_start",
        "row 6, column rtsp_url: URL has no host",
        "row 6, column maintenance_start: not a date and time (e.g. 2026-05-01 08:00)",
        "row 7, column id: duplicate of row 2",
        "row 8: maintenance_start and maintenance_end go together",
    ]
    assert str(rejected) == "11 errors in cameras.csv"


def test_area_types(tmp_path: Path) -> None:
    rows = [
        ["id", "name", "kind", "key_area", "lat", "lon"],
        ["a1", "n", "castle", "是", "north", "200"],
        ["a2", "n", "车站", "sometimes", "91", "0"],
    ]
    errors = rejection(read_areas, write_csv(tmp_path, rows, name="areas.csv")).errors
    assert errors[0].startswith("row 2, column kind: must be one of station (车站),")
    assert errors[1:] == [
        "row 2, column lat: not a number",
        "row 2, column lon: Input should be less than or equal to 180",
        "row 3, column key_area: not a yes/no value (true/false, 1/0, yes/no, Y/N, 是/否)",
        "row 3, column lat: Input should be less than or equal to 90",
    ]


def test_password_in_a_url_is_moved_out_and_never_shown(tmp_path: Path) -> None:
    rows = [
        [*CAMERA_HEADER, "sub_rtsp_url"],
        ["c1", "n", "a1", f"rtsp://admin:{PASSWORD}@10.0.0.1:554/main", ""],
        ["c2", "n", "a1", f"rtsp://admin:{PASSWORD}@10.0.0.1:99999/main", f"http://u:{PASSWORD}@h"],
    ]
    errors = rejection(read_cameras, write_csv(tmp_path, rows)).errors
    assert errors == [
        "row 3, column rtsp_url: URL has an invalid port",
        "row 3, column sub_rtsp_url: not an rtsp:// URL",
    ]
    (row,) = read_cameras(write_csv(tmp_path, rows[:2]))
    record = row.record
    assert record.rtsp_url == "rtsp://10.0.0.1:554/main"
    assert record.username == "admin"
    assert record.password is not None
    assert record.password.get_secret_value() == PASSWORD
    assert PASSWORD not in repr(record)


def test_a_password_in_a_shifted_column_is_not_echoed(tmp_path: Path) -> None:
    # One missing comma shifts every value: the password lands in the enabled column.
    rows = [[*CAMERA_HEADER, "password", "enabled"], ["c1", "n", "a1", "", "", PASSWORD]]
    errors = rejection(read_cameras, write_csv(tmp_path, rows)).errors
    assert errors == [
        "row 2, column enabled: not a yes/no value (true/false, 1/0, yes/no, Y/N, 是/否)"
    ]


def test_errors_are_capped(tmp_path: Path) -> None:
    rows = [CAMERA_HEADER, *([f"c{n}", "n", "a1", "http://x"] for n in range(MAX_ERRORS + 20))]
    rejected = rejection(read_cameras, write_csv(tmp_path, rows))
    assert len(rejected.errors) == MAX_ERRORS + 1
    assert rejected.errors[-1] == "... and 20 more"
    assert str(rejected) == f"{MAX_ERRORS + 20} errors in cameras.csv"


def test_too_many_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    rows = [CAMERA_HEADER, *([f"c{n}", "n", "a1", ""] for n in range(4))]
    assert rejection(read_cameras, write_csv(tmp_path, rows)).errors == [
        "more than 3 rows: split the file"
    ]
    assert len(read_cameras(write_csv(tmp_path, rows[:4]))) == 3


def test_spreadsheet_dates_and_booleans(tmp_path: Path) -> None:
    rows = [
        [*CAMERA_HEADER, "维护开始", "维护结束", "启用", "是否联网"],
        ["c1", "n", "a1", "", "2026/5/1 8:00", "2026-05-01T10:30:00+00:00", "否", "√"],
    ]
    (row,) = read_cameras(write_csv(tmp_path, rows))
    start = datetime(2026, 5, 1, 8, 0).astimezone(UTC)  # no zone: the host's local time
    assert row.record.maintenance_start == start
    assert row.record.maintenance_end == datetime(2026, 5, 1, 10, 30, tzinfo=UTC)
    assert (row.record.enabled, row.record.declared_networked) == (False, True)


def test_row_error_format() -> None:
    assert row_error(17, "rtsp_url", "not an rtsp:// URL") == (
        "row 17, column rtsp_url: not an rtsp:// URL"
    )
    assert row_error(4, None, "bad") == "row 4: bad"


# -- credential_ref and the secrets file ------------------------------------------------------


@pytest.fixture
def secrets(tmp_path: Path) -> Path:
    path = tmp_path / "secrets.yaml"
    path.write_text(
        f"gate:\n  username: admin\n  password: '{PASSWORD}'\nnumeric:\n  password: 0123\n",
        encoding="utf-8",
    )
    return path


def test_credential_refs_resolve(tmp_path: Path, secrets: Path) -> None:
    rows = [
        [*CAMERA_HEADER, "凭据引用"],
        ["c1", "n", "a1", "", "gate"],
        ["c2", "n", "a1", "", "numeric"],
    ]
    first, second = (row.record for row in read_cameras(write_csv(tmp_path, rows), secrets=secrets))
    assert first.username == "admin"
    assert first.password is not None and first.password.get_secret_value() == PASSWORD
    # Read as written: YAML's safe loader would have made 0123 the number 83.
    assert second.username is None
    assert second.password is not None and second.password.get_secret_value() == "0123"


def test_credential_ref_problems(tmp_path: Path, secrets: Path) -> None:
    rows = [
        [*CAMERA_HEADER, "credential_ref", "password"],
        ["c1", "n", "a1", "", "nobody", ""],
        ["c2", "n", "a1", "", "gate", PASSWORD],
    ]
    path = write_csv(tmp_path, rows)
    assert rejection(read_cameras, path, secrets=secrets).errors == [
        "row 2, column credential_ref: no such entry in the secrets file",
        "row 3, column credential_ref: give either credential_ref or username/password, not both",
    ]
    assert rejection(read_cameras, path).errors[0] == (
        "row 2, column credential_ref: needs a secrets file (--secrets FILE)"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (f"gate: [admin, {PASSWORD}]\n", "secrets file entry 'gate': expected a mapping"),
        (f"gate:\n  user: admin\n  password: {PASSWORD}\n", "expected a mapping"),
        (f"gate:\n  password: {PASSWORD}\n  : [\n", "the secrets file is not valid YAML"),
        (f"- {PASSWORD}\n", "the secrets file must map each reference"),
        (f"gate:\n  password: [{PASSWORD}]\n", "username and password must be text"),
    ],
)
def test_bad_secrets_files(tmp_path: Path, secrets: Path, content: str, message: str) -> None:
    secrets.write_text(content, encoding="utf-8")
    rows = [[*CAMERA_HEADER, "credential_ref"], ["c1", "n", "a1", "", "gate"]]
    rejected = rejection(read_cameras, write_csv(tmp_path, rows), secrets=secrets)
    assert message in rejected.errors[0]
    assert str(rejected) == "1 error in secrets.yaml"
