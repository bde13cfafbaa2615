"""The column set: documented as it is coded, and its cell parsers."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from pydantic import BaseModel

from camhealth.camera_registry.columns import (
    AREA_COLUMNS,
    CAMERA_COLUMNS,
    KIND_NAMES,
    ROLE_NAMES,
    CellProblem,
    Column,
    boolean,
    moment,
    text,
)
from camhealth.camera_registry.records import AreaRecord, CameraRecord

DOC = Path(__file__).parents[2] / "docs" / "registry-columns.md"


def documented_rows(section: str) -> dict[str, str]:
    """Column name → its table row, from one section of docs/registry-columns.md."""
    section_text = DOC.read_text(encoding="utf-8").split(f"### {section}\n\n")[1]
    part = section_text.split("\n\n")[0]  # the first table only
    return dict(re.findall(r"^\| `(\w+)` \|(.*)$", part, flags=re.MULTILINE))


@pytest.mark.parametrize(
    ("section", "columns", "model"),
    [("Cameras", CAMERA_COLUMNS, CameraRecord), ("Areas", AREA_COLUMNS, AreaRecord)],
)
def test_the_documentation_lists_every_column_and_alias(
    section: str, columns: tuple[Column, ...], model: type[BaseModel]
) -> None:
    rows = documented_rows(section)
    assert list(rows) == [column.name for column in columns]
    for column in columns:
        assert rows[column.name].split("|")[1].strip() == ", ".join(column.aliases)
        assert ("yes" in rows[column.name].split("|")[0]) == column.required
    # Every record field has a column (credential_ref is the import-only extra).
    assert set(model.model_fields) <= {column.name for column in columns}


def test_the_documentation_lists_every_chinese_value() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for alias, value in [*ROLE_NAMES.items(), *KIND_NAMES.items()]:
        if alias != value:
            assert alias in doc, alias


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", "12"), (12, "12"), (12.0, "12"), (1.5, "1.5"), (date(2026, 5, 1), "2026-05-01")],
)
def test_text(value: object, expected: str) -> None:
    assert text(value) == expected


@pytest.mark.parametrize("value", [True, [1], {"a": 1}, 3.4020000001320002e19])
def test_text_refuses(value: object) -> None:
    with pytest.raises(CellProblem):
        text(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(" 是 ", True), ("N", False), ("TRUE", True), (0, False), (1.0, True), ("√", True)],
)
def test_boolean(value: object, expected: bool) -> None:
    assert boolean(value) is expected


def test_moment() -> None:
    assert moment("2026/5/1 8:00") == datetime(2026, 5, 1, 8, 0)
    assert moment(date(2026, 5, 1)) == datetime(2026, 5, 1)
    assert moment("2026-05-01T08:00") == "2026-05-01T08:00"  # left to the record's parser
    with pytest.raises(CellProblem):
        moment(45000)
