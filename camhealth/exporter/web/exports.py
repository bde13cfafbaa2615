"""The maintenance list as CSV or XLSX, in the console's language, for crews' spreadsheets.

Like the registry's exports (``camera_registry.exporting``): CSV with a UTF-8 BOM so Excel
shows Chinese names on a double click, and text that starts with "=" stays text in XLSX.
Only what the page shows is written; a camera record holds no credentials here anyway.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from camhealth.exporter.web.i18n import Translator, local_time
from camhealth.exporter.web.listing import Row
from camhealth.exporter.zones import zone_name

HEADERS = ("Camera", "Name", "Area", "District", "Status", "Faults", "Since")
# A leading one of these makes a spreadsheet read text as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def table(rows: Iterable[Row], tr: Translator, zone: ZoneInfo) -> list[list[str]]:
    """The header and one line per row, translated; times in ``zone``, which the header names."""
    lines = [[tr.t(header) for header in HEADERS]]
    lines[0][-1] += f" ({zone_name(zone)})"
    for row in rows:
        lines.append(
            [
                row.camera,
                row.name,
                row.area_name,
                row.district,
                tr.label(row.status),
                ", ".join(tr.label(fault) for fault in row.faults),
                local_time(row.since, zone),
            ]
        )
    return lines


def to_csv(lines: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out).writerows([[_defused(cell) for cell in line] for line in lines])
    return out.getvalue().encode("utf-8-sig")


def _defused(cell: str) -> str:
    # A quote in front keeps a name like "=HYPERLINK(...)" from running in Excel.
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


def to_xlsx(lines: list[list[str]], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    for line in lines:
        sheet.append([_text_cell(sheet, cell) for cell in line])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _text_cell(sheet: WriteOnlyWorksheet, value: str) -> WriteOnlyCell:
    """Every cell as text: openpyxl would write "=..." as a formula."""
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    return cell
