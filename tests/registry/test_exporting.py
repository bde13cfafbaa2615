"""Export: every format imports back to the same records, and no credential is ever written."""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from camhealth.camera_registry.exporting import (
    EXPORT_FORMATS,
    ExportFormat,
    write_areas,
    write_cameras,
)
from camhealth.camera_registry.importing import read_areas, read_cameras
from camhealth.camera_registry.records import (
    ID_PATTERN,
    AreaKind,
    AreaRecord,
    CameraRecord,
    CameraRole,
)
from tests.registry.importing_files import PASSWORD

# Printable text, as records hold it: no control characters (XLSX cannot hold them), stripped.
_CHARS = st.characters(blacklist_categories=("Cc", "Cs"))
texts = st.text(_CHARS, min_size=1, max_size=30).map(str.strip).filter(bool)
ids = st.from_regex(ID_PATTERN, fullmatch=True)
# Tags are one cell in CSV/XLSX, split on these separators.
tags = st.text(st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters=",;，；"),
               min_size=1, max_size=12).map(str.strip).filter(bool)  # fmt: skip
hosts = st.from_regex(r"[a-z0-9]{1,12}(\.[a-z0-9]{1,12}){0,3}", fullmatch=True)
ports = st.none() | st.integers(1, 65535)
paths = st.from_regex(r"(/[A-Za-z0-9_.~-]{0,12}){0,3}", fullmatch=True)
users = st.none() | st.from_regex(r"[a-z]{1,8}:[A-Za-z0-9]{1,12}@", fullmatch=True)


@st.composite
def urls(draw: st.DrawFn, scheme: str) -> str:
    port = draw(ports)
    host = draw(hosts) + ("" if port is None else f":{port}")
    return f"{scheme}://{draw(users) or ''}{host}{draw(paths)}"


zones: st.SearchStrategy[Any] = st.none() | st.sampled_from(
    [UTC, timezone(timedelta(hours=8)), timezone(-timedelta(hours=5))]
)


@st.composite
def windows(draw: st.DrawFn) -> tuple[datetime | None, datetime | None]:
    if not draw(st.booleans()):
        return None, None
    start = draw(st.datetimes(datetime(2000, 1, 1), datetime(2090, 1, 1), timezones=zones))
    return start, start + draw(st.timedeltas(timedelta(seconds=1), timedelta(days=30)))


def degrees(limit: float) -> st.SearchStrategy[float]:
    # XLSX numbers keep 16 significant digits (Excel shows 15): coordinates finer than 1 cm
    # (7 decimals) would not survive it, and mean nothing anyway.
    return st.floats(-limit, limit).map(lambda value: round(value, 7))


areas = st.builds(
    AreaRecord,
    id=ids,
    name=texts,
    kind=st.sampled_from(AreaKind),
    district=st.just("") | texts,
    key_area=st.booleans(),
    lat=st.none() | degrees(90),
    lon=st.none() | degrees(180),
)


@st.composite
def cameras(draw: st.DrawFn) -> CameraRecord:
    start, end = draw(windows())
    optional = {
        field: draw(st.none() | urls(scheme))
        for field, scheme in [
            ("onvif_url", "http"),
            ("rtsp_url", "rtsp"),
            ("sub_rtsp_url", "rtsps"),
            ("platform_url", "rtsp"),
        ]
    }
    return CameraRecord(
        id=draw(ids),
        name=draw(texts),
        area_id=draw(ids),
        role=draw(st.sampled_from(CameraRole)),
        declared_networked=draw(st.booleans()),
        enabled=draw(st.booleans()),
        maintenance_start=start,
        maintenance_end=end,
        tags=tuple(draw(st.lists(tags, max_size=4))),
        **optional,
    )


def unique(records: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    return st.lists(records, min_size=1, max_size=6, unique_by=lambda record: record.id)


def reimported(
    write: Callable[..., None],
    read: Callable[..., list[Any]],
    records: list[Any],
    fmt: ExportFormat,
) -> list[Any]:
    out = io.BytesIO()
    write(records, fmt, out)
    with TemporaryDirectory() as folder:
        path = Path(folder) / f"export.{fmt}"
        path.write_bytes(out.getvalue())
        return [row.record for row in read(path)]


def without_credentials(record: CameraRecord) -> CameraRecord:
    return record.model_copy(update={"username": None, "password": None})


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
@settings(max_examples=40, deadline=None)
@given(records=unique(areas))
def test_areas_round_trip(fmt: ExportFormat, records: list[AreaRecord]) -> None:
    assert reimported(write_areas, read_areas, records, fmt) == records


@pytest.mark.slow
@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
@settings(max_examples=30, deadline=None)
@given(records=unique(cameras()))
def test_cameras_round_trip(fmt: ExportFormat, records: list[CameraRecord]) -> None:
    expected = [without_credentials(record) for record in records]
    assert reimported(write_cameras, read_cameras, records, fmt) == expected


def camera_with_credentials() -> CameraRecord:
    return CameraRecord(
        id="c1",
        name="=1+1 东门",
        area_id="a1",
        rtsp_url=f"rtsp://operator-x:{PASSWORD}@10.0.0.1/main",
        onvif_url="http://10.0.0.1/onvif/device_service",
    )


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_credentials_are_never_written(fmt: ExportFormat) -> None:
    record = camera_with_credentials()
    assert record.username == "operator-x" and record.password is not None
    out = io.BytesIO()
    write_cameras([record], fmt, out)
    data = out.getvalue()
    assert PASSWORD.encode() not in data and b"operator-x" not in data
    (back,) = reimported(write_cameras, read_cameras, [record], fmt)
    assert back == without_credentials(record)
    assert back.name == "=1+1 东门"  # text, not a formula, in XLSX too


def test_csv_has_a_bom_and_the_documented_header() -> None:
    out = io.BytesIO()
    write_cameras([camera_with_credentials()], "csv", out)
    data = out.getvalue()
    assert data.startswith(codecs.BOM_UTF8)
    header = data[len(codecs.BOM_UTF8) :].decode().splitlines()[0]
    assert header == (
        "id,name,area_id,role,onvif_url,rtsp_url,sub_rtsp_url,platform_url,"
        "declared_networked,enabled,maintenance_start,maintenance_end,tags"
    )


def test_json_and_yaml_shape() -> None:
    area = AreaRecord(id="a1", name="市人民医院", kind=AreaKind.hospital, key_area=True)
    formats: list[tuple[ExportFormat, Callable[[str], Any]]] = [
        ("json", json.loads),
        ("yaml", yaml.safe_load),
    ]
    for fmt, load in formats:
        out = io.BytesIO()
        write_areas([area], fmt, out)
        text = out.getvalue().decode()
        assert "市人民医院" in text  # readable, not \\u escapes
        assert load(text) == {
            "areas": [
                {
                    "id": "a1",
                    "name": "市人民医院",
                    "kind": "hospital",
                    "district": "",
                    "key_area": True,
                    "lat": None,
                    "lon": None,
                }
            ]
        }


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_nothing_to_export_still_writes_a_valid_file(fmt: ExportFormat) -> None:
    out = io.BytesIO()
    write_areas([], fmt, out)
    assert out.getvalue()
    if fmt == "json":
        assert json.loads(out.getvalue()) == {"areas": []}
    if fmt == "yaml":
        assert yaml.safe_load(out.getvalue()) == {"areas": []}
