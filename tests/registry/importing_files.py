"""Helpers for the import/export tests: writing small files and catching the rejection."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from camhealth.camera_registry.importing import ImportRejected

CAMERA_HEADER = ["id", "name", "area_id", "rtsp_url"]
PASSWORD = "Pa55-w0rd-never-shown"


def csv_bytes(rows: Sequence[Sequence[Any]]) -> str:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return text.getvalue()


def write_csv(
    path: Path, rows: Sequence[Sequence[Any]], encoding: str = "utf-8", name: str = "cameras.csv"
) -> Path:
    target = path / name
    target.write_bytes(csv_bytes(rows).encode(encoding))
    return target


def rejection(read: Callable[..., Any], path: Path, **options: Any) -> ImportRejected:
    """The ImportRejected that reading ``path`` raises; checks that no secret is in it."""
    with pytest.raises(ImportRejected) as caught:
        read(path, **options)
    everything = "\n".join([str(caught.value), *caught.value.errors])
    assert PASSWORD not in everything
    return caught.value
