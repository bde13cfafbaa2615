"""XLSX workbooks as tables: the first sheet, streamed, with merged cells and formulas handled.

openpyxl's read-only mode streams the rows but knows neither merged ranges nor whether an empty
value came from a formula that was never calculated. One extra streaming pass over the sheet's
XML (``scan_sheet``) finds both (a quick byte search, ``survey``, spares that pass when the sheet
has neither, as most have), so that:

- a range merged down one column (a district written once over its rows) gives every row the
  value, as the person who merged it means;
- a range merged across columns is refused, since no column's value is meant by it;
- a formula cell without a cached value (a file written by a program and never opened in a
  spreadsheet) is a row error instead of a silently empty cell; a formula error (``#REF!``) too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any, BinaryIO
from zipfile import BadZipFile, ZipFile

from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

# openpyxl's own choice of parser: defusedxml when it is installed.
from openpyxl.xml.functions import iterparse

from camhealth.camera_registry.sources import CellError, SourceError, Table

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NO_CACHED_VALUE = "formula without a cached value; save the file in a spreadsheet program"

# What openpyxl raises on a broken cell or part while streaming rows.
_DAMAGED = (ValueError, KeyError, IndexError, SyntaxError, BadZipFile)
Cell = tuple[int, int]  # (row, column), both 1-based
_CHUNK = 1024 * 1024
# Tags, with or without a namespace prefix: a formula, a merged range, a cell holding an error.
_NOTEWORTHY = re.compile(rb'<(?:\w+:)?(?:f|mergeCell)[\s/>]|<(?:\w+:)?c\s[^>]*\bt="e"')
_ROW_NUMBER = re.compile(rb'<(?:\w+:)?row\s[^>]*\br="(\d+)"')


@dataclass
class SheetScan:
    rows: int = 0
    bad_cells: dict[Cell, str] = field(default_factory=dict)
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # min_col, min_row, ...


@contextmanager
def xlsx_table(raw: BinaryIO) -> Iterator[Table]:
    try:
        workbook = load_workbook(raw, read_only=True, data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError):
        raise SourceError("not an XLSX workbook (save it as .xlsx from a spreadsheet)") from None
    try:
        if not workbook.worksheets:
            raise SourceError("the workbook has no worksheet")
        sheet = workbook.worksheets[0]
        # The dimension a program writes can be wrong; without it openpyxl reads every row.
        sheet.reset_dimensions()
        # openpyxl names the sheet's part only privately.
        scan = _scan(raw, sheet._worksheet_path)
        yield _table(sheet.iter_rows(values_only=True), scan)
    except _DAMAGED:
        raise SourceError("the workbook is damaged; save it again") from None
    finally:
        workbook.close()


def _scan(raw: BinaryIO, part: str) -> SheetScan:
    with ZipFile(raw) as archive:  # the archive openpyxl reads, opened again
        with archive.open(part) as xml:
            last_row, noteworthy = survey(xml)
        if not noteworthy:
            return SheetScan(rows=last_row)
        with archive.open(part) as xml:
            return scan_sheet(xml)


def survey(xml: IO[bytes]) -> tuple[int, bool]:
    """The last row's number, and whether the sheet has formulas, merges or error cells."""
    last_row, noteworthy, rest = 0, False, b""
    while chunk := xml.read(_CHUNK):
        data = rest + chunk
        cut = data.rfind(b">") + 1  # no tag spans the cut
        data, rest = data[:cut], data[cut:]
        noteworthy = noteworthy or _NOTEWORTHY.search(data) is not None
        if numbers := _ROW_NUMBER.findall(data):
            last_row = int(numbers[-1])
    return last_row, noteworthy


def scan_sheet(xml: Any) -> SheetScan:
    """Merged ranges, formula cells without a cached value and formula errors of one sheet."""
    scan = SheetScan()
    events = iterparse(xml, events=("start", "end"))
    sheet_data = None
    for event, element in events:
        if event == "start":
            if element.tag == f"{_NS}sheetData":
                sheet_data = element
            continue
        if element.tag == f"{_NS}c":
            _check_cell(element, scan)
        elif element.tag == f"{_NS}row":
            scan.rows = int(element.get("r") or scan.rows + 1)
            if sheet_data is not None:
                sheet_data.clear()  # keep memory flat on a large sheet
        elif element.tag == f"{_NS}mergeCell":
            scan.merged.append(range_boundaries(element.get("ref", "")))
    return scan


def _check_cell(element: Any, scan: SheetScan) -> None:
    where = element.get("r")
    if not where:
        return
    if element.get("t") == "e":
        scan.bad_cells[coordinate_to_tuple(where)] = "the cell holds a formula error"
    elif element.find(f"{_NS}f") is not None:
        cached = element.find(f"{_NS}v")
        # An empty cached string is a real result only when the cell says it is a string.
        if cached is None or (not cached.text and element.get("t") != "str"):
            scan.bad_cells[coordinate_to_tuple(where)] = NO_CACHED_VALUE


def _table(rows: Iterator[Sequence[Any]], scan: SheetScan) -> Table:
    header = next(rows, ())
    problems = [_merge_problem(*bounds) for bounds in scan.merged if _refused(*bounds)]
    cells = _Cells(scan.bad_cells, _fill_down(scan.merged))
    done = 1  # the header's row

    def numbered() -> Iterator[tuple[int, Sequence[Any]]]:
        nonlocal done
        try:
            for done, values in enumerate(rows, start=2):
                yield done, cells.row(done, values)
        except _DAMAGED:
            # The exception's text may quote a cell: say only where it happened.
            raise SourceError(f"row {done + 1}: the workbook is damaged; save it again") from None

    headers = ["" if value is None else str(value) for value in header]
    return Table(headers, numbered(), lambda: (done, scan.rows), problems)


def _refused(min_col: int, min_row: int, max_col: int, max_row: int) -> bool:
    return min_col != max_col or min_row == 1


def _merge_problem(min_col: int, min_row: int, max_col: int, max_row: int) -> str:
    cells = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"
    if min_row == 1:
        return f"merged header cells {cells}: give every column its own header"
    return f"cells {cells} are merged across columns: unmerge them"


def _fill_down(merged: list[tuple[int, int, int, int]]) -> dict[Cell, Cell]:
    """For every cell covered by a one-column merge, the top cell that holds the value."""
    fill: dict[Cell, Cell] = {}
    for min_col, min_row, max_col, max_row in merged:
        if not _refused(min_col, min_row, max_col, max_row):
            for row in range(min_row + 1, max_row + 1):
                fill[row, min_col] = (min_row, min_col)
    return fill


class _Cells:
    """Turns openpyxl's row values into cells: merged values filled down, bad cells marked."""

    def __init__(self, bad_cells: dict[Cell, str], fill: dict[Cell, Cell]) -> None:
        self._bad = bad_cells
        self._fill = fill
        self._tops: dict[Cell, Any] = {}
        # Rows under a merge often have no cells at all in the XML: pad them so it can fill.
        self._width = max((column for _, column in fill), default=0)

    def row(self, row: int, values: Sequence[Any]) -> Sequence[Any]:
        if not self._bad and not self._fill:
            return values
        cells = [*values, *[None] * (self._width - len(values))]
        for column in range(1, len(cells) + 1):
            here = (row, column)
            if here in self._bad:
                cells[column - 1] = CellError(self._bad[here])
            elif here in self._fill:
                cells[column - 1] = self._tops.get(self._fill[here])
            elif self._fill.get((row + 1, column)) == here:
                self._tops[here] = cells[column - 1]  # a merge's top cell hands its value down
        return cells
