"""Import files as tables: a header and numbered rows of cells, whatever the file format.

CSV is streamed (a 50 MB file is never held twice); YAML and JSON are small enough to load;
XLSX lives in ``xlsx_source``. Row numbers are what the person sees: in a spreadsheet the header
is row 1 and the first data row is row 2; in YAML/JSON a row is the item's place in the list.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import yaml

MB = 1024 * 1024
# Generous for a city's registry; they stop a wrong file (a video, a database dump) early. JSON
# and YAML are parsed whole (about 10x and 40x their size in memory), CSV and XLSX streamed.
SIZE_LIMITS = {"csv": 256 * MB, "xlsx": 64 * MB, "json": 64 * MB, "yaml": 32 * MB}
SUFFIXES = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".json": "json"}
SUFFIXES |= {".yaml": "yaml", ".yml": "yaml"}
_CHUNK = 1024 * 1024
# libyaml's loader is the same safe loader, several times faster on a big file.
YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SourceError(Exception):
    """The file cannot be read as a table; the message says why and never quotes its content."""


@dataclass(frozen=True)
class CellError:
    """A cell the reader could not take a value from (a formula without a cached value)."""

    message: str


@dataclass
class Table:
    headers: list[str]
    rows: Iterator[tuple[int, Sequence[Any]]]
    position: Callable[[], tuple[int, int]]  # (done, total) in bytes or rows, for progress
    problems: list[str] = field(default_factory=list)  # found before any row was read


@contextmanager
def open_table(path: Path, noun: str) -> Iterator[Table]:
    """Open ``path`` as a table of ``noun`` ("areas" or "cameras"), chosen by its suffix."""
    kind = file_kind(path)
    with _open_binary(path, kind) as raw:
        if kind == "csv":
            yield _csv_table(raw, path)
        elif kind == "xlsx":
            # Imported here: xlsx_source builds on this module's Table and SourceError.
            from camhealth.camera_registry.xlsx_source import xlsx_table

            with xlsx_table(raw) as table:
                yield table
        else:
            yield _document_table(raw, kind, noun)


def file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise SourceError("an old .xls workbook: save it as .xlsx (Excel Workbook) or as CSV")
    if suffix not in SUFFIXES:
        raise SourceError(f"unknown file type {suffix!r}: use .csv, .xlsx, .yaml, .yml or .json")
    return SUFFIXES[suffix]


@contextmanager
def _open_binary(path: Path, kind: str) -> Iterator[BinaryIO]:
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise SourceError(f"cannot open the file: {exc.strerror}") from None
    with raw:
        size = path.stat().st_size
        if size > SIZE_LIMITS[kind]:
            limit = SIZE_LIMITS[kind] // MB
            raise SourceError(f"the file has {size // MB} MB; the limit for {kind} is {limit} MB")
        if size == 0 or not raw.read(_CHUNK).strip():
            raise SourceError("the file is empty")
        raw.seek(0)
        yield raw


# -- CSV --------------------------------------------------------------------------------------


def detect_encoding(raw: BinaryIO) -> str:
    """``utf-8-sig`` after a BOM, else UTF-8 if every byte decodes, else GB18030 (GBK's superset).

    The decoding passes stream the file and keep nothing, so this costs time but no memory.
    """
    start = raw.read(4)
    raw.seek(0)
    if start.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if start.startswith(b"PK\x03\x04"):
        raise SourceError("this is an XLSX workbook, not CSV: give it the .xlsx suffix")
    if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\0" in start:
        raise SourceError("UTF-16 text: save the sheet as CSV UTF-8 (or CSV) instead")
    for encoding in ("utf-8", "gb18030"):
        if _decodes(raw, encoding):
            return encoding
    raise SourceError("the file is neither UTF-8 nor GB18030/GBK text: save it as CSV UTF-8")


def _decodes(raw: BinaryIO, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        while chunk := raw.read(_CHUNK):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        raw.seek(0)
    return True


def _csv_table(raw: BinaryIO, path: Path) -> Table:
    total = path.stat().st_size
    text = io.TextIOWrapper(raw, encoding=detect_encoding(raw), newline="")
    reader = csv.reader(text)
    try:
        headers = next(reader)
    except csv.Error as exc:
        raise SourceError(f"row 1: not valid CSV ({exc})") from None
    if len(headers) == 1 and (separator := next((s for s in ";\t|" if s in headers[0]), None)):
        raise SourceError(f"the columns are separated by {separator!r}: save it as CSV with commas")
    # The lambda keeps the wrapper alive: collecting it would close the file under the reader.
    return Table(headers, _csv_rows(reader), lambda: (text.buffer.tell(), total))


def _csv_rows(reader: Any) -> Iterator[tuple[int, Sequence[Any]]]:
    number = 1
    try:
        for number, cells in enumerate(reader, start=2):
            yield number, cells
    except csv.Error as exc:
        # csv's messages name the problem ("field larger than field limit"), never the text.
        raise SourceError(f"row {number + 1}: not valid CSV ({exc})") from None


# -- YAML and JSON ----------------------------------------------------------------------------


def _document_table(raw: BinaryIO, kind: str, noun: str) -> Table:
    items = _items(_load_document(raw, kind), noun)
    problems = [
        f"row {number}: expected a mapping of column names to values"
        for number, item in enumerate(items, start=1)
        if not isinstance(item, dict)
    ]
    headers = list(
        dict.fromkeys(str(key) for item in items if isinstance(item, dict) for key in item)
    )
    done = 0

    def rows() -> Iterator[tuple[int, Sequence[Any]]]:
        nonlocal done  # the item reached, for position()
        for done, item in enumerate(items, start=1):
            if isinstance(item, dict):
                keyed = _by_text_key(item)
                yield done, [keyed.get(header) for header in headers]

    return Table(headers, rows(), lambda: (done, len(items)), problems)


def _by_text_key(item: dict[Any, Any]) -> dict[str, Any]:
    return {str(key): value for key, value in item.items()}


def _load_document(raw: BinaryIO, kind: str) -> Any:
    data = raw.read()
    try:
        if kind == "json":
            return json.loads(data)
        return yaml.load(data, Loader=YamlLoader)  # noqa: S506 - a safe loader, see YamlLoader
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    except yaml.MarkedYAMLError as exc:
        # str(exc) would quote the offending line, which may hold a password.
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise SourceError(f"not valid YAML ({where}{exc.problem})") from None
    except (yaml.YAMLError, UnicodeDecodeError):
        raise SourceError("not valid YAML or JSON text (save it as UTF-8)") from None


def _items(document: Any, noun: str) -> list[Any]:
    """The list of records: the document itself, or the list under ``noun`` in a mapping."""
    if isinstance(document, dict) and list(document) == [noun]:
        document = document[noun]
    elif isinstance(document, dict):
        keys = ", ".join(repr(str(key)) for key in list(document)[:5])
        raise SourceError(f"expected a list of {noun} or a mapping {{{noun}: [...]}}, got {keys}")
    if not isinstance(document, list):
        raise SourceError(f"expected a list of {noun}")
    if not document:
        raise SourceError(f"the file has no {noun}")
    return document
