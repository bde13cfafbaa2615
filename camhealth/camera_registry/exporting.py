"""Writing areas and cameras as CSV, JSON, YAML or XLSX, in the column set the importer reads.

What is written imports back to the same records. Credentials are never written: no username,
no password, and the URLs the records hold are already without them. CSV gets a UTF-8 BOM so
Excel shows Chinese names correctly when the file is opened with a double click.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, BinaryIO, Literal

import yaml
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from camhealth.camera_registry.columns import AREA_COLUMNS, CAMERA_COLUMNS
from camhealth.camera_registry.records import AreaRecord, CameraRecord

ExportFormat = Literal["csv", "json", "yaml", "xlsx"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "json", "yaml", "xlsx")

# Columns that only feed the credential store on import.
_NEVER_WRITTEN = {"username", "password", "credential_ref"}
AREA_FIELDS = tuple(column.name for column in AREA_COLUMNS)
CAMERA_FIELDS = tuple(c.name for c in CAMERA_COLUMNS if c.name not in _NEVER_WRITTEN)
# libyaml's dumper when it is there: the same output, much faster for a whole city.
_YamlDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

Item = dict[str, Any]  # one record as JSON types, in field order


def write_areas(records: Iterable[AreaRecord], fmt: ExportFormat, out: BinaryIO) -> None:
    items = (record.model_dump(mode="json") for record in records)
    _WRITERS[fmt]("areas", AREA_FIELDS, items, out)


def write_cameras(records: Iterable[CameraRecord], fmt: ExportFormat, out: BinaryIO) -> None:
    items = (record.model_dump(mode="json", include=set(CAMERA_FIELDS)) for record in records)
    _WRITERS[fmt]("cameras", CAMERA_FIELDS, items, out)


def _cell(value: Any) -> Any:
    """A JSON value as one spreadsheet cell: tags joined the way the importer splits them."""
    if isinstance(value, list):
        return ",".join(value)
    return value


def _write_csv(noun: str, fields: tuple[str, ...], items: Iterator[Item], out: BinaryIO) -> None:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text)
    writer.writerow(fields)
    for item in items:
        writer.writerow([_csv_text(_cell(item[field])) for field in fields])
    text.flush()
    text.detach()  # the caller owns ``out``: leave it open


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write_json(noun: str, fields: tuple[str, ...], items: Iterator[Item], out: BinaryIO) -> None:
    # One item at a time, so a city's registry is never held as one big string.
    out.write(f'{{"{noun}": ['.encode())
    for position, item in enumerate(items):
        out.write(b",\n  " if position else b"\n  ")
        out.write(json.dumps(item, ensure_ascii=False).encode())
    out.write(b"\n]}\n")


def _write_yaml(noun: str, fields: tuple[str, ...], items: Iterator[Item], out: BinaryIO) -> None:
    out.write(f"{noun}:\n".encode())
    empty = True
    for item in items:
        empty = False
        dumped = yaml.dump([item], Dumper=_YamlDumper, allow_unicode=True, sort_keys=False)
        out.write(dumped.encode())
    if empty:
        out.write(b"  []\n")


def _write_xlsx(noun: str, fields: tuple[str, ...], items: Iterator[Item], out: BinaryIO) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(noun)
    sheet.append(fields)
    for item in items:
        sheet.append([_xlsx_cell(sheet, _cell(item[field])) for field in fields])
    workbook.save(out)


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Any:
    """Text starting with "=" stays text: openpyxl would otherwise write it as a formula."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


_WRITERS: dict[ExportFormat, Callable[[str, tuple[str, ...], Iterator[Item], BinaryIO], None]] = {
    "csv": _write_csv,
    "json": _write_json,
    "yaml": _write_yaml,
    "xlsx": _write_xlsx,
}
