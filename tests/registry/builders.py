"""Records and settings for registry tests."""

from __future__ import annotations

from typing import Any

import asyncpg
from cryptography.fernet import Fernet

from camhealth.camera_registry.importing import Row
from camhealth.camera_registry.records import AreaRecord, CameraRecord
from camhealth.config import Settings, load_settings

POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
KEY = Fernet.generate_key().decode()
PASSWORD = "Pw-never-shown-7781"  # grepped for in every output


def settings_for(url: str, key: str | None = KEY, **environ: str) -> Settings:
    env = {"CAMHEALTH_DATABASE__URL": url, **environ}
    if key is not None:
        env["CAMHEALTH_CREDENTIALS__KEY"] = key
    return load_settings(None, environ=env)


def area(area_id: str, **fields: Any) -> AreaRecord:
    return AreaRecord.model_validate(
        {"name": f"区域 {area_id}", "district": "城关街道"} | fields | {"id": area_id}
    )


def camera(camera_id: str, area_id: str = "a1", **fields: Any) -> CameraRecord:
    base = {"name": f"摄像机 {camera_id}", "rtsp_url": f"rtsp://10.0.0.1/{camera_id}"}
    return CameraRecord.model_validate(base | fields | {"id": camera_id, "area_id": area_id})


def rows(*records: Any) -> list[Row[Any]]:
    """Records as an import's rows: the header is row 1, so the first record is row 2."""
    return [Row(number, record) for number, record in enumerate(records, start=2)]


async def admin_sql(sql: str, database: str = POSTGRES) -> None:
    """Run one statement as the PostgreSQL superuser (creating and dropping test databases)."""
    conn = await asyncpg.connect(database, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()
