"""The maintenance list as CSV and XLSX: what is downloaded parses back to the page's rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from camhealth.exporter.web import exports
from camhealth.exporter.web.i18n import Translator, from_accept_language
from camhealth.exporter.web.listing import Row
from tests.exporter.console_helpers import form_login


@pytest.fixture
async def console(start, source, accounts):
    client = await start(source, accounts=accounts)
    await form_login(client, "vera")
    return client


def parse_csv(body: bytes) -> list[list[str]]:
    assert body.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM to read UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


async def test_csv_export_parses_back_to_the_filtered_rows_in_the_language(console):
    response = await console.get(
        "/maintenance.csv?district=城厢街道&sort=camera", headers={"Accept-Language": "zh"}
    )
    assert response.status == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="maintenance-')
    lines = parse_csv(await response.read())
    assert lines[0] == [
        "摄像机",
        "名称",
        "区域",
        "街道",
        "状态",
        "故障",
        "起始时间 (Asia/Shanghai)",
    ]
    assert [line[0] for line in lines[1:]] == ["square-01", "square-02", "station-02"]
    assert lines[1][4:6] == ["画面故障", "模糊"]
    assert lines[3][3:5] == ["城厢街道", "离线"]


async def test_xlsx_export_parses_back_to_the_same_table_as_csv(console):
    english = {"Accept-Language": "en"}
    from_csv = parse_csv(await (await console.get("/maintenance.csv", headers=english)).read())
    response = await console.get("/maintenance.xlsx", headers=english)
    assert response.content_type.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(await response.read()), read_only=True).active
    from_xlsx = [[cell or "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert from_xlsx == from_csv
    assert from_csv[0][0] == "Camera" and len(from_csv) == 5


def _row(name: str, since: datetime | None = None) -> Row:
    return Row("c1", name, "a1", "Area", "District", "offline", ("blur",), since, False)


def test_a_name_that_looks_like_a_formula_stays_text():
    lines = exports.table(
        [_row('=HYPERLINK("http://x")'), _row("+1")], Translator("en"), ZoneInfo("UTC")
    )
    parsed = parse_csv(exports.to_csv(lines))
    assert parsed[1][1] == '\'=HYPERLINK("http://x")' and parsed[2][1] == "'+1"
    sheet = load_workbook(io.BytesIO(exports.to_xlsx(lines, "list"))).active
    assert sheet["B2"].value == '=HYPERLINK("http://x")' and sheet["B2"].data_type == "s"


def test_times_are_written_in_the_city_zone():
    since = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    lines = exports.table([_row("x", since)], Translator("en"), ZoneInfo("Asia/Shanghai"))
    assert lines[1][6] == "2026-11-29 16:00"


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("", "zh"),
        ("en-US,en;q=0.9", "en"),
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en;q=0.4,zh-TW;q=0.6", "zh"),
        ("de-DE,en;q=0.3", "en"),
        ("fr, de", "zh"),
        ("en;q=bogus, zh;q=0.1", "zh"),
    ],
)
def test_accept_language(header, lang):
    assert from_accept_language(header) == lang
