"""Picture diagnosis: each single-frame detector on a real photograph, its hard negatives, and
its threshold boundary."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from camhealth.health.quality import FrameDiagnosis, ImageFault, diagnose
from camhealth.health.sequence import Sample
from camhealth.health.thresholds import QualityThresholds
from tests.health.quality_pictures import (
    camera,
    defocus,
    exposure,
    flat,
    fog,
    jpeg,
    night_ir,
    osd,
    photo,
)

DEFAULTS = QualityThresholds()


def run(image: np.ndarray, reference: Sample | None = None, **overrides: float) -> FrameDiagnosis:
    thresholds = DEFAULTS.model_copy(update=overrides)
    return diagnose(image, thresholds, reference=reference)


def reference_of(image: np.ndarray) -> Sample:
    return diagnose(image, DEFAULTS).sample


@pytest.mark.parametrize("scene", ["astronaut", "coffee", "chelsea", "rocket", "camera"])
def test_healthy_photographs_raise_no_fault(scene: str) -> None:
    picture = photo(scene)
    diagnosis = run(camera(picture, seed=1), reference=reference_of(camera(picture, seed=2)))
    assert diagnosis.faults == ()


def test_resolution_and_hd_flag() -> None:
    small = run(camera(photo(size=(640, 360))))
    assert (small.width, small.height, small.hd) == (640, 360, False)
    big = run(camera(photo(size=(1280, 720))))
    assert (big.width, big.height, big.hd) == (1280, 720, True)
    assert run(camera(photo(size=(1280, 720))), hd_min_height=721).hd is False


@pytest.mark.parametrize("colour", [(16, 16, 16), (170, 40, 10), (128, 128, 128)])
def test_no_video_screens_are_blank_and_only_blank(colour: tuple[int, int, int]) -> None:
    screen = flat(colour)
    cv2.putText(screen, "NO VIDEO", (100, 95), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (235, 235, 235), 2)
    diagnosis = run(jpeg(osd(screen)))
    assert diagnosis.faults == (ImageFault.blank,)


def test_underexposed_picture_is_too_dark_but_a_night_street_with_lamps_is_not() -> None:
    picture = photo()
    assert ImageFault.too_dark in run(camera(exposure(picture, 0.02))).faults
    street = exposure(picture, 0.02)
    for x in (40, 150, 260):
        cv2.circle(street, (x, 40), 8, (200, 240, 255), -1)
    cv2.rectangle(street, (100, 90), (130, 120), (150, 200, 230), -1)
    assert run(camera(street)).faults == ()


def test_overexposed_picture_is_too_bright_but_snow_and_fog_are_not() -> None:
    picture = photo()
    assert ImageFault.too_bright in run(camera(exposure(picture, 6.0))).faults
    snow = (255 - (255 - picture.astype(np.float32)) * 0.4).astype(np.uint8)
    assert run(camera(snow)).faults == ()
    assert run(camera(fog(picture))).faults == ()


def test_defocus_is_blur_but_flat_walls_and_sky_are_unknown_not_blurred() -> None:
    picture = photo()
    assert ImageFault.blur in run(camera(defocus(picture, 5))).faults
    wall = flat((170, 180, 190))
    wall = (wall * np.linspace(0.8, 1.1, wall.shape[1])[None, :, None]).astype(np.uint8)
    check = run(camera(wall)).check(ImageFault.blur)
    assert not check.detected and check.value is None


def test_colour_cast_is_found_but_monochrome_ir_is_not_a_cast() -> None:
    picture = photo()
    reference = reference_of(camera(picture, seed=2))
    blue = np.clip(picture.astype(np.float32) * np.array([1.5, 1.0, 0.7]), 0, 255).astype(np.uint8)
    cast = run(camera(blue), reference=reference).check(ImageFault.color_cast)
    assert cast.detected and cast.measure == "chroma_drift"
    ir = run(camera(night_ir(picture), sigma=3), reference=reference)
    assert ir.faults == ()
    assert ir.check(ImageFault.color_cast).score < 0.2


def test_heavy_sensor_noise_is_noise_but_texture_is_not() -> None:
    assert ImageFault.noise in run(camera(photo(), sigma=20)).faults
    assert ImageFault.noise not in run(camera(photo("chelsea", size=(640, 360)))).faults


def test_interference_stripes_are_found() -> None:
    picture = photo().astype(np.float32)
    x = np.arange(picture.shape[1], dtype=np.float32)
    striped = picture + 20 * np.sin(x * 2 * np.pi / 7)[None, :, None]
    assert ImageFault.stripes in run(camera(np.clip(striped, 0, 255).astype(np.uint8))).faults


def test_occluded_lens_against_the_reference_but_not_fog() -> None:
    picture = photo()
    reference = reference_of(camera(picture, seed=3))
    covered = picture.copy()
    cv2.circle(covered, (0, 0), 170, (30, 30, 35), -1)
    covered = cv2.GaussianBlur(covered, (0, 0), 2)
    diagnosis = run(camera(covered), reference=reference)
    assert ImageFault.occlusion in diagnosis.faults
    region = diagnosis.check(ImageFault.occlusion).region
    assert region is not None and region.x == 0 and region.y == 0
    assert run(camera(fog(picture)), reference=reference).faults == ()


# The other measures of the same fault are put out of reach, so the one under test decides.
ONLY_LUMINANCE_CLIP = {"bright_channel_clipped_fraction": 1.0}
BOUNDARIES = [
    (ImageFault.blank, "blank_uniform_fraction", flat((20, 20, 20)), False, {}),
    (ImageFault.too_dark, "dark_bright_level", exposure(photo(), 0.05), True, {}),
    (
        ImageFault.too_bright,
        "bright_clipped_fraction",
        exposure(photo(), 4.0),
        False,
        ONLY_LUMINANCE_CLIP,
    ),
    (ImageFault.blur, "blur_max_sharpness", defocus(photo(), 3), True, {}),
    (ImageFault.noise, "noise_sigma", photo(), False, {}),
    (ImageFault.stripes, "stripes_peak", photo(), False, {}),
]


@pytest.mark.parametrize(("fault", "field", "picture", "below", "others"), BOUNDARIES)
def test_each_detector_flips_exactly_at_its_threshold(
    fault: ImageFault, field: str, picture: np.ndarray, below: bool, others: dict[str, float]
) -> None:
    frame = camera(picture)
    value = run(frame, **others).check(fault).value
    assert value is not None
    step = abs(value) * 0.01 + 1e-3
    worse, better = (value + step, value - step) if below else (value - step, value + step)
    on = run(frame, **{**others, field: worse}).check(fault)
    off = run(frame, **{**others, field: better}).check(fault)
    assert on.score >= 1.0 and off.score < 1.0
    # Another fault may explain this one away (a blank screen is not also dark); the raw
    # decision is still visible in the score.
    if not on.note.startswith("explained by"):
        assert on.detected
    assert not off.detected


def test_a_diagnosis_is_a_frozen_value() -> None:
    diagnosis = run(camera(photo()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        diagnosis.width = 1  # type: ignore[misc]
    assert [c.fault for c in diagnosis.checks] == list(ImageFault)


@pytest.mark.parametrize("bad", [np.zeros((100, 100), np.uint8), np.zeros((8, 8, 3), np.uint8)])
def test_frames_that_are_not_pictures_are_refused(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        run(bad)


def test_an_sd_picture_enlarged_to_1080p_is_upscaled_evidence_not_a_fault() -> None:
    sd = camera(photo(size=(704, 396)), sigma=2)
    enlarged = jpeg(cv2.resize(sd, (1920, 1080), interpolation=cv2.INTER_CUBIC))
    diagnosis = run(enlarged)
    assert diagnosis.hd and diagnosis.upscaled and diagnosis.effective_width < 1920
    assert diagnosis.faults == ()


def test_a_picture_with_detail_at_every_pixel_is_not_upscaled() -> None:
    rows = (["astronaut", "coffee", "chelsea"], ["rocket", "camera", "coffee"])
    mosaic = np.vstack([np.hstack([photo(name, size=(640, 360)) for name in row]) for row in rows])
    diagnosis = run(camera(mosaic))
    assert not diagnosis.upscaled and diagnosis.effective_width == 1920


def test_a_pattern_the_reference_already_had_is_the_scene_not_stripes() -> None:
    x = np.arange(320, dtype=np.float32)
    grating = np.clip(photo() + 30 * np.sin(x * 2 * np.pi / 9)[None, :, None], 0, 255)
    fence = grating.astype(np.uint8)  # a railing in front of the camera, always there
    alone = run(camera(fence)).check(ImageFault.stripes)
    assert alone.detected
    with_reference = run(camera(fence), reference=reference_of(camera(fence, seed=5)))
    check = with_reference.check(ImageFault.stripes)
    # Judged on what the picture gained since the reference: the railing cancels out.
    assert not check.detected and check.measure == "stripe_peak_gained"
    new = run(camera(fence), reference=reference_of(camera(photo(), seed=5)))
    assert ImageFault.stripes in new.faults
