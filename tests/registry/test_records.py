"""Record rules that every import and export relies on."""

import pytest
from pydantic import ValidationError

from camhealth.camera_registry.records import AreaRecord, CameraRecord


def test_control_characters_are_refused_in_any_text_field() -> None:
    with pytest.raises(ValidationError, match="control character"):
        AreaRecord(id="a1", name="东\x07门")
    with pytest.raises(ValidationError, match="control character"):
        CameraRecord(id="c1", name="n", area_id="a1", tags=("ok", "b\x00d"))


def test_tags_from_a_list_must_not_hold_a_separator() -> None:
    assert CameraRecord(id="c1", name="n", area_id="a1", tags="x, y；z").tags == ("x", "y", "z")
    with pytest.raises(ValidationError, match="must not contain"):
        CameraRecord(id="c1", name="n", area_id="a1", tags=("x,y",))


def test_coordinates_keep_seven_decimals() -> None:
    area = AreaRecord(id="a1", name="n", lat=36.97712345678912, lon=120.7112345678912)
    assert (area.lat, area.lon) == (36.9771235, 120.7112346)


def test_url_credentials_move_out_and_never_reach_the_error() -> None:
    camera = CameraRecord(id="c1", name="n", area_id="a1", rtsp_url="rtsp://u:p%40ss@h:554/x")
    assert camera.rtsp_url == "rtsp://h:554/x"
    assert camera.username == "u"
    assert camera.password is not None and camera.password.get_secret_value() == "p@ss"
    with pytest.raises(ValidationError) as caught:
        CameraRecord(id="c1", name="n", area_id="a1", rtsp_url="http://u:Secr3t@h/x")
    assert "not an rtsp:// URL" in str(caught.value.errors()[0]["msg"])
    assert "Secr3t" not in str(caught.value.errors()[0]["msg"])
