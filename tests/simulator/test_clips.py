"""Encoded clips: real H.264/H.265 that PyAV decodes, shared, cached on disk, varied per GOP."""

from __future__ import annotations

from pathlib import Path

import pytest

from camhealth.simulator.camera import Codec, SimCamera, StreamSpec
from camhealth.simulator.clips import (
    Clip,
    ClipKey,
    ClipLibrary,
    encode,
    nal_type,
    split_annexb,
    stream_spec,
)
from camhealth.simulator.faults import Fault
from camhealth.simulator.scenes import View
from tests.simulator.rtsp_testclient import decode

SPEC = StreamSpec(320, 180, gop_seconds=0.2)  # 5 frames per GOP keeps the encode short


def key(codec: Codec = Codec.h264, fault: Fault | None = None, gops: int = 3) -> ClipKey:
    return ClipKey(View("garage", 320, 180, "Gate 3", fault=fault), codec, 25, 5, gops)


@pytest.fixture(scope="module", params=list(Codec))
def clip(request: pytest.FixtureRequest) -> Clip:
    return encode(key(request.param))


def test_gops_start_with_an_idr_carrying_parameter_sets(clip: Clip) -> None:
    assert len(clip.gops) == 3
    set_types = {nal_type(clip.codec, nal) for nal in clip.parameter_sets}
    for gop in clip.gops:
        assert len(gop) == 5
        assert gop[0].keyframe and not any(au.keyframe for au in gop[1:])
        assert set_types <= {nal_type(clip.codec, nal) for nal in gop[0].nals}


def test_the_whole_clip_decodes_at_its_size(clip: Clip) -> None:
    frames = decode(clip.codec, clip.annexb())
    assert len(frames) == 15
    assert (frames[0].width, frames[0].height) == (320, 180)


def test_parameter_sets_alone_let_a_decoder_read_a_keyframe(clip: Clip) -> None:
    idr = [nal for nal in clip.gops[1][0].nals if nal not in clip.parameter_sets]
    stream = b"".join(b"\0\0\0\1" + nal for nal in (*clip.parameter_sets, *idr))
    assert len(decode(clip.codec, stream)) == 1


def test_keyframes_of_a_healthy_clip_differ_and_a_frozen_one_repeats(clip: Clip) -> None:
    keyframes = [gop[0].annexb() for gop in clip.gops]
    assert len(set(keyframes)) == 3
    frozen = encode(key(clip.codec, Fault.frozen))
    assert len({gop[0].annexb() for gop in frozen.gops}) == 1


def test_split_annexb_handles_both_start_code_lengths() -> None:
    assert split_annexb(b"\0\0\0\1\x67ab\0\0\1\x68c\0\0\0\1\x65d\0") == (
        b"\x67ab",
        b"\x68c",
        b"\x65d",
    )


def test_disk_cache_returns_the_same_clip_without_encoding(tmp_path: Path) -> None:
    first = ClipLibrary(tmp_path, gops=2)
    k = first.key(View("cafe", 320, 180), SPEC)
    clip = first.get(k)
    assert first.get(k) is clip
    second = ClipLibrary(tmp_path, gops=2)
    second._encode = None  # type: ignore[assignment,method-assign]  # would raise if called
    assert second.get(k) == clip
    (tmp_path / k.file_name()).write_bytes(b"damaged")
    third = ClipLibrary(tmp_path, gops=2)
    assert third.get(k) == clip  # re-encoded; x264 is deterministic for the same input


async def test_cameras_with_the_same_view_share_one_clip(tmp_path: Path) -> None:
    library = ClipLibrary(None, gops=2)
    a = SimCamera("1", "东门", "127.0.0.2", "cafe", main=SPEC, sub=SPEC)
    b = SimCamera("2", "西门", "127.0.0.3", "cafe", main=SPEC, sub=SPEC)
    assert library.key_for(a, "main") == library.key_for(b, "main")
    await library.warm([library.key_for(a, "main"), library.key_for(b, "main")])
    assert await library.aget(library.key_for(a, "main")) is library.get(library.key_for(b, "main"))
    b.faults.faults.add(Fault.blur)
    assert library.key_for(b, "main").view.fault is Fault.blur
    per_camera = ClipLibrary(None, osd_per_camera=True)
    assert per_camera.key_for(a, "main").view.label == "1"


def test_low_resolution_drops_the_main_stream_below_hd() -> None:
    camera = SimCamera("1", "Gate", "127.0.0.2", "cafe")
    assert (stream_spec(camera, "main").width, stream_spec(camera, "main").height) == (1920, 1080)
    camera.faults.faults.add(Fault.low_resolution)
    assert (stream_spec(camera, "main").width, stream_spec(camera, "main").height) == (704, 576)
    assert stream_spec(camera, "sub") == camera.sub


def test_big_resolutions_encode_fewer_gops() -> None:
    library = ClipLibrary(None, gops=8)
    assert library.key(View("cafe", 640, 360), StreamSpec(640, 360, gop_seconds=2)).gops == 8
    assert library.key(View("cafe", 1920, 1080), StreamSpec(1920, 1080, gop_seconds=1)).gops == 8
    assert library.key(View("cafe", 3840, 2160), StreamSpec(3840, 2160, Codec.h265)).gops == 2
    assert ClipLibrary(None, gops=1).key(View("cafe", 640, 360), SPEC).gops == 1
    assert (
        library.key(View("cafe", 1280, 720), StreamSpec(1280, 720, gop_seconds=4)).gop_frames == 100
    )
