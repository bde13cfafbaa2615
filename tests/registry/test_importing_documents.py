"""YAML and JSON import: a list of mappings or {cameras: [...]}/{areas: [...]}."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from camhealth.camera_registry.importing import read_areas, read_cameras
from tests.registry.importing_files import PASSWORD, rejection

CAMERAS = [
    {"id": "c1", "name": "东门", "area_id": "a1", "tags": ["gate", "east"], "enabled": "否"},
    {"id": "c2", "name": "西门", "area_id": "a1", "role": "电子警察"},
]


@pytest.mark.parametrize("wrapped", [False, True])
@pytest.mark.parametrize("suffix", [".json", ".yaml", ".yml"])
def test_lists_and_wrapped_lists(tmp_path: Path, suffix: str, wrapped: bool) -> None:
    path = tmp_path / f"cameras{suffix}"
    # JSON is YAML, so one dump serves both.
    path.write_text(json.dumps({"cameras": CAMERAS} if wrapped else CAMERAS), encoding="utf-8")
    first, second = read_cameras(path)
    assert (first.number, first.record.tags, first.record.enabled) == (1, ("gate", "east"), False)
    assert (second.number, second.record.name, second.record.role) == (2, "西门", "e_police")


def test_yaml_types(tmp_path: Path) -> None:
    path = tmp_path / "areas.yaml"
    path.write_text(
        "areas:\n"
        "- {id: a1, name: 医院, kind: 医院, key_area: yes, lat: 36.8, lon: 119}\n"
        "- {id: 1002, name: '2', key_area: 是}\n",
        encoding="utf-8",
    )
    first, second = (row.record for row in read_areas(path))
    assert (first.key_area, first.lat, first.lon) == (True, 36.8, 119.0)
    assert (second.id, second.name, second.key_area) == ("1002", "2", True)


def test_chinese_keys(tmp_path: Path) -> None:
    path = tmp_path / "cameras.yaml"
    path.write_text(
        "- {设备编码: c1, 点位名称: 东门, 所属区域: a1, 是否联网: 是}\n", encoding="utf-8"
    )
    (row,) = read_cameras(path)
    assert (row.record.id, row.record.name, row.record.declared_networked) == ("c1", "东门", True)


def test_structure_problems(tmp_path: Path) -> None:
    path = tmp_path / "cameras.json"
    items = [{"id": "c1", "name": "n", "area_id": "a1"}, "c2", {"id": "c3", "name": {"x": 1}}]
    path.write_text(json.dumps(items), encoding="utf-8")
    assert rejection(read_cameras, path).errors == [
        "row 2: expected a mapping of column names to values",
        "row 3, column name: expected a single value, not a list or a mapping",
        "row 3, column area_id: required",
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"areas": []}', "expected a list of cameras or a mapping {cameras: [...]}, got 'areas'"),
        ('"cameras"', "expected a list of cameras"),
        ("[]", "the file has no cameras"),
        ('[{"id": "c1",}]', "not valid JSON (line 1, column 14: Expecting property name"),
    ],
)
def test_wrong_documents(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "cameras.json"
    path.write_text(content, encoding="utf-8")
    assert rejection(read_cameras, path).errors[0].startswith(message)


def test_broken_yaml_does_not_quote_its_line(tmp_path: Path) -> None:
    path = tmp_path / "cameras.yaml"
    path.write_text(f"- id: c1\n  rtsp_url: rtsp://admin:{PASSWORD}@h/x: [\n", encoding="utf-8")
    (error,) = rejection(read_cameras, path).errors
    assert error.startswith("not valid YAML (line 2, column")


def test_yaml_in_another_encoding(tmp_path: Path) -> None:
    path = tmp_path / "cameras.yaml"
    path.write_bytes("- {id: c1, name: 东门, area_id: a1}\n".encode("gbk"))
    assert rejection(read_cameras, path).errors == [
        "not valid YAML or JSON text (save it as UTF-8)"
    ]


def test_yaml_booleans_where_text_belongs(tmp_path: Path) -> None:
    path = tmp_path / "cameras.yaml"
    path.write_text("- {id: c1, name: no, area_id: a1}\n", encoding="utf-8")
    assert rejection(read_cameras, path).errors == [
        "row 1, column name: a yes/no value where text is expected (in YAML, quote it)"
    ]


def test_progress_counts_items(tmp_path: Path) -> None:
    path = tmp_path / "cameras.json"
    items = [{"id": f"c{n}", "name": "n", "area_id": "a1"} for n in range(2500)]
    path.write_text(json.dumps(items), encoding="utf-8")
    seen: list[tuple[int, int]] = []
    read_cameras(path, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1000, 2500), (2000, 2500), (2500, 2500)]
