"""The column set of area and camera files: names, Chinese aliases, cell parsing.

docs/registry-columns.md documents it for the people who write the files; a test keeps the two
in step.

A header is matched after NFKC normalisation (full-width letters become ASCII), ignoring case,
spaces, ``_``, ``-`` and the ``*`` that templates put on required columns. Cell values are turned
into what the record models accept; the records then do the real validation. Parse errors never
contain the cell's value: after a shifted column a password or a URL with one may sit anywhere.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from camhealth.camera_registry.records import AreaKind, CameraRole

# Integers above this lose digits as spreadsheet (double) numbers: a 20-digit GB/T 28181 id does.
_EXACT_FLOAT_LIMIT = 2**53


class CellProblem(ValueError):
    """A cell that cannot become a field value; the message is for the person who wrote it."""


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    parse: Callable[[Any], Any]
    required: bool = False


def text(value: Any) -> str:
    """A cell as text; numbers keep their digits, a number too long to be exact is refused."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise CellProblem("a yes/no value where text is expected (in YAML, quote it)")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not value.is_integer():
            return repr(value)
        if abs(value) >= _EXACT_FLOAT_LIMIT:
            raise CellProblem(
                "a long number that lost its last digits; format the column as text and retype it"
            )
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise CellProblem("expected a single value, not a list or a mapping")


_TRUE = {"true", "1", "yes", "y", "是", "启用", "√", "✓", "t"}
_FALSE = {"false", "0", "no", "n", "否", "停用", "禁用", "×", "✗", "f"}
BOOLEAN_WORDS = "true/false, 1/0, yes/no, Y/N, 是/否"


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = value.strip().casefold() if isinstance(value, str) else None
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise CellProblem(f"not a yes/no value ({BOOLEAN_WORDS})")


def choice(aliases: Mapping[str, str]) -> Callable[[Any], str]:
    """A parser for an enumeration: its own values or their Chinese names, case ignored."""
    table = {key.casefold(): value for key, value in aliases.items()}
    allowed = ", ".join(f"{value} ({key})" for key, value in aliases.items() if key != value)

    def parse(value: Any) -> str:
        word = value.strip().casefold() if isinstance(value, str) else None
        if word is None or word not in table:
            raise CellProblem(f"must be one of {allowed}")
        return table[word]

    return parse


def number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise CellProblem("not a number")
    return value  # the record checks the range and parses text


_SLASHED_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")


def moment(value: Any) -> Any:
    """A date and time: a spreadsheet date cell, ISO 8601, or ``2026/5/1 8:00`` as Excel writes."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str):
        raise CellProblem("not a date and time (e.g. 2026-05-01 08:00)")
    for layout in _SLASHED_FORMATS:
        try:
            return datetime.strptime(value.strip(), layout)
        except ValueError:
            continue
    return value  # the record parses ISO 8601 and names the problem


def tag_list(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(text(item) for item in value)
    return text(value)  # the record splits "a,b;c" into tags


ROLE_NAMES = {
    **{role.value: role.value for role in CameraRole},
    "治安监控": CameraRole.surveillance.value,
    "视频监控": CameraRole.surveillance.value,
    "电子警察": CameraRole.e_police.value,
    "电警": CameraRole.e_police.value,
}

KIND_NAMES = {
    **{kind.value: kind.value for kind in AreaKind},
    "车站": AreaKind.station.value,
    "景区": AreaKind.scenic_spot.value,
    "公园广场": AreaKind.park_square.value,
    "公园": AreaKind.park_square.value,
    "广场": AreaKind.park_square.value,
    "图书馆": AreaKind.library.value,
    "医院": AreaKind.hospital.value,
    "学校": AreaKind.school.value,
    "政务服务中心": AreaKind.gov_service_center.value,
    "商业街区": AreaKind.business_district.value,
    "商业街": AreaKind.business_district.value,
    "路口": AreaKind.intersection.value,
    "交叉路口": AreaKind.intersection.value,
    "其他": AreaKind.other.value,
}

CAMERA_COLUMNS: tuple[Column, ...] = (
    Column("id", ("设备编码", "设备编号", "国标编码", "设备ID"), text, True),
    Column("name", ("点位名称", "设备名称", "名称"), text, True),
    Column("area_id", ("所属区域", "区域编码", "区域ID"), text, True),
    Column("role", ("用途", "类型", "设备类型"), choice(ROLE_NAMES)),
    Column("onvif_url", ("ONVIF地址",), text),
    Column("rtsp_url", ("主码流地址", "RTSP地址", "主码流"), text),
    Column("sub_rtsp_url", ("子码流地址", "子码流"), text),
    Column("platform_url", ("平台地址", "共享平台地址"), text),
    Column("declared_networked", ("是否联网", "联网"), boolean),
    Column("username", ("用户名", "账号"), text),
    Column("password", ("密码",), text),
    Column("credential_ref", ("凭据引用", "凭据"), text),
    Column("enabled", ("启用", "是否启用"), boolean),
    Column("maintenance_start", ("维护开始", "维护开始时间"), moment),
    Column("maintenance_end", ("维护结束", "维护结束时间"), moment),
    Column("tags", ("标签",), tag_list),
)

AREA_COLUMNS: tuple[Column, ...] = (
    Column("id", ("区域编码", "区域ID", "编码"), text, True),
    Column("name", ("区域名称", "名称"), text, True),
    Column("kind", ("区域类型", "类型"), choice(KIND_NAMES)),
    Column("district", ("所属街道", "镇街", "街道", "所属镇街"), text),
    Column("key_area", ("是否重点区域", "重点区域"), boolean),
    Column("lat", ("纬度",), number),
    Column("lon", ("经度",), number),
)


def normalise(header: str) -> str:
    folded = unicodedata.normalize("NFKC", header).casefold()
    return re.sub(r"[\s_\-*]+", "", folded)


@dataclass(frozen=True)
class Header:
    """Which field each column of a file holds; ``None`` marks a column without a header."""

    fields: tuple[str | None, ...]
    problems: tuple[str, ...]


def match_header(headers: Sequence[str], columns: Sequence[Column]) -> Header:
    """Map the file's header texts to field names and list every problem with them."""
    known = {normalise(name): column.name for column in columns for name in _names(column)}
    fields: list[str | None] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for header in headers:
        key = normalise(header)
        field = known.get(key) if key else None
        fields.append(field)
        if key and field is None:
            problems.append(f"unknown column {header.strip()!r}{_hint(key, columns)}")
        elif field is not None and field in seen:
            problems.append(f"columns {seen[field]!r} and {header.strip()!r} both mean {field}")
        elif field is not None:
            seen[field] = header.strip()
    problems.extend(
        f"missing column {column.name} (also accepted: {', '.join(column.aliases)})"
        for column in columns
        if column.required and column.name not in seen
    )
    return Header(tuple(fields), tuple(problems))


def _names(column: Column) -> tuple[str, ...]:
    return (column.name, *column.aliases)


def _hint(key: str, columns: Sequence[Column]) -> str:
    spelled = {normalise(name): name for column in columns for name in _names(column)}
    close = difflib.get_close_matches(key, spelled, n=1, cutoff=0.6)
    return f" (did you mean {spelled[close[0]]!r}?)" if close else ""


def parsers(columns: Sequence[Column]) -> dict[str, Callable[[Any], Any]]:
    return {column.name: column.parse for column in columns}
