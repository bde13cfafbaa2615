"""CSV import: encodings, Chinese headers, header problems, empty files."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from camhealth.camera_registry.importing import read_areas, read_cameras
from camhealth.camera_registry.records import AreaKind, CameraRole
from tests.registry.importing_files import CAMERA_HEADER, rejection, write_csv

CHINESE = [
    ["设备编码", "点位名称", "所属区域", "用途", "主码流地址", "是否联网", "标签"],
    [
        "34020000001320000001",
        "火车站东门",
        "huochezhan",
        "电子警察",
        "rtsp://10.0.0.1/1",
        "是",
        "东,门",
    ],
    ["34020000001320000002", "火车站西门", "huochezhan", "治安监控", "", "否", ""],
]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_chinese_headers_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    rows = read_cameras(write_csv(tmp_path, CHINESE, encoding))
    assert [row.number for row in rows] == [2, 3]
    first, second = (row.record for row in rows)
    assert first.id == "34020000001320000001"
    assert first.name == "火车站东门"
    assert first.role is CameraRole.e_police
    assert first.declared_networked is True
    assert first.tags == ("东", "门")
    assert second.role is CameraRole.surveillance
    assert second.rtsp_url is None
    assert second.declared_networked is False


def test_gb18030_only_characters(tmp_path: Path) -> None:
    # 㐀 is outside GBK: a GB18030 file with it must not be mistaken for anything else.
    rows = [["区域编码", "区域名称"], ["a1", "㐀山公园"]]
    (area,) = read_areas(write_csv(tmp_path, rows, "gb18030", "areas.csv"))
    assert area.record.name == "㐀山公园"


def test_neither_utf8_nor_gb18030_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cameras.csv"
    path.write_bytes(b"id,name,area_id\nc1,\x80\xff\x80,a\n")
    (error,) = rejection(read_cameras, path).errors
    assert "neither UTF-8 nor GB18030" in error


def test_utf16_and_renamed_workbooks_are_explained(tmp_path: Path) -> None:
    utf16 = tmp_path / "u.csv"
    utf16.write_bytes(codecs.BOM_UTF16_LE + "id,name\n".encode("utf-16-le"))
    assert "UTF-16" in rejection(read_cameras, utf16).errors[0]
    renamed = tmp_path / "w.csv"
    renamed.write_bytes(b"PK\x03\x04rest of a zip")
    assert ".xlsx" in rejection(read_cameras, renamed).errors[0]


@pytest.mark.parametrize(("separator", "shown"), [(";", "';'"), ("\t", "'\\t'")])
def test_other_separators_are_explained(tmp_path: Path, separator: str, shown: str) -> None:
    path = tmp_path / "cameras.csv"
    path.write_text(f"id{separator}name{separator}area_id\nc1{separator}n{separator}a\n")
    assert rejection(read_cameras, path).errors == [
        f"the columns are separated by {shown}: save it as CSV with commas"
    ]


def test_header_matching_ignores_case_spaces_and_width(tmp_path: Path) -> None:
    rows = [[" ID ", "Name", "AREA_ID", "*Ｒｔｓｐ Url"], ["c1", "n", "a1", "rtsp://h/x"]]
    (row,) = read_cameras(write_csv(tmp_path, rows))
    assert row.record.rtsp_url == "rtsp://h/x"


def test_area_columns_and_kind_names(tmp_path: Path) -> None:
    rows = [
        ["区域编码", "区域名称", "区域类型", "所属街道", "是否重点区域", "纬度", "经度"],
        ["a1", "市人民医院", "医院", "城厢街道", "Y", "36.8", "119.95"],
        ["a2", "人民路与文化路路口", "intersection", "", "否", "", ""],
    ]
    first, second = (row.record for row in read_areas(write_csv(tmp_path, rows, name="a.csv")))
    assert (first.kind, first.district, first.key_area) == (AreaKind.hospital, "城厢街道", True)
    assert (first.lat, first.lon) == (36.8, 119.95)
    assert (second.kind, second.key_area, second.lat) == (AreaKind.intersection, False, None)


def test_unknown_column_is_named_with_a_hint(tmp_path: Path) -> None:
    rows = [[*CAMERA_HEADER, "rtsp_ulr", "备注"], ["c1", "n", "a1", "", "", ""]]
    errors = rejection(read_cameras, write_csv(tmp_path, rows)).errors
    assert errors == [
        "unknown column 'rtsp_ulr' (did you mean 'rtsp_url'?)",
        "unknown column '备注'",
    ]


def test_missing_required_column_and_double_meaning(tmp_path: Path) -> None:
    rows = [["id", "设备编码", "name"], ["c1", "c1", "n"]]
    errors = rejection(read_cameras, write_csv(tmp_path, rows)).errors
    assert errors[0] == "columns 'id' and '设备编码' both mean id"
    assert errors[1].startswith("missing column area_id (also accepted: 所属区域")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (codecs.BOM_UTF8 + b"\n", "the first row must be the header (the column names)"),
        (b"id,name,area_id\n", "the file has no cameras, only a header"),
        (b"id,name,area_id\n,,\n\n", "the file has no cameras, only a header"),
    ],
)
def test_empty_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "cameras.csv"
    path.write_bytes(content)
    rejected = rejection(read_cameras, path)
    assert rejected.errors == [message]
    assert str(rejected) == "1 error in cameras.csv"


def test_blank_rows_are_skipped_and_numbering_kept(tmp_path: Path) -> None:
    rows = [CAMERA_HEADER, ["c1", "n", "a1", ""], ["", "", "", ""], [], ["c2", "n", "a1", ""]]
    assert [row.number for row in read_cameras(write_csv(tmp_path, rows))] == [2, 5]


def test_value_in_a_column_without_header(tmp_path: Path) -> None:
    rows = [[*CAMERA_HEADER, ""], ["c1", "n", "a1", "", "stray"], ["c2", "n", "a1", "", ""]]
    errors = rejection(read_cameras, write_csv(tmp_path, rows)).errors
    assert errors == ["row 2, column E: a value in a column without a header"]


def test_unknown_suffix_and_old_xls(tmp_path: Path) -> None:
    for name, message in [("c.xls", "old .xls"), ("c.ods", "unknown file type '.ods'")]:
        path = tmp_path / name
        path.write_bytes(b"x")
        assert message in rejection(read_cameras, path).errors[0]


def test_missing_file(tmp_path: Path) -> None:
    assert "cannot open the file" in rejection(read_cameras, tmp_path / "no.csv").errors[0]
