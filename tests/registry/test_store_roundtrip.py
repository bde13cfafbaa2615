"""Property: whatever valid records go into the database come out equal (credentials aside)."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camhealth.camera_registry.records import AreaKind, AreaRecord, CameraRecord, CameraRole
from camhealth.camera_registry.store import Registry
from camhealth.config import Settings
from tests.registry.builders import rows

ids = st.from_regex(r"[a-z0-9][a-z0-9_.\-]{0,20}", fullmatch=True)
# Printable text: PostgreSQL refuses NUL in text, and the records strip surrounding spaces.
texts = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), max_size=30)
names = texts.map(str.strip).filter(bool)
coordinates = st.none() | st.floats(-90, 90, allow_nan=False)
urls = st.none() | ids.map(lambda path: f"rtsp://10.1.2.3:554/{path}")
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@st.composite
def city(draw: st.DrawFn) -> tuple[list[AreaRecord], list[CameraRecord]]:
    area_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    areas = [
        AreaRecord(
            id=area_id,
            name=draw(names),
            kind=draw(st.sampled_from(AreaKind)),
            district=draw(texts.map(str.strip)),
            key_area=draw(st.booleans()),
            lat=draw(coordinates),
            lon=draw(coordinates),
        )
        for area_id in area_ids
    ]
    cameras = []
    for camera_id in draw(st.lists(ids, max_size=6, unique=True)):
        start = draw(st.none() | moments)
        window = draw(st.integers(1, 10**6)) if start else None
        cameras.append(
            CameraRecord(
                id=camera_id,
                name=draw(names),
                area_id=draw(st.sampled_from(area_ids)),
                role=draw(st.sampled_from(CameraRole)),
                rtsp_url=draw(urls),
                platform_url=draw(urls),
                declared_networked=draw(st.booleans()),
                enabled=draw(st.booleans()),
                maintenance_start=start,
                maintenance_end=start + timedelta(seconds=window) if start and window else None,
                tags=tuple(draw(st.lists(ids, max_size=3))),
            )
        )
    return areas, cameras


async def _round_trip(
    settings: Settings, areas: list[AreaRecord], cameras: list[CameraRecord]
) -> None:
    async with await Registry.open(settings) as registry:
        # Add the new areas, replace the cameras, then drop the areas of the previous example.
        await registry.apply_areas(rows(*areas))
        await registry.apply_cameras(rows(*cameras), prune=True)
        await registry.apply_areas(rows(*areas), prune=True)
        assert await registry.list_areas() == sorted(areas, key=lambda a: a.id)
        assert await registry.list_cameras() == sorted(cameras, key=lambda c: c.id)


@pytest.mark.slow
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(drawn=city())
def test_records_come_out_of_the_database_as_they_went_in(
    settings: Settings, drawn: tuple[list[AreaRecord], list[CameraRecord]]
) -> None:
    asyncio.run(_round_trip(settings, *drawn))
