"""Pictures of the simulated cameras: real photographs, moving content, OSD and picture faults."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camhealth.simulator.faults import PICTURE_FAULTS, Fault
from camhealth.simulator.scenes import (
    FAULT_PRIORITY,
    SCENE_NAMES,
    Renderer,
    View,
    osd_label,
    picture_fault,
    still,
)

W, H = 320, 180
OSD = (slice(0, H // 8), slice(0, W // 2))  # the date/time, top left


def frame(fault: Fault | None = None, gop: int = 1, index: int = 0, **kw: object) -> np.ndarray:
    view = View(str(kw.get("scene", "launch_site")), W, H, "Gate 3", bool(kw.get("night")), fault)
    return Renderer(view).frame(gop, index)


def scene_part(image: np.ndarray) -> np.ndarray:
    return image[H // 4 : H * 3 // 4].astype(np.int16)


def sharpness(image: np.ndarray) -> float:
    grey = cv2.cvtColor(image[H // 4 : H * 3 // 4], cv2.COLOR_RGB2GRAY)  # without the OSD
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


@pytest.mark.parametrize("scene", SCENE_NAMES)
def test_every_scene_is_a_photograph_at_the_stream_size(scene: str) -> None:
    image = Renderer(View(scene, 704, 576)).frame(0, 0)
    assert image.shape == (576, 704, 3) and image.dtype == np.uint8
    assert image.std() > 25  # a real picture, not a flat test pattern


def test_healthy_gops_differ_and_the_osd_clock_ticks() -> None:
    assert np.abs(scene_part(frame(gop=1)) - scene_part(frame(gop=2))).mean() > 1
    one_second_later = frame(index=25)
    assert not np.array_equal(frame()[OSD], one_second_later[OSD])


def test_frozen_repeats_one_picture_osd_included() -> None:
    assert np.array_equal(frame(Fault.frozen, gop=1), frame(Fault.frozen, gop=5, index=7))


def test_frozen_osd_stops_the_scene_but_not_the_clock() -> None:
    a, b = frame(Fault.frozen_osd, gop=1), frame(Fault.frozen_osd, gop=4)
    assert np.array_equal(scene_part(a), scene_part(b))
    assert not np.array_equal(a[OSD], b[OSD])


def test_night_is_monochrome() -> None:
    image = frame(night=True).astype(np.int16)
    assert np.abs(image[..., 0] - image[..., 1]).max() == 0
    assert np.abs(image[..., 1] - image[..., 2]).max() == 0


def test_each_picture_fault_has_its_signature() -> None:
    normal = frame()
    assert frame(Fault.too_dark).mean() < 20 < normal.mean()
    assert frame(Fault.too_bright).mean() > 200
    assert sharpness(frame(Fault.blur)) < sharpness(normal) / 3
    assert sharpness(frame(Fault.noise)) > sharpness(normal) * 3
    cast = frame(Fault.color_cast).reshape(-1, 3).mean(axis=0)
    assert cast[0] > 3 * cast[2]
    bars = scene_part(frame(Fault.stripes)) - scene_part(normal)
    assert bars.std() > 12  # a sinusoid of amplitude 25 over the whole picture
    blank = scene_part(frame(Fault.blank))
    assert np.median(np.abs(blank - np.median(blank, axis=(0, 1)))) == 0
    covered = np.abs(scene_part(frame(Fault.occlusion)) - scene_part(normal)).max(axis=2) > 40
    assert covered.mean() > 0.3  # a white bag over much of the dark launch site
    assert np.abs(scene_part(frame(Fault.scene_change)) - scene_part(normal)).mean() > 30


def test_one_picture_fault_shows_and_all_are_rendered() -> None:
    assert set(FAULT_PRIORITY) == PICTURE_FAULTS
    assert picture_fault({Fault.blur, Fault.blank, Fault.offline}) is Fault.blank
    assert picture_fault({Fault.offline}) is None
    for fault in PICTURE_FAULTS:
        assert frame(fault).shape == (H, W, 3)
    with pytest.raises(ValueError):
        Renderer(View("launch_site", W, H, fault=Fault.offline))
    with pytest.raises(ValueError):
        Renderer(View("nowhere", W, H))


def test_osd_shows_ascii_names_and_ids_for_chinese_ones() -> None:
    assert osd_label("Gate 3", "37010200001320000001") == "Gate 3"
    assert osd_label("泉城广场东", "37010200001320000001") == "37010200001320000001"


def test_still_picture_for_snapshots() -> None:
    image = still(View("garage", W, H, "B2"), when=1_780_000_000.4)
    assert image.shape == (H, W, 3)
