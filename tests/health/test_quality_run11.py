"""Picture diagnosis (run 11): a colour drift is only the offset that no plausible scale of
the colours explains (a scene of one saturated colour barely tells its scale), and a soft
picture that kept little of its reference's fine detail is blurred, where fine texture
everywhere keeps its own edge sharpness over the bar.  At the boundaries, against the healthy
twins, and as properties of the measures."""

from __future__ import annotations

import numpy as np
import pytest

from camhealth.health import measures as m
from camhealth.health.quality import ImageFault
from camhealth.health.sequence import sharpness_kept
from camhealth.health.thresholds import QualityThresholds
from tests.health.quality_pictures import camera, defocus, exposure, fog, photo
from tests.health.test_quality_against_reference import run, sample

DEFAULTS = QualityThresholds()
WEIGHT = DEFAULTS.color_cast_across_weight
DOUBT = DEFAULTS.color_cast_scale_doubt
GRAVEL = (640, 360)


def spread_cells(seed: int = 3) -> np.ndarray:
    """Reference cells of many colours (as test_quality_run10.grid)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(-0.3, 0.3, (9, 16, 2)).astype(np.float32)


def hedge_cells(seed: int = 4) -> np.ndarray:
    """Reference cells of one saturated green, close to each other (the procedural foliage:
    about 1.45 from grey, a spread of about 0.13)."""
    rng = np.random.default_rng(seed)
    centre = np.float32([-0.6, -1.3])
    return (centre + rng.normal(0, 0.09, (9, 16, 2))).astype(np.float32)


def noisy(cells: np.ndarray, sigma: float = 0.02, seed: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (cells + rng.normal(0, sigma, cells.shape)).astype(np.float32)


def test_the_defaults_doubt_the_scale_and_weigh_the_green_magenta_part_more() -> None:
    assert DOUBT > 0
    assert WEIGHT > 1.3  # run 10's weight, which the doubt allows raising
    assert DEFAULTS.blur_max_sharpness < DEFAULTS.blur_soft_sharpness < 1


@pytest.mark.parametrize("offset", [(0.1, 0.0), (0.0, -0.1), (0.06, 0.08), (-0.08, 0.08)])
def test_a_pure_offset_of_many_colours_is_the_same_drift_with_or_without_doubt(
    offset: tuple[float, float],
) -> None:
    before = spread_cells()
    now = before + np.float32(offset)
    plain = m.chroma_drift(now, before, WEIGHT).value
    doubted = m.chroma_drift(now, before, WEIGHT, DOUBT).value
    # Every cell moved alike: the scale is pinned (no residual), nothing to doubt.
    assert doubted == pytest.approx(plain, rel=1e-3)


@pytest.mark.parametrize("seed", range(4))
def test_doubt_never_raises_the_drift(seed: int) -> None:
    rng = np.random.default_rng(seed)
    before = hedge_cells(seed) if seed % 2 else spread_cells(seed)
    now = noisy(before * rng.uniform(0.85, 1.05) + rng.uniform(-0.1, 0.1, 2).astype(np.float32))
    values = [m.chroma_drift(now, before, WEIGHT, doubt).value for doubt in (0.0, 1.0, 4.0, 8.0)]
    assert values == sorted(values, reverse=True)


def test_a_hedge_shrunk_towards_grey_is_no_cast_once_its_scale_is_doubted() -> None:
    """Fog or blur over a hedge: its colours 8% nearer grey, the cells not quite alike.  The
    fitted scale of clustered cells is noise, and the offset takes the rest of the shrink."""
    before = hedge_cells()
    now = noisy(before * 0.92)
    undoubted = m.chroma_drift(now, before, WEIGHT).value
    doubted = m.chroma_drift(now, before, WEIGHT, DOUBT).value
    assert doubted < DEFAULTS.color_cast_drift / 2
    assert doubted < undoubted


def test_a_cast_across_a_hedges_colour_is_still_found_with_doubt() -> None:
    """No scale moves the hedge's colour sideways: a cast at right angles to it stays whole."""
    before = hedge_cells()
    green = before.reshape(-1, 2).mean(axis=0)
    sideways = np.float32([-green[1], green[0]]) / np.float32(np.hypot(*green))
    now = noisy(before + 0.2 * sideways)
    assert m.chroma_drift(now, before, WEIGHT, DOUBT).value >= DEFAULTS.color_cast_drift


@pytest.mark.parametrize("scene", ["astronaut", "chelsea"])
def test_a_healthy_other_exposure_of_a_photograph_is_no_cast_and_a_magenta_cast_is(
    scene: str,
) -> None:
    from tests.health.test_quality_run10 import STEP, shifted

    picture = photo(scene)
    reference = sample(camera(picture, seed=2))
    assert ImageFault.color_cast not in run(camera(exposure(picture, 0.7)), reference).faults
    magenta = run(camera(shifted(picture, STEP, STEP)), reference)
    assert ImageFault.color_cast in magenta.faults


def test_sharpness_kept_is_one_for_the_same_view_and_falls_with_defocus() -> None:
    picture = photo("gravel", GRAVEL)
    reference = sample(camera(picture, seed=2))
    same = sharpness_kept(sample(camera(picture, seed=5)), reference).value
    kept = [sharpness_kept(sample(camera(defocus(picture, r))), reference).value for r in (2, 4, 6)]
    assert same == pytest.approx(1.0, abs=0.05)
    assert kept == sorted(kept, reverse=True)
    assert kept[1] < DEFAULTS.blur_kept_sharpness


@pytest.mark.parametrize("transmission", [0.3, 0.5, 0.7])
def test_fog_keeps_the_fine_detail_relative_to_the_coarse(transmission: float) -> None:
    picture = photo("gravel", GRAVEL)
    reference = sample(camera(picture, seed=2))
    foggy = camera(fog(picture, transmission))
    assert sharpness_kept(sample(foggy), reference).value > 0.9
    assert ImageFault.blur not in run(foggy, reference).faults


def test_sharpness_kept_is_unknown_for_a_flat_reference() -> None:
    flat = np.full((180, 320, 3), 128, np.uint8)
    assert not sharpness_kept(sample(camera(photo())), sample(flat)).known


@pytest.mark.parametrize("scene", ["gravel", "grass"])
def test_defocused_fine_texture_is_blurred_against_its_reference_only(scene: str) -> None:
    """Fine texture everywhere keeps its edge sharpness over the bar when defocused (0.53-0.57
    here); against the reference it kept under three quarters of its fine detail."""
    picture = photo(scene, GRAVEL)
    reference = sample(camera(picture, seed=2))
    soft = camera(defocus(picture, 4))
    check = run(soft, reference).check(ImageFault.blur)
    assert check.value is not None
    assert DEFAULTS.blur_max_sharpness < check.value < DEFAULTS.blur_soft_sharpness
    assert check.detected
    assert "reference's fine detail" in check.note
    assert ImageFault.blur not in run(soft).faults
    assert ImageFault.blur not in run(camera(picture, seed=7), reference).faults


def test_the_kept_detail_rule_flips_at_its_bars() -> None:
    picture = photo("gravel", GRAVEL)
    reference = sample(camera(picture, seed=2))
    soft = camera(defocus(picture, 4))
    kept = sharpness_kept(sample(soft), reference).value
    sharpness = run(soft).check(ImageFault.blur).value
    assert sharpness is not None
    above, below = kept + 0.01, kept - 0.01
    assert ImageFault.blur in run(soft, reference, blur_kept_sharpness=above).faults
    assert ImageFault.blur not in run(soft, reference, blur_kept_sharpness=below).faults
    # A picture sharp enough by its own edges is not judged against the reference.
    assert ImageFault.blur not in run(soft, reference, blur_soft_sharpness=sharpness - 0.01).faults


def test_a_view_that_moved_is_not_judged_for_blur_against_the_reference() -> None:
    """Another view's fine detail says nothing of this one's focus."""
    picture = photo("gravel", GRAVEL)
    other = sample(camera(photo("astronaut", GRAVEL), seed=2))
    soft = camera(defocus(picture, 4))
    diagnosis = run(soft, other)
    assert ImageFault.scene_change in diagnosis.faults
    assert ImageFault.blur not in diagnosis.faults
