"""XLSX import: typed cells, formulas, merged cells, long numbers, what a clerk's workbook holds."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from camhealth.camera_registry import xlsx_source
from camhealth.camera_registry.importing import read_areas, read_cameras
from camhealth.camera_registry.xlsx_source import survey
from tests.registry.importing_files import CAMERA_HEADER, rejection


def workbook(path: Path, build: Callable[[Worksheet], None], name: str = "cameras.xlsx") -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    build(sheet)
    target = path / name
    book.save(target)
    return target


def rewrite_sheet(path: Path, change: Callable[[str], str]) -> None:
    """Edit the first sheet's XML, as another program could have written it."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    assert change(sheet) != sheet
    parts["xl/worksheets/sheet1.xml"] = change(sheet).encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


def set_cached_value(path: Path, cell: str, value: str) -> None:
    """Give a formula cell the cached result a spreadsheet program would have saved."""

    def change(sheet: str) -> str:
        start = sheet.index(f'<c r="{cell}"')
        end = sheet.index("</c>", start)
        formula = sheet[start:end].replace("<v></v>", f"<v>{value}</v>")
        formula = formula.replace(f'<c r="{cell}"', f'<c r="{cell}" t="str"')
        return sheet[:start] + formula + sheet[end:]

    rewrite_sheet(path, change)


def test_typed_cells(tmp_path: Path) -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(
            ["设备编码", "点位名称", "所属区域", "是否联网", "启用", "维护开始", "维护结束"]
        )
        sheet.append([1001, "东门", 7, True, 0, datetime(2026, 5, 1, 8), datetime(2026, 5, 1, 9)])
        sheet.append([1002.0, 3.5, "a1", "是", None, None, None])

    first, second = (row.record for row in read_cameras(workbook(tmp_path, build)))
    assert (first.id, first.area_id, first.declared_networked, first.enabled) == (
        "1001",
        "7",
        True,
        False,
    )
    assert first.maintenance_start == datetime(2026, 5, 1, 8).astimezone(UTC)
    assert (second.id, second.name, second.declared_networked) == ("1002", "3.5", True)


def test_a_long_number_that_lost_digits_is_refused(tmp_path: Path) -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(CAMERA_HEADER)
        sheet.append([34020000001320000001, "n", "a1"])  # Excel keeps 15 digits: ...320000000

    errors = rejection(read_cameras, workbook(tmp_path, build)).errors
    assert errors == [
        "row 2, column id: a long number that lost its last digits; "
        "format the column as text and retype it"
    ]


def test_formula_without_cached_value_is_a_row_error(tmp_path: Path) -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(CAMERA_HEADER)
        sheet.append(["c1", '=CONCAT("东", "门")', "a1"])
        sheet.append(["c2", '=CONCAT("西", "门")', "a1"])

    path = workbook(tmp_path, build)
    assert rejection(read_cameras, path).errors == [
        "row 2, column name: formula without a cached value; save the file in a spreadsheet "
        "program",
        "row 3, column name: formula without a cached value; save the file in a spreadsheet "
        "program",
    ]
    set_cached_value(path, "B2", "东门")
    assert rejection(read_cameras, path).errors[0].startswith("row 3, column name: formula")
    set_cached_value(path, "B3", "西门")
    assert [row.record.name for row in read_cameras(path)] == ["东门", "西门"]


def test_formula_error_is_a_row_error(tmp_path: Path) -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(CAMERA_HEADER)
        sheet.append(["c1", "n", "=1/0"])

    path = workbook(tmp_path, build)
    rewrite_sheet(
        path,
        lambda sheet: sheet.replace(
            '<c r="C2"><f>1/0</f><v></v></c>', '<c r="C2" t="e"><f>1/0</f><v>#DIV/0!</v></c>'
        ),
    )
    errors = rejection(read_cameras, path).errors
    assert errors == ["row 2, column area_id: the cell holds a formula error"]


def test_a_district_merged_down_fills_every_row(tmp_path: Path) -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["区域编码", "区域名称", "所属街道", "是否重点区域"])
        for n in range(1, 6):
            sheet.append([f"a{n}", f"区域{n}", "城厢街道" if n == 1 else None, "是"])
        sheet["C6"] = "古柳街道"
        sheet.merge_cells("C2:C5")  # 城厢 for a1..a4; a5 has its own cell
        sheet.merge_cells("D2:D6")

    rows = read_areas(workbook(tmp_path, build, "areas.xlsx"))
    districts = [row.record.district for row in rows]
    assert districts == ["城厢街道"] * 4 + ["古柳街道"]
    assert all(row.record.key_area for row in rows)


def test_a_merge_in_the_last_column_over_rows_without_cells(tmp_path: Path) -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["id", "name", "district"])
        sheet.append(["a1", "one", "城厢街道"])
        sheet.append(["a2", "two"])
        sheet.append(["a3", "three"])
        sheet.merge_cells("C2:C4")

    rows = read_areas(workbook(tmp_path, build, "areas.xlsx"))
    assert [row.record.district for row in rows] == ["城厢街道"] * 3


def test_merges_across_columns_and_in_the_header_are_refused(tmp_path: Path) -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["id", "name", "district", "kind"])
        sheet.append(["a1", "one", "城厢街道", None])
        sheet.merge_cells("C2:D2")
        sheet.merge_cells("C1:D1")

    errors = rejection(read_areas, workbook(tmp_path, build, "areas.xlsx")).errors
    assert set(errors) == {
        "cells C2:D2 are merged across columns: unmerge them",
        "merged header cells C1:D1: give every column its own header",
    }


def test_wrong_dimension_does_not_hide_rows(tmp_path: Path) -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(CAMERA_HEADER)
        for n in range(5):
            sheet.append([f"c{n}", "n", "a1"])

    path = workbook(tmp_path, build)
    rewrite_sheet(
        path, lambda sheet: sheet.replace('<dimension ref="A1:D6"/>', '<dimension ref="A1"/>')
    )
    assert len(read_cameras(path)) == 5


def test_text_starting_with_equals_is_text(tmp_path: Path) -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(CAMERA_HEADER)
        sheet.append(["c1", "n", "a1"])
        sheet["B2"].value = "=not a formula"
        sheet["B2"].data_type = "s"

    (row,) = read_cameras(workbook(tmp_path, build))
    assert row.record.name == "=not a formula"


def test_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "cameras.xlsx"
    path.write_bytes(b"id,name,area_id\nc1,n,a1\n")
    assert rejection(read_cameras, path).errors == [
        "not an XLSX workbook (save it as .xlsx from a spreadsheet)"
    ]


def test_progress_counts_rows(tmp_path: Path) -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(CAMERA_HEADER)
        for n in range(2500):
            sheet.append([f"c{n}", "n", "a1"])

    seen: list[tuple[int, int]] = []
    read_cameras(workbook(tmp_path, build), progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1001, 2501), (2001, 2501), (2501, 2501)]


def test_damaged_workbooks(tmp_path: Path) -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(CAMERA_HEADER)
        sheet.append(["c1", "n", 5])

    bad_number = workbook(tmp_path, build, "number.xlsx")
    rewrite_sheet(bad_number, lambda sheet: sheet.replace("<v>5</v>", "<v>x5</v>"))
    assert rejection(read_cameras, bad_number).errors == [
        "row 2: the workbook is damaged; save it again"
    ]
    bad_xml = workbook(tmp_path, build, "xml.xlsx")
    rewrite_sheet(bad_xml, lambda sheet: sheet.replace("</sheetData>", "<row>"))
    assert rejection(read_cameras, bad_xml).errors == [
        "row 3: the workbook is damaged; save it again"
    ]
    # The same with a formula, which makes the merge/formula scan read the broken XML first.
    rewrite_sheet(bad_xml, lambda sheet: sheet.replace("<v>5</v>", "<f>2+3</f><v>5</v>"))
    assert rejection(read_cameras, bad_xml).errors == ["the workbook is damaged; save it again"]


@pytest.mark.parametrize("chunk", [5, 16, 1 << 20])
def test_survey_finds_what_the_scan_needs(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    monkeypatch.setattr(xlsx_source, "_CHUNK", chunk)  # tags cut across reads
    sheet = (
        b'<worksheet><sheetData><row r="1" spans="1:2"><c r="A1"><v>1</v></c></row>'
        b'<row spans="1:2" r="7"><c r="A7" s="1" t="e"><v>#REF!</v></c></row></sheetData>'
    )
    assert survey(io.BytesIO(sheet + b"</worksheet>")) == (7, True)
    plain = sheet.replace(b't="e"', b't="n"')
    assert survey(io.BytesIO(plain + b"</worksheet>")) == (7, False)
    merged = plain + b'<x:mergeCells><x:mergeCell ref="A1:A2"/></x:mergeCells></worksheet>'
    assert survey(io.BytesIO(merged)) == (7, True)
    formula = plain.replace(b"<v>1</v>", b'<f t="shared" si="0"/><v>1</v>')
    assert survey(io.BytesIO(formula + b"</worksheet>")) == (7, True)
