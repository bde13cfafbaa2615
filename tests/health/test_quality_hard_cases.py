"""Picture diagnosis: the cases that the held-out evaluation and the live demo showed to be hard
(colour casts on grey and colourful scenes, occluders over flat parts of the view, dark coats,
dark pictures against the reference, strong smooth patterns between live samples)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camhealth.health import measures as m
from camhealth.health.quality import FaultCheck, FrameDiagnosis, ImageFault, diagnose
from camhealth.health.sequence import Sample
from camhealth.health.thresholds import QualityThresholds
from tests.health.quality_pictures import camera, exposure, jpeg, night_ir, osd, photo

DEFAULTS = QualityThresholds()


def run(
    image: np.ndarray, reference: Sample | None = None, previous: Sample | None = None
) -> FrameDiagnosis:
    return diagnose(image, DEFAULTS, reference=reference, previous=previous)


def sample(image: np.ndarray) -> Sample:
    return diagnose(image, DEFAULTS).sample


def gains(image: np.ndarray, blue: float, green: float, red: float) -> np.ndarray:
    """A white-balance error: each channel's linear light times its gain."""
    linear = (image.astype(np.float32) / 255) ** 2.2 * np.array([blue, green, red])
    return (np.clip(linear, 0, 1) ** (1 / 2.2) * 255 + 0.5).astype(np.uint8)


@pytest.mark.parametrize("scene", ["astronaut", "coffee", "chelsea"])
def test_a_moderate_cast_on_a_colourful_scene_is_found_and_a_slight_one_is_not(scene: str) -> None:
    picture = photo(scene)
    reference = sample(camera(picture, seed=2))
    green = run(camera(gains(picture, 0.75, 1.3, 0.75)), reference).check(ImageFault.color_cast)
    assert green.detected and green.measure == "chroma_drift"
    warmer = run(camera(gains(picture, 0.96, 1.0, 1.04)), reference)
    assert ImageFault.color_cast not in warmer.faults


def test_a_grey_scene_that_turned_one_colour_is_a_cast() -> None:
    coins = photo("coins")
    reference = sample(camera(coins, seed=2))
    assert m.colourless_cells(reference.chroma)
    cast = run(camera(gains(coins, 1.6, 1.0, 0.7)), reference).check(ImageFault.color_cast)
    assert cast.detected and cast.measure == "chroma_drift"
    assert ImageFault.color_cast not in run(camera(coins, seed=4), reference).faults


@pytest.mark.parametrize("scene", ["astronaut", "coffee", "chelsea", "rocket"])
def test_a_colourful_day_picture_against_a_night_ir_reference_is_not_a_cast(scene: str) -> None:
    picture = photo(scene)  # coffee and chelsea: mostly one colour, brown and ginger
    reference = sample(camera(night_ir(picture), seed=2))
    assert ImageFault.color_cast not in run(camera(picture), reference).faults


def test_a_log_chromaticity_offset_is_the_same_for_every_colour() -> None:
    picture = photo("chelsea")
    shifted = gains(picture, 1.0, 1.0, 1.3)
    before = m.cell_chroma(picture[::2, ::2], cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY)[::2, ::2])
    after = m.cell_chroma(shifted[::2, ::2], cv2.cvtColor(shifted, cv2.COLOR_BGR2GRAY)[::2, ::2])
    moved = (after - before)[..., 1]  # log R/G
    moved = moved[~np.isnan(moved)]
    # log(1.3) / 2.2 (the camera's gamma), within the rounding of 8-bit levels.
    assert np.median(moved) == pytest.approx(np.log(1.3) / 2.2, abs=0.02)
    assert float(np.percentile(moved, 90) - np.percentile(moved, 10)) < 0.05


def test_an_occluder_over_the_sky_is_seen_by_its_darkening() -> None:
    picture = photo("astronaut")
    picture[:70] = np.linspace([235, 190, 150], [250, 225, 205], 70)[:, None, :]  # a clear sky
    reference = sample(camera(picture, seed=3))
    covered = picture.copy()
    cv2.ellipse(covered, (0, 0), (180, 110), 0, 0, 360, (40, 40, 45), -1)
    covered = cv2.GaussianBlur(covered, (0, 0), 3)
    check = run(camera(covered), reference).check(ImageFault.occlusion)
    assert check.detected and check.region is not None and check.region.x == 0


def test_without_a_reference_a_dark_coat_is_not_an_occlusion() -> None:
    coat = photo("camera")  # a man in a dark coat on a lawn (the simulator's "campus")
    for seed in range(3):
        check = run(camera(coat, seed=seed)).check(ImageFault.occlusion)
        assert not check.detected and check.measure == "dark_featureless_area"
        assert check.threshold == DEFAULTS.occlusion_area_no_reference


def test_an_underexposed_picture_is_too_dark_not_a_scene_change() -> None:
    picture = photo("rocket")
    reference = sample(camera(picture, seed=2))
    dark = run(camera(exposure(picture, 0.01), sigma=3), reference)
    assert ImageFault.too_dark in dark.faults or ImageFault.blank in dark.faults
    assert ImageFault.scene_change not in dark.faults


def test_a_dark_picture_needs_a_far_weaker_match_for_a_scene_change() -> None:
    picture = photo("chelsea")
    reference = sample(camera(picture, seed=2))
    dusk = camera(exposure(picture, 0.08), seed=3)
    match = run(dusk, reference).check(ImageFault.scene_change).value
    assert match is not None
    line = QualityThresholds(scene_match=min(match * 1.5, 1.0))
    check = diagnose(dusk, line, reference=reference).check(ImageFault.scene_change)
    assert not check.detected and check.note.startswith("dark picture")
    turned = camera(exposure(photo("coffee"), 0.08), seed=3)
    assert ImageFault.scene_change in run(turned, reference).faults


def test_the_packed_spectrum_is_the_complex_spectrum() -> None:
    rng = np.random.default_rng(0)
    picture = rng.normal(0, 1, (64, 64)).astype(np.float32)
    full = cv2.dft(picture, flags=cv2.DFT_COMPLEX_OUTPUT)[:, :33]
    expected = full[..., 0] ** 2 + full[..., 1] ** 2
    packed = m._half_power(np.asarray(cv2.dft(picture), np.float32) ** 2)
    np.testing.assert_allclose(packed, expected, rtol=1e-4, atol=1e-3)


def test_the_packed_power_of_several_pictures_is_the_sum_of_their_powers() -> None:
    rng = np.random.default_rng(1)
    pictures = [rng.normal(0, 1, (64, 64)).astype(np.float32) for _ in range(3)]
    summed = sum(m._half_power(np.asarray(cv2.dft(p), np.float32) ** 2) for p in pictures)
    squares = np.zeros((64, 64), np.float32)
    for picture in pictures:
        cv2.accumulateSquare(cv2.dft(picture), squares)
    np.testing.assert_allclose(m._half_power(squares), summed, rtol=1e-4, atol=1e-3)


def _boundary_cases() -> list[tuple[ImageFault, str, np.ndarray, Sample, bool]]:
    """Faults judged against a reference or a previous sample: the picture, the other sample,
    and whether the fault is "below" its threshold."""
    picture = photo()
    reference = sample(camera(picture, seed=2))
    covered = picture.copy()
    cv2.circle(covered, (0, 0), 150, (30, 30, 35), -1)
    # One captured picture encoded twice (a frozen encoder): change over texture decides.
    captured = camera(picture, seed=5)
    return [
        (
            ImageFault.color_cast,
            "color_cast_drift",
            camera(gains(picture, 0.8, 1.2, 0.8)),
            reference,
            False,
        ),
        (
            ImageFault.occlusion,
            "occlusion_area",
            camera(cv2.GaussianBlur(covered, (0, 0), 2)),
            reference,
            False,
        ),
        (ImageFault.scene_change, "scene_match", camera(photo("coffee")), reference, True),
        (
            ImageFault.frozen,
            "frozen_change",
            jpeg(osd(captured, clock=300), 78),
            sample(jpeg(osd(captured, clock=0), 80)),
            True,
        ),
    ]


@pytest.mark.parametrize(("fault", "field", "frame", "other", "below"), _boundary_cases())
def test_each_comparing_detector_flips_exactly_at_its_threshold(
    fault: ImageFault, field: str, frame: np.ndarray, other: Sample, below: bool
) -> None:
    role = "previous" if fault is ImageFault.frozen else "reference"

    def judged(**overrides: float) -> FaultCheck:
        thresholds = DEFAULTS.model_copy(update=overrides)
        return diagnose(frame, thresholds, **{role: other}).check(fault)

    value = judged().value
    assert value is not None
    step = abs(value) * 0.01 + 1e-3
    worse, better = (value + step, value - step) if below else (value - step, value + step)
    on, off = judged(**{field: worse}), judged(**{field: better})
    assert on.detected and on.score >= 1.0
    assert not off.detected and off.score < 1.0


def test_a_4k_frame_is_judged_like_its_1080p_copy() -> None:
    big = camera(photo("chelsea", size=(3840, 2160)), sigma=8)
    half = cv2.resize(big, (1920, 1080), interpolation=cv2.INTER_AREA)
    at_4k, at_1080 = run(big), run(half)
    assert at_4k.faults == at_1080.faults
    for fault in (ImageFault.noise, ImageFault.blur, ImageFault.too_dark):
        value_4k, value_1080 = at_4k.check(fault).value, at_1080.check(fault).value
        assert value_4k is not None and value_1080 is not None
        assert value_4k == pytest.approx(value_1080, rel=0.1)


@pytest.mark.parametrize(("scene", "sigma"), [("astronaut", 5), ("coffee", 3), ("camera", 5)])
def test_a_badly_defocused_view_is_blur_not_an_occlusion(scene: str, sigma: float) -> None:
    picture = photo(scene)
    reference = sample(camera(picture, seed=2))
    found = run(camera(cv2.GaussianBlur(picture, (0, 0), sigma)), reference).faults
    assert found == (ImageFault.blur,)


@pytest.mark.parametrize("gain", [2.5, 5.0])
def test_overexposed_grass_is_not_noise(gain: float) -> None:
    """Clipped grass blades make sharp edges in every bright block: they are not noise."""
    picture = camera(exposure(photo("grass"), gain), sigma=1.5)
    assert ImageFault.noise not in run(picture).faults


def test_a_noisy_overexposed_view_is_still_noise() -> None:
    picture = camera(exposure(photo(), 2.0), sigma=12)
    assert ImageFault.noise in run(picture).faults


def _with_stripes(image: np.ndarray, amplitude: float, period: float = 14.0) -> np.ndarray:
    x = np.arange(image.shape[1], dtype=np.float32)
    wave = amplitude * np.sin(x * 2 * np.pi / period)[None, :, None]
    return np.clip(image + wave, 0, 255).astype(np.uint8)


def test_strong_stripes_are_stripes_not_blur_nor_a_colour_cast() -> None:
    """Wide strong bars over a soft view (a cat's fur): their edges change the contrast that
    sharpness is judged against."""
    picture = photo("chelsea")
    reference = sample(camera(picture, seed=2))
    diagnosis = run(camera(_with_stripes(picture, 40, period=25)), reference)
    assert diagnosis.check(ImageFault.stripes).score >= 1.5
    assert diagnosis.faults == (ImageFault.stripes,)
    assert diagnosis.check(ImageFault.blur).note == "explained by strong stripes"


def test_a_defocused_view_under_weak_stripes_is_still_blur() -> None:
    picture = cv2.GaussianBlur(photo(), (0, 0), 5)
    found = run(camera(_with_stripes(picture, 4))).faults
    assert ImageFault.blur in found
