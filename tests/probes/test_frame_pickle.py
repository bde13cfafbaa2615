"""A decoded frame sample crosses to a diagnosis process as its planes, and converts the same."""

from __future__ import annotations

import pickle

import av
import numpy as np

from camhealth.probes.results import FrameSample


def _decoded(format_name: str, color_range: int) -> FrameSample:
    y, x = np.mgrid[0:72, 0:128]
    rgb = np.dstack([x * 2, y * 3, (x + y) % 256]).astype(np.uint8)  # smooth: chroma survives
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24").reformat(format=format_name)
    frame.color_range = color_range
    return FrameSample.of(frame, "h264", 0.25)


def test_pickled_sample_converts_like_the_original() -> None:
    for format_name, color_range in [("yuv420p", 1), ("yuvj420p", 2), ("yuv422p", 1)]:
        sample = _decoded(format_name, color_range)
        copy = pickle.loads(pickle.dumps(sample))
        assert (copy.width, copy.height, copy.codec) == (128, 72, "h264")
        assert copy.keyframe_seconds == sample.keyframe_seconds
        # yuv422p travels as yuv420p: its chroma is halved once more, luma exactly kept.
        tolerance = 0 if format_name != "yuv422p" else 8
        difference = np.abs(copy.image.astype(int) - sample.image.astype(int))
        assert difference.max() <= tolerance, format_name
        assert copy.jpeg[:2] == b"\xff\xd8"


def test_pickling_keeps_the_full_range_flag() -> None:
    limited, full = _decoded("yuv420p", 1), _decoded("yuv420p", 2)
    assert not np.array_equal(pickle.loads(pickle.dumps(limited)).image, full.image)
    assert np.array_equal(pickle.loads(pickle.dumps(full)).image, full.image)
