"""Picture diagnosis (run 12): a colour channel clipped where the reference was already white or
nearly is not overexposure (a cast over a white sky or a lit ceiling clips one channel there);
a cell is only covered when it is darker than it was (fog and snow lift a dark scene far more
than its white sky, which then looks darkened relative to the rest); a picture under the blur
bar that kept its reference's fine detail is as soft as the scene is (water), not defocused.
At the boundaries, against the healthy twins, and as properties of the measures."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camhealth.health import quality
from camhealth.health.quality import ImageFault, _darkened, healthy_brightening
from camhealth.health.sequence import NEAR_WHITE, near_white_share, sharpness_kept
from camhealth.health.thresholds import QualityThresholds
from tests.health.quality_pictures import SIZE, camera, defocus, exposure, fog, photo
from tests.health.test_quality_against_reference import occluded, run, sample

DEFAULTS = QualityThresholds()
WIDTH, HEIGHT = SIZE


def field(seed: int, size: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (HEIGHT, WIDTH)).astype(np.float32), (0, 0), size)
    return np.asarray(noise / noise.std(), np.float32)


def white_wall_room(white: float = 0.45, seed: int = 3) -> np.ndarray:
    """A bright indoor view: a white wall (lit ceiling, a white sky) over the left ``white`` of
    the picture, grey textured furniture and floor at about 185 over the rest (BGR)."""
    level = 185 + 18 * field(seed, 12) + 6 * field(seed + 1, 1.5)
    image = np.repeat(np.clip(level, 0, 255)[..., None], 3, axis=2)
    image[:, : int(white * WIDTH)] = 247
    return np.asarray(image, np.uint8)


def cast(image: np.ndarray, gains: tuple[float, float, float]) -> np.ndarray:
    """White balance gone wrong (BGR gains), in linear light."""
    linear = (image.astype(np.float32) / 255) ** 2.2 * np.float32(gains)
    return np.asarray(np.clip(linear, 0, 1) ** (1 / 2.2) * 255, np.uint8)


AMBER = (0.85, 1.0, 1.2)


def test_near_white_share_counts_the_thumbnail_at_the_top_of_the_range() -> None:
    assert near_white_share(sample(white_wall_room(0.45))) == pytest.approx(0.45, abs=0.03)
    assert near_white_share(sample(white_wall_room(0.0))) < 0.01
    assert NEAR_WHITE < 250  # nearly white counts, not only clipped


def test_a_cast_over_a_white_wall_clips_a_channel_that_the_reference_explains() -> None:
    """The red channel clips over the whole white wall (45% of the view) and the luminance
    nowhere: without a reference that is overexposure, against it the wall was white."""
    room = white_wall_room()
    reference = sample(camera(room, seed=2))
    amber = camera(cast(room, AMBER))
    alone = run(amber).check(ImageFault.too_bright)
    assert alone.detected and alone.measure == "channel_clipped_fraction"
    against = run(amber, reference)
    assert ImageFault.too_bright not in against.faults
    check = against.check(ImageFault.too_bright)
    assert check.measure == "clipped_fraction"  # the channel rule did not fire
    # And the healthy same view is no overexposure either way.
    assert ImageFault.too_bright not in run(camera(room, seed=5), reference).faults


def test_an_overexposed_view_of_the_white_wall_is_still_too_bright() -> None:
    """Overexposure clips far beyond what the reference had near white."""
    room = white_wall_room()
    reference = sample(camera(room, seed=2))
    assert ImageFault.too_bright in run(camera(exposure(room, 2.5)), reference).faults


def test_the_channel_rule_against_the_reference_flips_at_its_bar(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What counts is the channel share beyond the reference's near-white share: a strong
    red cast clips the white wall (30%) and the brightest furniture besides.  Since run 13
    the channel rule only counts when the light brightened the picture more than healthy
    light does (under healthy light a channel clipped alone is a colour change): here no
    brightening is taken for healthy."""
    monkeypatch.setattr(quality, "HEALTHY_BRIGHTENING", 0.0)
    room = white_wall_room(0.30)
    reference = sample(camera(room, seed=2))
    red = camera(cast(room, (0.8, 1.0, 1.6)))
    alone = run(red).check(ImageFault.too_bright)
    channels = run(red, bright_clipped_fraction=1.0).check(ImageFault.too_bright).value
    assert channels is not None and alone.detected
    assert healthy_brightening(sample(red), reference) is None
    beyond = channels - near_white_share(reference)
    assert 0.02 < beyond < DEFAULTS.bright_channel_clipped_fraction
    only = {"bright_clipped_fraction": 1.0, "bright_exposure_gain": 10.0}
    on = run(red, reference, bright_channel_clipped_fraction=beyond - 0.01, **only)
    off = run(red, reference, bright_channel_clipped_fraction=beyond + 0.01, **only)
    assert ImageFault.too_bright in on.faults
    assert ImageFault.too_bright not in off.faults


def sky_over_dark_ground(seed: int = 4) -> np.ndarray:
    """A flat white-grey sky over the top third, dark textured ground below (a valley at
    dusk, the temple's roofs under a white sky)."""
    level = 45 + 10 * field(seed, 6) + 8 * field(seed + 1, 1.2)
    image = np.repeat(np.clip(level, 0, 255)[..., None], 3, axis=2)
    image[: HEIGHT // 3] = 200
    return np.asarray(image, np.uint8)


@pytest.mark.parametrize("transmission", [0.35, 0.5])
def test_fog_over_a_white_sky_is_not_an_occlusion(transmission: float) -> None:
    """Fog lifts the dark ground three times and the sky barely: the sky cells fall under
    0.6 of the typical change (darkened relative to the rest), yet none got darker."""
    scene = sky_over_dark_ground()
    reference = sample(camera(scene, seed=2))
    foggy = camera(fog(scene, transmission))
    now = sample(foggy)
    relative = _darkened(now, reference)
    assert relative.mean() >= DEFAULTS.occlusion_area  # the old rule's patch: the whole sky
    assert not (relative & (now.level < reference.level)).any()
    assert ImageFault.occlusion not in run(foggy, reference).faults


def test_a_dark_occluder_in_fog_or_under_more_light_is_still_an_occlusion() -> None:
    """An object at the lens is darker than what it covers, even when the exposure rose."""
    scene = sky_over_dark_ground()
    reference = sample(camera(scene, seed=2))
    for look in (fog(scene, 0.5), exposure(scene, 1.8)):
        covered = camera(occluded(look, (20, 22, 25)))
        assert ImageFault.occlusion in run(covered, reference).faults


# --- a picture as soft as its reference ---------------------------------------------------------


def soft_scene() -> np.ndarray:
    """A scene soft by nature (water, mist): a photograph with no sharp edge left."""
    return defocus(photo("chelsea"), 3)


def test_a_scene_as_soft_as_its_reference_is_not_blurred() -> None:
    scene = soft_scene()
    reference = sample(camera(scene, seed=2))
    now = camera(scene, seed=5)
    alone = run(now).check(ImageFault.blur)
    assert alone.detected  # under the bar by its own edges
    check = run(now, reference).check(ImageFault.blur)
    assert not check.detected and "as soft as its reference" in check.note
    kept = sharpness_kept(sample(now), reference)
    assert kept.value >= DEFAULTS.blur_as_reference


def test_defocus_against_a_sharp_reference_is_still_blurred() -> None:
    picture = photo("chelsea")
    reference = sample(camera(picture, seed=2))
    soft = camera(defocus(picture, 3))
    assert sharpness_kept(sample(soft), reference).value < DEFAULTS.blur_as_reference
    assert ImageFault.blur in run(soft, reference).faults


def test_the_as_soft_as_its_reference_rule_flips_at_its_bar() -> None:
    scene = soft_scene()
    reference = sample(camera(scene, seed=2))
    now = camera(scene, seed=5)
    kept = sharpness_kept(sample(now), reference).value
    assert ImageFault.blur not in run(now, reference, blur_as_reference=kept - 0.01).faults
    assert ImageFault.blur in run(now, reference, blur_as_reference=kept + 0.01).faults
