from datetime import UTC, datetime, timedelta, timezone

import pytest

from camhealth.camera_registry.importing import ImportRejected
from camhealth.camera_registry.records import CameraRole
from camhealth.camera_registry.store import Changes, Registry
from tests.registry.builders import area, camera, rows

AREAS = rows(
    area("a1", district="城关街道", key_area=True, kind="station"),
    area("a2", district="城关街道"),
    area("b1", district="新华镇", key_area=True, kind="hospital"),
)


async def _seed(registry: Registry) -> None:
    await registry.apply_areas(AREAS)
    await registry.apply_cameras(
        rows(camera("c1", "a1"), camera("c2", "a2"), camera("c3", "b1", role="e_police"))
    )


async def test_counts_created_updated_unchanged(registry: Registry) -> None:
    assert await registry.apply_areas(AREAS) == Changes(created=3)
    first = rows(camera("c1"), camera("c2"), camera("c3"))
    assert await registry.apply_cameras(first) == Changes(created=3)
    second = rows(
        camera("c1", name="新名字"), camera("c2"), camera("c3", tags="夜间,重点"), camera("c4")
    )
    assert await registry.apply_cameras(second) == Changes(created=1, updated=2, unchanged=1)
    stored = {record.id: record for record in await registry.list_cameras()}
    assert stored["c1"].name == "新名字"
    assert stored["c3"].tags == ("夜间", "重点")


async def test_same_import_twice_changes_nothing(registry: Registry) -> None:
    await registry.apply_areas(AREAS)
    imported = rows(
        camera(
            "c1",
            username="admin",
            password="pw1",
            maintenance_start="2026-01-01T02:00+08:00",
            maintenance_end="2026-01-01T04:00+08:00",
        ),
        camera("c2", "b1", onvif_url="http://10.0.0.2/onvif/device_service", enabled=False),
    )
    assert await registry.apply_cameras(imported) == Changes(created=2)
    assert await registry.apply_cameras(imported) == Changes(unchanged=2)
    assert await registry.apply_areas(AREAS) == Changes(unchanged=3)


async def test_without_prune_missing_cameras_stay_with_prune_they_go(registry: Registry) -> None:
    await _seed(registry)
    assert await registry.apply_cameras(rows(camera("c1"))) == Changes(unchanged=1)
    assert len(await registry.list_cameras()) == 3
    assert await registry.apply_cameras(rows(camera("c1")), prune=True) == Changes(
        unchanged=1, removed=2
    )
    assert [c.id for c in await registry.list_cameras()] == ["c1"]


async def test_dry_run_counts_and_writes_nothing(registry: Registry) -> None:
    await _seed(registry)
    before = await registry.list_cameras()
    plan = rows(camera("c1", name="改"), camera("c9"))
    counts = await registry.apply_cameras(plan, prune=True, dry_run=True)
    assert counts == Changes(created=1, updated=1, unchanged=0, removed=2)
    assert await registry.list_cameras() == before
    assert await registry.apply_areas(rows(area("zz")), dry_run=True) == Changes(created=1)
    assert [a.id for a in await registry.list_areas()] == ["a1", "a2", "b1"]


async def test_unknown_area_rejects_the_whole_file_with_row_and_column(registry: Registry) -> None:
    await registry.apply_areas(AREAS)
    bad = rows(camera("c1"), camera("c2", "nowhere"), camera("c3", "elsewhere"))
    with pytest.raises(ImportRejected) as caught:
        await registry.apply_cameras(bad)
    assert caught.value.errors == [
        "row 3, column area_id: unknown area 'nowhere'",
        "row 4, column area_id: unknown area 'elsewhere'",
    ]
    assert await registry.list_cameras() == []


async def test_duplicate_ids_are_rejected(registry: Registry) -> None:
    await registry.apply_areas(AREAS)
    with pytest.raises(ImportRejected) as caught:
        await registry.apply_cameras(rows(camera("c1"), camera("c2"), camera("c1", "a2")))
    assert caught.value.errors == ["row 4, column id: duplicate id 'c1' (row 2)"]
    assert await registry.list_cameras() == []


async def test_pruning_an_area_that_has_cameras_is_refused(registry: Registry) -> None:
    await _seed(registry)
    with pytest.raises(ImportRejected) as caught:
        await registry.apply_areas(AREAS[:2], prune=True)
    assert caught.value.errors == [
        "area 'b1' is not in the file but has 1 cameras: remove or move them before pruning it"
    ]
    await registry.apply_cameras(rows(camera("c1", "a1"), camera("c2", "a2")), prune=True)
    assert await registry.apply_areas(AREAS[:2], prune=True) == Changes(unchanged=2, removed=1)


async def test_filters(registry: Registry) -> None:
    await _seed(registry)

    async def ids(**filters: object) -> list[str]:
        return [c.id for c in await registry.list_cameras(**filters)]  # type: ignore[arg-type]

    assert await ids() == ["c1", "c2", "c3"]
    assert await ids(district="城关街道") == ["c1", "c2"]
    assert await ids(area="b1") == ["c3"]
    assert await ids(role=CameraRole.e_police) == ["c3"]
    assert await ids(key_only=True) == ["c1", "c3"]
    assert await ids(district="城关街道", key_only=True) == ["c1"]
    assert await ids(district="nowhere") == []
    assert [a.id for a in await registry.list_areas(key_only=True)] == ["a1", "b1"]
    assert [a.id for a in await registry.list_areas(district="新华镇")] == ["b1"]


async def test_get_camera_and_maintenance_window_keep_the_instant(registry: Registry) -> None:
    await registry.apply_areas(AREAS)
    start = datetime(2026, 3, 1, 2, 0, tzinfo=timezone(timedelta(hours=8)))
    record = camera("c1", maintenance_start=start, maintenance_end=start + timedelta(hours=2))
    await registry.apply_cameras(rows(record))
    stored = await registry.get_camera("c1")
    assert stored == record
    assert stored is not None and stored.maintenance_start == datetime(2026, 2, 28, 18, tzinfo=UTC)
    assert stored.in_maintenance(datetime(2026, 2, 28, 19, tzinfo=UTC))
    assert await registry.get_camera("missing") is None


async def test_reference_pictures_are_replaced_and_leave_with_their_camera(
    registry: Registry,
) -> None:
    await _seed(registry)
    taken = datetime(2026, 5, 1, 8, tzinfo=UTC)
    assert await registry.get_reference("c1") is None
    await registry.set_reference("c1", b"\xff\xd8first", taken)
    await registry.set_reference("c1", b"\xff\xd8second", taken + timedelta(days=1))
    assert await registry.get_reference("c1") == (b"\xff\xd8second", taken + timedelta(days=1))
    await registry.apply_cameras(rows(camera("c2", "a2")), prune=True)
    assert await registry.get_reference("c1") is None


async def test_a_re_read_builds_only_what_changed(registry: Registry) -> None:
    """A running monitor re-reads the whole registry every few minutes: unchanged rows give
    back the records made before, edited ones new records with the edit."""
    await _seed(registry)
    first = {c.id: c for c in await registry.list_cameras()}
    await registry.apply_cameras(
        rows(camera("c1", "a1"), camera("c2", "a2", name="新名字"), camera("c3", "b1")),
        prune=False,
    )
    again = {c.id: c for c in await registry.list_cameras(district="城关街道")}
    assert again["c1"] is first["c1"]
    assert again["c2"] is not first["c2"] and again["c2"].name == "新名字"
    assert (await registry.list_cameras())[2].role is CameraRole.surveillance  # was e_police


async def test_changed_credentials_are_read_again(registry: Registry) -> None:
    await registry.apply_areas(AREAS)
    await registry.apply_cameras(rows(camera("c1", "a1", username="admin", password="one")))
    assert await registry.all_credentials() == {"c1": ("admin", "one")}
    await registry.apply_cameras(rows(camera("c1", "a1", username="admin", password="two")))
    assert await registry.all_credentials() == {"c1": ("admin", "two")}
