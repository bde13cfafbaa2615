"""Reading area and camera files (CSV, XLSX, YAML, JSON) into validated records.

Everything that needs no database is checked here: the header, every cell, every record, ids
repeated within the file and ``credential_ref`` entries. All problems of a file are collected
and raised together as ``ImportRejected``, each as ``row 17, column rtsp_url: not an rtsp://
URL``. No message ever contains a cell's value, because a value may be (or hold) a password.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from openpyxl.utils.cell import get_column_letter
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from camhealth.camera_registry.columns import (
    AREA_COLUMNS,
    CAMERA_COLUMNS,
    CellProblem,
    Column,
    Header,
    match_header,
    parsers,
)
from camhealth.camera_registry.credential_refs import CredentialRefs, SecretsFileError
from camhealth.camera_registry.records import AreaRecord, CameraRecord
from camhealth.camera_registry.sources import CellError, SourceError, Table, open_table

__all__ = [
    "AREA_COLUMNS",
    "CAMERA_COLUMNS",
    "ImportRejected",
    "Progress",
    "Row",
    "read_areas",
    "read_cameras",
    "row_error",
]

R = TypeVar("R", AreaRecord, CameraRecord)
Progress = Callable[[int, int], None]
MAX_ERRORS = 1000
_PROGRESS_EVERY = 1000  # rows between two progress reports
# The records of a file are all held until the store has checked them (about 3.5 KB a camera).
MAX_ROWS = 250_000


@dataclass(frozen=True)
class Row(Generic[R]):
    number: int  # spreadsheet row (header = 1, first data row = 2); YAML/JSON: place in the list
    record: R


class ImportRejected(Exception):
    """A file that cannot be imported, with every problem in ``errors``; never holds a secret."""

    def __init__(self, errors: list[str], source: str = "the file", count: int | None = None):
        self.errors = errors
        self.source = source
        self.count = len(errors) if count is None else count
        noun = "error" if self.count == 1 else "errors"
        super().__init__(f"{self.count} {noun} in {source}")


def row_error(row: int, column: str | None, message: str) -> str:
    """The one format of a problem with a row: ``row 17, column rtsp_url: not an rtsp:// URL``."""
    if column is None:
        return f"row {row}: {message}"
    return f"row {row}, column {column}: {message}"


def read_areas(path: Path, *, progress: Progress | None = None) -> list[Row[AreaRecord]]:
    return _Reader(path, _Kind("areas", AreaRecord, AREA_COLUMNS), progress).read()


def read_cameras(
    path: Path, *, secrets: Path | None = None, progress: Progress | None = None
) -> list[Row[CameraRecord]]:
    """Camera rows; ``secrets`` is the YAML file ``credential_ref`` values point into."""
    try:
        refs = CredentialRefs.load(secrets)
    except SecretsFileError as exc:
        raise ImportRejected([str(exc)], secrets.name if secrets else "the secrets file") from None
    return _Reader(path, _Kind("cameras", CameraRecord, CAMERA_COLUMNS, refs), progress).read()


@dataclass(frozen=True)
class _Kind(Generic[R]):
    noun: str
    model: type[R]
    columns: tuple[Column, ...]
    refs: CredentialRefs | None = None


class _Errors:
    """Every problem of a file, the list capped so a wholly wrong file gives a readable answer."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.count = 0

    def add(self, line: str) -> None:
        self.count += 1
        if len(self.lines) < MAX_ERRORS:
            self.lines.append(line)

    def capped(self) -> list[str]:
        more = self.count - len(self.lines)
        return self.lines + ([f"... and {more} more"] if more else [])


class _Reader(Generic[R]):
    def __init__(self, path: Path, kind: _Kind[R], progress: Progress | None) -> None:
        self._path = path
        self._kind: _Kind[R] = kind
        self._progress = progress or (lambda done, total: None)
        self._errors = _Errors()
        self._parsers = parsers(kind.columns)

    def read(self) -> list[Row[R]]:
        try:
            with open_table(self._path, self._kind.noun) as table:
                rows = self._table(table)
        except SourceError as exc:
            raise ImportRejected([str(exc)], self._path.name) from None
        if not rows and not self._errors.count:
            self._errors.add(f"the file has no {self._kind.noun}, only a header")
        if self._errors.count:
            raise ImportRejected(self._errors.capped(), self._path.name, self._errors.count)
        return rows

    def _table(self, table: Table) -> list[Row[R]]:
        if not any(text.strip() for text in table.headers):
            raise SourceError("the first row must be the header (the column names)")
        matched: Header = match_header(table.headers, self._kind.columns)
        for problem in (*table.problems, *matched.problems):
            self._errors.add(problem)
        if matched.problems:
            return []  # with a wrong header every row would only repeat the same problem
        rows: list[Row[R]] = []
        first_row: dict[str, int] = {}
        for count, (number, cells) in enumerate(table.rows, start=1):
            if count % _PROGRESS_EVERY == 0:
                self._progress(*table.position())
            if count > MAX_ROWS:
                raise SourceError(f"more than {MAX_ROWS:,} rows: split the file")
            record = self._record(number, cells, matched.fields)
            if record is None:
                continue
            first = first_row.setdefault(record.id, number)
            if first != number:
                self._errors.add(row_error(number, "id", f"duplicate of row {first}"))
            else:
                rows.append(Row(number, record))
        self._progress(*table.position())
        return rows

    def _record(self, number: int, cells: Sequence[Any], fields: Sequence[str | None]) -> R | None:
        """The row's record, or None after its problems have been reported."""
        failed: set[str | None] = set()

        def problem(column: str | None, message: str) -> None:
            failed.add(column)
            self._errors.add(row_error(number, column, message))

        data = self._values(cells, fields, problem)
        if data is None:
            return None  # a blank row
        if self._kind.refs is not None:
            self._kind.refs.resolve(data, problem)
        try:
            record = self._kind.model.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors(include_url=False, include_input=False):
                column = str(error["loc"][0]) if error["loc"] else None
                if column not in failed:  # a cell that could not be read is not also "missing"
                    problem(column, describe(error))
            return None
        return None if failed else record

    def _values(
        self,
        cells: Sequence[Any],
        fields: Sequence[str | None],
        problem: Callable[[str | None, str], None],
    ) -> dict[str, Any] | None:
        data: dict[str, Any] = {}
        blank = True
        for position, cell in enumerate(cells):
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                continue
            blank = False
            field = fields[position] if position < len(fields) else None
            if field is None:
                problem(get_column_letter(position + 1), "a value in a column without a header")
            elif isinstance(cell, CellError):
                problem(field, cell.message)
            else:
                try:
                    data[field] = self._parsers[field](cell)
                except CellProblem as exc:
                    problem(field, str(exc))
        return None if blank else data


_FRIENDLY = {
    "missing": "required",
    "string_too_short": "must not be empty",
    "string_pattern_mismatch": "only letters, digits, '_', '.' and '-', at most 64, "
    "starting with a letter or digit",
    "float_parsing": "not a number",
    "float_type": "not a number",
    "datetime_parsing": "not a date and time (e.g. 2026-05-01 08:00)",
    "datetime_from_date_parsing": "not a date and time (e.g. 2026-05-01 08:00)",
    "datetime_type": "not a date and time (e.g. 2026-05-01 08:00)",
}


def describe(error: ErrorDetails) -> str:
    """A validation error in words for the person who wrote the file, without the value."""
    if error["type"] in _FRIENDLY:
        return _FRIENDLY[error["type"]]
    return error["msg"].removeprefix("Value error, ")
