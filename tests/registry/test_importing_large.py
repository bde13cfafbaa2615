"""A 50 MB CSV (50,000 cameras with long names and tags) imports, reporting its progress."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from camhealth.camera_registry.importing import read_cameras

SIZE = 50 * 1024 * 1024
HEADER = [
    "设备编码",
    "点位名称",
    "所属区域",
    "用途",
    "ONVIF地址",
    "主码流地址",
    "子码流地址",
    "标签",
]


def camera(n: int) -> list[str]:
    host = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
    return [
        f"3402{n:016d}",
        f"城厢街道人民路与文化路交叉口东北角第{n}号治安监控点位" * 2,
        f"area-{n % 400}",
        "治安监控" if n % 5 else "电子警察",
        f"http://{host}/onvif/device_service",
        f"rtsp://admin:secret@{host}:554/Streaming/Channels/101?transportmode=unicast&profile=1",
        f"rtsp://{host}:554/Streaming/Channels/102?transportmode=unicast&profile=2",
        ";".join(f"重点区域标签{k}-{n % 97}-" + "x" * 40 for k in range(8)),
    ]


def write_large_csv(path: Path) -> int:
    """GB18030 like a Chinese spreadsheet's export, written in batches until it reaches SIZE."""
    count = 0
    with path.open("w", encoding="gb18030", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        while out.tell() < SIZE:
            writer.writerows(camera(count + k) for k in range(1000))
            count += 1000
    return count


@pytest.mark.slow
def test_a_50_mb_csv_imports_with_progress(tmp_path: Path) -> None:
    path = tmp_path / "cameras.csv"
    count = write_large_csv(path)
    size = path.stat().st_size
    assert size >= SIZE
    reports: list[tuple[int, int]] = []
    rows = read_cameras(path, progress=lambda done, total: reports.append((done, total)))
    assert len(rows) == count
    assert rows[-1].number == count + 1
    last = rows[-1].record
    assert last.id == f"3402{count - 1:016d}"
    assert last.rtsp_url is not None and "secret" not in last.rtsp_url
    assert len(last.tags) == 8
    # A report every 1000 rows, bytes rising to the file's size: enough for a progress bar.
    assert len(reports) == count // 1000 + 1
    assert all(total == size for _, total in reports)
    done = [done for done, _ in reports]
    assert done == sorted(done)
    assert done[-1] == size
