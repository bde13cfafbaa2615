"""A frame sample converts nothing when decoded: the BGR frame, the small copy and the JPEG
thumbnail are made once, when first asked for."""

from __future__ import annotations

import av
import cv2
import numpy as np
import pytest

from camhealth.probes.frames import decode_keyframe
from camhealth.probes.results import DecodedPicture, FrameSample
from tests.probes.test_frames_picture import BLUE, RED, keyframe


def test_nothing_is_converted_until_asked_and_each_copy_is_made_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widths: list[int | None] = []
    convert = DecodedPicture.bgr

    def counted(self: DecodedPicture, width: int | None = None) -> np.ndarray:
        widths.append(width)
        return convert(self, width)

    monkeypatch.setattr(DecodedPicture, "bgr", counted)
    sample = decode_keyframe("h264", keyframe("h264", 1280, 720), 0.1)
    assert widths == [] and (sample.width, sample.height) == (1280, 720)
    jpeg = sample.jpeg
    assert sample.jpeg is jpeg and widths == [640]  # the thumbnail: one scaled conversion
    thumbnail = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert thumbnail.shape == (360, 640, 3)
    assert np.abs(thumbnail[:, :300].mean(axis=(0, 1)) - BLUE).max() < 12
    image = sample.image
    assert sample.image is image and widths == [640, None]
    assert np.abs(image[:, 660:].mean(axis=(0, 1)) - RED).max() < 12


def test_a_sub_stream_frame_is_its_own_small_copy() -> None:
    sample = decode_keyframe("h265", keyframe("h265", 640, 360), 0.1)
    assert sample.small is sample.image and sample.image.shape == (360, 640, 3)


def test_a_sample_of_arrays_keeps_them_and_makes_what_it_lacks() -> None:
    image = np.full((720, 1280, 3), (10, 200, 30), np.uint8)
    given = FrameSample(image, image[::2, ::2], b"jpeg", 1280, 720, "h264", 0.2)
    assert (given.image is image, given.jpeg) == (True, b"jpeg")
    made = FrameSample(image, None, None, 1280, 720, "h264", 0.2)
    thumbnail = cv2.imdecode(np.frombuffer(made.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert thumbnail.shape == (360, 640, 3)
    assert np.abs(thumbnail.mean(axis=(0, 1)) - (10, 200, 30)).max() < 4
    with pytest.raises(ValueError):
        FrameSample(None, None, None, 1280, 720, "h264", 0.2)


@pytest.mark.parametrize(("color_range", "grey"), [(1, 0), (2, 16)])
def test_the_stream_s_colour_range_is_honoured(color_range: int, grey: int) -> None:
    """Luma 16 is black in limited range (what cameras mostly send), 16 of 255 in full range:
    a camera that says it sends full range must not have its shadows clipped."""
    frame = av.VideoFrame(64, 64, "yuv420p")
    for plane, level in zip(frame.planes, (16, 128, 128), strict=True):
        plane.update(bytes([level]) * plane.buffer_size)
    frame.color_range = color_range
    assert np.abs(DecodedPicture(frame).bgr().astype(int) - grey).max() <= 1
