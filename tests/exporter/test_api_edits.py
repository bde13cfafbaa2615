"""Registry edits through the API: roles, the import's validation, credentials kept secret."""

from __future__ import annotations

from camhealth.exporter.accounts import Role
from camhealth.exporter.api import OPERATIONS
from tests.exporter.city import PASSWORD
from tests.exporter.conftest import log_in
from tests.exporter.world import EVIDENCE_REF

NEW = {"name": "新摄像机", "area_id": "park", "rtsp_url": "rtsp://10.1.1.9/main"}


async def put(world, path, body, user="ada"):
    response = await world.client.put(path, json=body, headers=world.auth(user))
    return response.status, await response.json()


async def test_only_admins_edit_the_registry_and_operators_set_maintenance(world):
    assert (await put(world, "/api/v1/cameras/new-01", NEW, user="vera"))[0] == 403
    assert (await put(world, "/api/v1/cameras/new-01", NEW, user="otto"))[0] == 403
    assert (await put(world, "/api/v1/areas/a9", {"name": "x"}, user="otto"))[0] == 403
    window = {"start": "2026-12-01T08:00:00+08:00", "end": "2026-12-01T12:00:00+08:00"}
    assert (await put(world, "/api/v1/cameras/park-01/maintenance", window, user="vera"))[0] == 403
    status, body = await put(world, "/api/v1/cameras/park-01/maintenance", window, user="otto")
    assert status == 200 and body["updated"] == 1
    stored = await world.registry.get_camera("park-01")
    assert stored.maintenance_end.isoformat() == "2026-12-01T04:00:00+00:00"
    status, body = await put(world, "/api/v1/cameras/park-01/maintenance", {}, user="otto")
    assert status == 200 and (await world.registry.get_camera("park-01")).maintenance_start is None
    status, body = await put(world, "/api/v1/cameras/nope/maintenance", {}, user="otto")
    assert status == 404


async def test_edits_are_validated_like_an_import_and_errors_name_the_field(world):
    cases = [
        ({**NEW, "rtsp_url": "http://10.1.1.9/"}, "rtsp_url"),
        ({**NEW, "area_id": "nowhere"}, "area_id"),
        ({**NEW, "role": "spy"}, "role"),
        ({**NEW, "colour": "red"}, "colour"),
        ({k: v for k, v in NEW.items() if k != "name"}, "name"),
        ({**NEW, "id": "other-id"}, "id"),
    ]
    for body, field in cases:
        status, answer = await put(world, "/api/v1/cameras/new-01", body)
        assert status == 422, body
        assert field in [d["field"] for d in answer["details"]], answer
    window = {"start": "2026-12-01T12:00:00Z", "end": "2026-12-01T08:00:00Z"}
    status, answer = await put(world, "/api/v1/cameras/park-01/maintenance", window, user="otto")
    assert status == 422 and "after" in answer["details"][0]["message"]
    bad_json = await world.client.put(
        "/api/v1/cameras/new-01", data=b"{", headers=world.auth("ada")
    )
    assert bad_json.status == 400
    assert await world.registry.get_camera("new-01") is None


async def test_a_new_camera_then_the_same_again(world):
    status, body = await put(world, "/api/v1/cameras/new-01", NEW)
    assert status == 201 and body == {"created": 1, "updated": 0, "unchanged": 0}
    status, body = await put(world, "/api/v1/cameras/new-01", NEW)
    assert status == 200 and body["unchanged"] == 1
    status, body = await put(
        world, "/api/v1/areas/depot", {"name": "车辆段", "district": "古柳街道"}
    )
    assert status == 200 and body["updated"] == 1


async def test_camera_credentials_never_come_out_of_the_api(world):
    secret = {
        **NEW,
        "username": "cam-user-x",
        "password": PASSWORD,
        "onvif_url": f"http://u:{PASSWORD}@10.1.1.9/onvif",
    }
    status, _ = await put(world, "/api/v1/cameras/new-02", secret)
    assert status == 201
    assert await world.registry.has_credentials("new-02")
    assert "@" not in (await world.registry.get_camera("new-02")).onvif_url
    # station-01 has credentials in the snapshot's registry records too
    paths = [
        "/api/v1/cameras",
        "/api/v1/cameras/station-01",
        "/api/v1/areas",
        "/api/v1/indicators",
        "/api/v1/events?since=2026-11-01T00:00:00Z",
        "/api/v1/openapi.json",
        "/api/v1/me",
        "/metrics",
    ]
    for path in paths:
        text = await (await world.client.get(path, headers=world.auth("ada"))).text()
        assert PASSWORD not in text and "cam-user-x" not in text, path
        assert '"username"' not in text or path.endswith("openapi.json"), path


async def test_an_oversized_edit_gets_413(world):
    response = await world.client.put(
        "/api/v1/cameras/new-01", json={**NEW, "name": "x" * 2_000_000}, headers=world.auth("ada")
    )
    assert response.status == 413


async def test_cookie_sessions_need_csrf_for_edits(world):
    csrf = await log_in(world.client, "ada")
    forged = await world.client.put(
        "/api/v1/cameras/new-01", json=NEW, headers={"X-CSRF-Token": "x" + csrf}
    )
    assert forged.status == 403
    ok = await world.client.put("/api/v1/cameras/new-01", json=NEW, headers={"X-CSRF-Token": csrf})
    assert ok.status == 201


async def test_every_operation_needs_a_login_and_its_role(world):
    for op in OPERATIONS:
        path = op.path.format(camera="station-01", area="station", ref=EVIDENCE_REF)
        anonymous = await world.client.request(op.method, path, json={})
        assert anonymous.status == 401, op.path
        if op.role is not Role.viewer:
            low = await world.client.request(op.method, path, json={}, headers=world.auth("vera"))
            assert low.status == 403, op.path
