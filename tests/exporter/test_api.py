"""The JSON API: filters, paging, sorting, one camera, areas, indicators, events, pictures."""

from __future__ import annotations

from tests.exporter.world import EVIDENCE_REF, JPEG, REFERENCE


def ids(body) -> list[str]:
    return [item["id"] for item in body["items"]]


async def test_cameras_are_filtered_by_status_fault_area_district_and_role(world):
    status, body = await world.get("/api/v1/cameras")
    assert status == 200 and body["total"] == 7 and body["limit"] == 100
    cases = {
        "status=offline": ["station-02"],
        "status=unknown": ["square-02", "depot-01"],
        "status=maintenance": ["station-02"],
        "status=not_hd": ["square-02", "park-01", "depot-01"],
        "fault=blur": ["square-01"],
        "area=station": ["station-01", "station-02"],
        "district=古柳街道": ["park-01", "depot-01"],
        "role=e_police": ["x1-01"],
        "status=intact&district=城厢街道": ["station-01", "x1-01"],
    }
    for query, expected in cases.items():
        params = dict(part.split("=") for part in query.split("&"))
        params["sort"] = "district"
        _, body = await world.get("/api/v1/cameras", **params)
        assert sorted(ids(body)) == sorted(expected), query


async def test_cameras_are_sorted_and_paged(world):
    _, body = await world.get("/api/v1/cameras", sort="name", order="desc", limit="3", offset="2")
    everything = sorted(
        ["station-01", "station-02", "square-01", "square-02", "park-01", "x1-01", "depot-01"],
        reverse=True,
    )
    assert ids(body) == everything[2:5] and body["total"] == 7
    _, body = await world.get("/api/v1/cameras", offset="7")
    assert body["items"] == [] and body["total"] == 7
    _, body = await world.get("/api/v1/cameras", sort="area")
    assert [item["area"] for item in body["items"]] == sorted(
        item["area"] for item in body["items"]
    )
    assert ids(body)[:2] == ["depot-01", "park-01"]


async def test_listed_cameras_link_their_newest_picture(world):
    _, body = await world.get("/api/v1/cameras", sort="name")
    pictures = {item["id"]: item["last_picture"] for item in body["items"]}
    assert pictures.pop("station-01") == f"/api/v1/pictures/{EVIDENCE_REF}"
    assert set(pictures.values()) == {None}  # no stored picture


async def test_bad_query_parameters_are_named(world):
    for params, field in (
        ({"status": "shiny"}, "status"),
        ({"limit": "0"}, "limit"),
        ({"limit": "x"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"sort": "price"}, "sort"),
        ({"colour": "red"}, "colour"),
    ):
        status, body = await world.get("/api/v1/cameras", **params)
        assert status == 422, params
        assert [d["field"] for d in body["details"]] == [field]
        assert "shiny" not in str(body)  # the value is never echoed back


async def test_one_camera_with_its_events_uptime_device_and_probes(world):
    status, body = await world.get(
        "/api/v1/cameras/station-01", period="2026-11-29", timezone="UTC"
    )
    assert status == 200
    assert body["camera"]["status"]["intact"] is True and body["camera"]["district"] == "城厢街道"
    assert [e["kind"] for e in body["events"]] == ["became_intact", "became_not_intact"]
    assert body["events"][0]["picture"] == f"/api/v1/pictures/{EVIDENCE_REF}"
    assert body["camera"]["last_picture"] == body["events"][0]["picture"]
    history = body["history"]
    assert history["outages"] == 0 and history["downtime_hours"] == 1.0  # 06:00-07:00 not intact
    assert history["intact_hours"] == 17.0  # from 07:00 to the end of the day
    assert body["device"] == {
        "vendor": 'Hik"vision',
        "model": "IPC-1",
        "firmware": "V5.7",
        "serial": None,
        "clock_skew_seconds": 0.5,
        "codec": "h264",
    }
    assert {p["probe"] for p in body["probes"]} == {"onvif", "rtsp", "frames", "platform"}
    assert body["reference_picture"] == "/api/v1/cameras/station-01/reference.jpg"
    status, body = await world.get("/api/v1/cameras/nope")
    assert (
        status == 404 and body == {"error": "no such camera", "status": 404, "details": None}
    ) or body["error"] == "no such camera"
    status, body = await world.get("/api/v1/cameras/station-01", period="2026-13")
    assert status == 422 and body["details"][0]["field"] == "period"


async def test_areas_say_whether_covered_and_why_not(world):
    _, body = await world.get("/api/v1/areas", indicator="hd_coverage", covered="false")
    reasons = {a["id"]: a["reason"] for a in body["items"]}
    assert reasons == {
        "empty": "no_cameras",
        "park": "no_hd_camera",
        "square": "cameras_not_intact",
    }
    _, body = await world.get("/api/v1/areas", indicator="epolice_coverage")
    assert [(a["id"], a["covered"], a["kind"]) for a in body["items"]] == [
        ("x1", True, "intersection")
    ]
    _, body = await world.get("/api/v1/areas", district="古柳街道")
    assert {a["id"] for a in body["items"]} == {"empty", "park"}


async def test_indicators_now_and_over_a_period(world):
    _, now = await world.get("/api/v1/indicators")
    assert now["city"]["district"] == "" and now["city"]["intactness"] == {
        "numerator": 2,
        "denominator": 5,
        "ratio": 0.4,
        "stars": 0,
    }
    assert now["city"]["stars"] == {"L4P4": 0, "L4P5": 0, "L4P6": 5}
    gu = next(d for d in now["districts"] if d["district"] == "古柳街道")
    assert gu["epolice_coverage"]["ratio"] is None and gu["stars"]["L4P6"] is None
    status, period = await world.get(
        "/api/v1/indicators/period", period="2026-11-29", timezone="UTC"
    )
    assert status == 200
    # half intact from 00:00, fully from 01:00 to the end of the day: 23.5 of 24 hours
    assert period["intactness"]["ratio"] == (2 * 1 + 4 * 23) / (4 * 24)
    assert period["intactness"]["data_hours"] == 24.0
    status, body = await world.get("/api/v1/indicators/period", period="last week")
    assert status == 422 and body["details"][0]["field"] == "period"
    status, body = await world.get("/api/v1/indicators/period")
    assert status == 422 and body["details"][0]["field"] == "period"
    status, body = await world.get(
        "/api/v1/indicators/period", period="2026-11", timezone="Mars/Olympus"
    )
    assert status == 422 and body["details"][0]["field"] == "timezone"
    # the city's day (Asia/Shanghai, the configured zone) began at 16:00 UTC the day before
    _, shanghai = await world.get("/api/v1/indicators/period", period="2026-11-29")
    assert shanghai["period_start"] == "2026-11-29T00:00:00+08:00"


async def test_events_newest_first_filtered(world):
    since = "2026-11-29T00:00:00Z"
    _, body = await world.get("/api/v1/events", since=since, until="2026-11-30T00:00:00Z")
    assert [e["kind"] for e in body["items"]] == [
        "fault_confirmed",
        "became_intact",
        "became_not_intact",
    ]
    _, body = await world.get(
        "/api/v1/events", since=since, until="2026-11-30T00:00:00Z", camera="station-01", limit="1"
    )
    assert [e["kind"] for e in body["items"]] == ["became_intact"]
    _, body = await world.get(
        "/api/v1/events", since=since, until="2026-11-30T00:00:00Z", kind="fault_confirmed"
    )
    assert [(e["camera"], e["fault"], e["scores"]) for e in body["items"]] == [
        ("square-01", "blur", {"blur": 0.4})
    ]
    status, body = await world.get("/api/v1/events", since="yesterday")
    assert status == 422 and body["details"][0]["field"] == "since"
    status, body = await world.get("/api/v1/events", since="2026-11-29T00:00:00")  # no zone
    assert status == 422 and body["details"][0]["field"] == "since"


async def test_pictures_by_reference_and_traversal_attempts(world):
    response = await world.client.get(
        f"/api/v1/pictures/{EVIDENCE_REF}", headers=world.auth("vera")
    )
    assert response.status == 200 and response.content_type == "image/jpeg"
    assert await response.read() == JPEG and "no-store" in response.headers["Cache-Control"]
    response = await world.client.get(
        "/api/v1/cameras/station-01/reference.jpg", headers=world.auth("vera")
    )
    assert response.status == 200 and await response.read() == REFERENCE
    missing = await world.client.get(
        "/api/v1/cameras/park-01/reference.jpg", headers=world.auth("vera")
    )
    assert missing.status == 404
    for name in (
        "..%2F..%2Fetc%2Fpasswd",
        "%2Fetc%2Fpasswd",
        "station-01@..%2F..%2Fx",
        "a.jpg",
        "x@2026-11-29..01",
    ):
        response = await world.client.get(f"/api/v1/pictures/{name}", headers=world.auth("vera"))
        assert response.status in (400, 404), name
    gone = await world.client.get(
        "/api/v1/pictures/station-01@2020-01-01T00:00:00+00:00", headers=world.auth("vera")
    )
    assert gone.status == 404
    raw = await world.client.get("/api/v1/pictures/../../etc/passwd", headers=world.auth("vera"))
    assert raw.status == 404


async def test_without_a_history_store_its_endpoints_say_503(start, source, accounts):
    client = await start(source, accounts=accounts)
    bearer = {"Authorization": f"Bearer {await accounts.create_token('vera')}"}
    assert (await client.get("/api/v1/events", headers=bearer)).status == 503
    body = await (await client.get("/api/v1/cameras/station-01", headers=bearer)).json()
    assert body["events"] is None and body["history"] is None
