"""What the frames probe makes of a keyframe: BGR in the right order, the small copy, the JPEG."""

from __future__ import annotations

from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from camhealth.probes.frames import decode_keyframe

BLUE, RED = (255, 0, 0), (0, 0, 255)  # BGR


def keyframe(codec: str, width: int, height: int) -> bytes:
    """One Annex B keyframe of a picture blue on the left, red on the right."""
    image = np.zeros((height, width, 3), np.uint8)
    image[:, : width // 2], image[:, width // 2 :] = BLUE, RED
    context = av.CodecContext.create("libx264" if codec == "h264" else "libx265", "w")
    assert isinstance(context, av.VideoCodecContext)
    context.width, context.height, context.time_base = width, height, Fraction(1, 25)
    context.pix_fmt = "yuv420p"
    context.options = {"preset": "ultrafast", "x265-params": "log-level=error"}
    frame = av.VideoFrame.from_ndarray(image, format="bgr24").reformat(format="yuv420p")
    return b"".join(bytes(p) for p in context.encode(frame) + context.encode(None))


@pytest.mark.parametrize(("codec", "width", "height"), [("h264", 640, 360), ("h265", 1920, 1080)])
def test_colours_sizes_and_thumbnail(codec: str, width: int, height: int) -> None:
    sample = decode_keyframe(codec, keyframe(codec, width, height), 0.1)
    assert sample.image.shape == (height, width, 3) and sample.image.dtype == np.uint8
    assert sample.small.shape == (360, 640, 3)
    for picture in (sample.image, sample.small):
        half = picture.shape[1] // 2
        left, right = picture[:, : half - 8], picture[:, half + 8 :]
        assert np.abs(left.mean(axis=(0, 1)) - BLUE).max() < 12
        assert np.abs(right.mean(axis=(0, 1)) - RED).max() < 12
    thumbnail = cv2.imdecode(np.frombuffer(sample.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert thumbnail is not None and thumbnail.shape == (360, 640, 3)
    assert np.abs(thumbnail[:, :300].mean(axis=(0, 1)) - BLUE).max() < 12
