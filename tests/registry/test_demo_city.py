from collections import Counter

from camhealth.camera_registry.demo_city import build_demo_city
from camhealth.camera_registry.records import AreaKind, CameraRole


def test_demo_city_is_a_county_level_city() -> None:
    city = build_demo_city()
    key_areas = [a for a in city.areas if a.key_area]
    intersections = [a for a in city.areas if a.kind is AreaKind.intersection]
    assert 280 <= len(city.cameras) <= 320
    assert 35 <= len(key_areas) <= 45
    assert len({a.district for a in city.areas}) >= 6
    assert len(intersections) >= 12
    kinds = {a.kind for a in key_areas}
    assert {AreaKind.station, AreaKind.hospital, AreaKind.school, AreaKind.park_square} <= kinds
    assert {AreaKind.gov_service_center, AreaKind.scenic_spot, AreaKind.business_district} <= kinds


def test_every_intersection_has_e_police_and_every_camera_a_known_area() -> None:
    city = build_demo_city()
    area_ids = {a.id for a in city.areas}
    assert all(c.area_id in area_ids for c in city.cameras)
    e_police = Counter(c.area_id for c in city.cameras if c.role is CameraRole.e_police)
    assert set(e_police) == {a.id for a in city.areas if a.kind is AreaKind.intersection}


def test_ids_unique_hosts_unique_and_deterministic() -> None:
    city = build_demo_city(seed=7)
    assert len({c.id for c in city.cameras}) == len(city.cameras)
    assert len({c.rtsp_url for c in city.cameras}) == len(city.cameras)
    again = build_demo_city(seed=7)
    assert [c.model_dump() for c in again.cameras] == [c.model_dump() for c in city.cameras]
    assert [c.password for c in build_demo_city(seed=8).cameras] != [
        c.password for c in city.cameras
    ]
