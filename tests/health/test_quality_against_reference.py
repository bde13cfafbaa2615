"""Picture diagnosis against the reference picture (run 7): stripes judged on what the picture
gained since the reference, overexposure of scenes with nothing to clip (a clipped colour
channel, the exposure gain), occluders over a featureless surface, and the faults that explain
others away (a changed view its colours, an occluder the blur).  Each at its boundary, on its
hard negatives, and as properties: small noise barely moves the scores, and no detector fires
on its own fault's healthy twin."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camhealth.health.quality import FrameDiagnosis, ImageFault, diagnose
from camhealth.health.sequence import Sample, exposure_gain, sample_of, stripes_against
from camhealth.health.thresholds import QualityThresholds
from camhealth.health.views import views
from tests.health.quality_pictures import SIZE, camera, defocus, exposure, fog, night_ir, photo

DEFAULTS = QualityThresholds()


def run(image: np.ndarray, reference: Sample | None = None, **overrides: float) -> FrameDiagnosis:
    return diagnose(image, DEFAULTS.model_copy(update=overrides), reference=reference)


def sample(image: np.ndarray) -> Sample:
    return sample_of(views(image))


def wide_bars(image: np.ndarray, amplitude: float, period: float = 0.06) -> np.ndarray:
    """Interference of a period of ``period`` of the width, slanted at 30 degrees."""
    height, width = image.shape[:2]
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    angle = np.pi / 6
    wave = np.sin((x * np.cos(angle) + y * np.sin(angle)) * 2 * np.pi / (period * width))
    return np.asarray(np.clip(image + amplitude * wave[..., None], 0, 255), np.uint8)


def hedge(seed: int = 7) -> np.ndarray:
    """Green leaves, no highlights: overexposed, the green channel clips long before white."""
    rng = np.random.default_rng(seed)
    height, width = SIZE[1], SIZE[0]
    texture = cv2.GaussianBlur(rng.uniform(0.5, 1.0, (height, width)).astype(np.float32), (0, 0), 1)
    colour = np.array([80, 170, 45], np.float32)  # BGR
    return np.asarray(np.clip(texture[..., None] * colour, 0, 255), np.uint8)


def surface(seed: int = 3, shading: float = 0.0) -> np.ndarray:
    """A grey, fine-grained surface with nothing to clip (the moon; a concrete wall), with
    ``shading`` grey levels of large-scale light and dark (craters, stains)."""
    rng = np.random.default_rng(seed)

    def field(size: float) -> np.ndarray:
        noise = rng.normal(0, 1, (SIZE[1], SIZE[0])).astype(np.float32)
        smooth = cv2.GaussianBlur(noise, (0, 0), size)
        return np.asarray(smooth / smooth.std(), np.float32)

    level = 105 + shading * field(20) + 6 * field(1.5)
    return np.asarray(np.clip(np.repeat(level[..., None], 3, axis=2), 0, 255), np.uint8)


def snow(image: np.ndarray, lift: float = 0.4) -> np.ndarray:
    """A snowy day: the tones lifted towards white, contrast squeezed."""
    return (255 - (255 - image.astype(np.float32)) * lift).astype(np.uint8)


# --- stripes against the reference -----------------------------------------------------------


def test_wide_bars_hidden_among_the_scene_are_found_against_the_reference() -> None:
    picture = photo("astronaut")
    reference = sample(camera(picture, seed=2))
    striped = wide_bars(picture, 12)
    alone = run(camera(striped)).check(ImageFault.stripes)
    check = run(camera(striped), reference).check(ImageFault.stripes)
    assert check.detected and check.measure == "stripe_peak_gained"
    # The same picture judged on its own spectrum: the bars hide among the scene's strong low
    # frequencies, which is why the reference is used.
    assert alone.value is not None and check.score > alone.score
    assert ImageFault.stripes not in run(camera(picture, seed=4), reference).faults


def test_stripes_against_the_reference_flip_at_their_threshold() -> None:
    picture = photo("coffee")
    reference = sample(camera(picture, seed=2))
    frame = camera(wide_bars(picture, 8))
    value = run(frame, reference).check(ImageFault.stripes).value
    assert value is not None
    step = value * 0.01
    assert (
        run(frame, reference, stripes_gained_peak=value - step).check(ImageFault.stripes).detected
    )
    off = run(frame, reference, stripes_gained_peak=value + step).check(ImageFault.stripes)
    assert not off.detected and off.score < 1.0


def test_a_scene_pattern_changed_by_blur_is_not_interference() -> None:
    """Bricks or a railing: blurred, relit or partly covered, the residue is at the scene's own
    frequency, where the reference has a peak too."""
    x = np.arange(SIZE[0], dtype=np.float32)
    railing = np.clip(photo() + 30 * np.sin(x * 2 * np.pi / 9)[None, :, None], 0, 255)
    railing = railing.astype(np.uint8)
    reference = sample(camera(railing, seed=2))
    for changed in (defocus(railing, 2), exposure(railing, 0.6), fog(railing, 0.6)):
        assert ImageFault.stripes not in run(camera(changed), reference).faults


@pytest.mark.parametrize(
    "look",
    [
        lambda p: night_ir(p),
        lambda p: fog(p),
        lambda p: snow(p),
        lambda p: exposure(p, 0.4),
        lambda p: exposure(p, 1.6),
    ],
    ids=["night_ir", "fog", "snow", "dusk", "brighter_day"],
)
def test_light_weather_and_night_gain_no_pattern(look) -> None:  # type: ignore[no-untyped-def]
    picture = photo("chelsea")
    reference = sample(camera(picture, seed=2))
    gained, _ = stripes_against(sample(camera(look(picture))), reference)
    assert gained.known and gained.value < DEFAULTS.stripes_gained_peak


def test_gained_stripes_barely_move_under_small_noise() -> None:
    picture = wide_bars(photo("rocket"), 12)
    reference = sample(camera(photo("rocket"), seed=2))
    values = [
        stripes_against(sample(camera(picture, seed=seed, sigma=1.5)), reference)[0].value
        for seed in range(4)
    ]
    assert max(values) - min(values) < 0.1 * DEFAULTS.stripes_gained_peak
    assert min(values) > DEFAULTS.stripes_gained_peak


# --- too_bright: a clipped colour channel, and the exposure gain -------------------------------


def test_an_overexposed_hedge_clips_its_green_not_its_luminance() -> None:
    leaves = hedge()
    bright = camera(exposure(leaves, 6.0))
    check = run(bright).check(ImageFault.too_bright)
    assert check.detected and check.measure == "channel_clipped_fraction"
    luminance = run(bright, bright_channel_clipped_fraction=1.0).check(ImageFault.too_bright)
    assert not luminance.detected  # the old measure alone missed it
    assert ImageFault.too_bright not in run(camera(leaves)).faults


def test_channel_clipping_flips_at_its_threshold() -> None:
    frame = camera(exposure(hedge(), 6.0))
    value = run(frame).check(ImageFault.too_bright).value
    assert value is not None
    on = run(frame, bright_channel_clipped_fraction=value - 0.01).check(ImageFault.too_bright)
    off = run(frame, bright_channel_clipped_fraction=value + 0.01).check(ImageFault.too_bright)
    assert on.detected and not off.detected


def test_a_bright_colourful_day_is_not_overexposed() -> None:
    """Other light (x1.4) on a colourful scene clips a channel here and there: under the bar."""
    for scene in ("astronaut", "coffee", "chelsea"):
        assert ImageFault.too_bright not in run(camera(exposure(photo(scene), 1.4))).faults


def test_a_surface_with_nothing_to_clip_overexposed_is_found_by_its_gain() -> None:
    grey = surface(shading=15)
    reference = sample(camera(grey, seed=2))
    bright = camera(exposure(grey, 3.0))
    check = run(bright, reference).check(ImageFault.too_bright)
    assert check.detected and check.measure == "exposure_gain"
    assert ImageFault.too_bright not in run(bright).faults  # without a reference: no clue


@pytest.mark.parametrize(
    "look",
    [lambda p: snow(p, 0.4), lambda p: snow(p, 0.3), lambda p: fog(p, 0.3)],
    ids=["snow", "deep_snow", "fog"],
)
def test_snow_and_fog_lift_the_levels_and_are_not_overexposure(look) -> None:  # type: ignore[no-untyped-def]
    for scene in (surface(shading=15), photo("chelsea"), hedge()):
        reference = sample(camera(scene, seed=2))
        lifted = camera(look(scene))
        gain = exposure_gain(sample(lifted), reference)
        assert not gain.known or gain.value < 1.0
        assert ImageFault.too_bright not in run(lifted, reference).faults


def test_the_exposure_gain_flips_at_its_threshold_and_needs_a_bright_picture() -> None:
    grey = surface(shading=15)
    reference = sample(camera(grey, seed=2))
    frame = camera(exposure(grey, 3.0))
    value = run(frame, reference).check(ImageFault.too_bright).value
    assert value is not None
    assert (
        run(frame, reference, bright_exposure_gain=value - 0.02)
        .check(ImageFault.too_bright)
        .detected
    )
    assert (
        not run(frame, reference, bright_exposure_gain=value + 0.02)
        .check(ImageFault.too_bright)
        .detected
    )
    # The same gain on a dim picture (a dusk reference, a normal day) is daylight, not a fault.
    dim = sample(camera(exposure(grey, 0.2), seed=2))
    assert ImageFault.too_bright not in run(camera(grey), dim).faults


def test_the_exposure_gain_barely_moves_under_small_noise() -> None:
    grey = surface(shading=15)
    reference = sample(camera(grey, seed=2))
    gains = [
        exposure_gain(sample(camera(exposure(grey, 3.0), seed=seed)), reference).value
        for seed in range(4)
    ]
    assert max(gains) - min(gains) < 0.05


def test_another_view_has_no_exposure_gain() -> None:
    reference = sample(camera(photo("astronaut"), seed=2))
    other = sample(camera(exposure(photo("rocket"), 3.0)))
    assert not exposure_gain(other, reference).known


# --- occlusion over a featureless surface, and what explains what ------------------------------


def occluded(image: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    covered = image.copy()
    cv2.ellipse(covered, (0, SIZE[1] // 2), (130, 110), 0, 0, 360, colour, -1)
    return cv2.GaussianBlur(covered, (0, 0), 2)


def test_a_slate_occluder_over_a_grey_surface_is_an_occlusion() -> None:
    """Only 0.55-0.6 as bright as the surface and no texture to lose: the moon's case."""
    grey = surface()
    reference = sample(camera(grey, seed=2))
    check = run(camera(occluded(grey, (62, 62, 58))), reference).check(ImageFault.occlusion)
    assert check.detected and check.region is not None and check.region.x == 0
    assert ImageFault.occlusion not in run(camera(grey, seed=5), reference).faults
    # 0.7 as bright as the surface: not clearly dark, and a flat patch is all the surface has.
    lighter = run(camera(occluded(grey, (74, 74, 74))), reference)
    assert ImageFault.occlusion not in lighter.faults


@pytest.mark.parametrize("transmission", [0.3, 0.5])
def test_fog_over_a_grey_surface_is_not_an_occlusion(transmission: float) -> None:
    grey = surface()
    reference = sample(camera(grey, seed=2))
    assert ImageFault.occlusion not in run(camera(fog(grey, transmission)), reference).faults


def test_an_occlusion_explains_the_blur_it_causes() -> None:
    picture = photo("chelsea")
    reference = sample(camera(picture, seed=2))
    diagnosis = run(camera(occluded(picture, (30, 30, 35))), reference)
    assert ImageFault.occlusion in diagnosis.faults
    blur = diagnosis.check(ImageFault.blur)
    # The soft outline and the hidden edges read as blur; the occluder explains them.
    assert blur.score >= 1.0 and not blur.detected and blur.note == "explained by occlusion"


def test_a_changed_view_is_not_also_a_colour_cast() -> None:
    """Turned to a hedge: without a view to compare with, a green scene would look cast."""
    reference = sample(camera(photo("astronaut"), seed=2))
    diagnosis = run(camera(hedge()), reference)
    assert ImageFault.scene_change in diagnosis.faults
    assert ImageFault.color_cast not in diagnosis.faults
