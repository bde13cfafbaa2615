"""Picture diagnosis (run 10): a colour drift across the blue-amber axis (green or magenta, as a
stuck IR-cut filter or a failed channel gives) counts more than one along it (daylight, lamps,
auto white balance); strong noise explains a colour drift; levels plainly compressed towards
white are snow however much of a white sky clipped.  At the boundaries, against the healthy
twins, and as properties of the measure."""

from __future__ import annotations

import numpy as np
import pytest

from camhealth.health import measures as m
from camhealth.health import quality as q
from camhealth.health.quality import ImageFault
from camhealth.health.thresholds import QualityThresholds
from tests.health.quality_pictures import camera, exposure, photo
from tests.health.test_quality_against_reference import run, sample
from tests.health.test_quality_hard_cases import gains
from tests.health.test_quality_run9 import snowy

DEFAULTS = QualityThresholds()
WEIGHT = DEFAULTS.color_cast_across_weight
# Log-gain per channel (linear light) of the shifts below: about 15 hundredths of drift
# once the camera's gamma has scaled it, between color_cast_drift / WEIGHT and the bar.
STEP = 0.22


def shifted(picture: np.ndarray, blue: float, red: float) -> np.ndarray:
    return gains(picture, float(np.exp(blue)), 1.0, float(np.exp(red)))


def grid(offset: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Reference cells of spread colours, and the same cells moved by ``offset``."""
    rng = np.random.default_rng(3)
    before = rng.uniform(-0.3, 0.3, (9, 16, 2)).astype(np.float32)
    return before + np.float32(offset), before


def test_the_weight_is_a_lower_bar_across_the_axis() -> None:
    assert WEIGHT > 1
    assert DEFAULTS.color_cast_drift / WEIGHT < DEFAULTS.color_cast_drift


@pytest.mark.parametrize("weight", [1.0, 1.5, 2.0])
def test_along_the_axis_the_drift_ignores_the_weight_and_across_it_is_multiplied(
    weight: float,
) -> None:
    amber = m.chroma_drift(*grid((-0.08, 0.08)), weight).value
    magenta = m.chroma_drift(*grid((0.08, 0.08)), weight).value
    assert amber == pytest.approx(100 * 0.08 * np.sqrt(2), rel=1e-3)
    assert magenta == pytest.approx(weight * amber, rel=1e-3)


def test_an_unweighted_drift_is_the_offset_length_whatever_its_direction() -> None:
    lengths = [m.chroma_drift(*grid(o)).value for o in ((0.1, 0.0), (0.0, -0.1), (0.06, 0.08))]
    assert lengths == pytest.approx([10.0, 10.0, 10.0], rel=1e-3)


@pytest.mark.parametrize("scene", ["astronaut", "chelsea"])
def test_a_magenta_cast_is_found_where_the_same_amber_shift_is_other_light(scene: str) -> None:
    picture = photo(scene)
    reference = sample(camera(picture, seed=2))
    magenta = run(camera(shifted(picture, STEP, STEP)), reference)
    amber = run(camera(shifted(picture, -STEP, STEP)), reference)
    assert ImageFault.color_cast in magenta.faults
    assert ImageFault.color_cast not in amber.faults
    # Unweighted, the magenta cast is under the bar: only the weight finds it.
    plain = run(camera(shifted(picture, STEP, STEP)), reference, color_cast_across_weight=1.0)
    assert ImageFault.color_cast not in plain.faults


def test_a_green_cast_flips_exactly_at_the_bar() -> None:
    picture = photo()
    reference = sample(camera(picture, seed=2))
    green = camera(shifted(picture, -STEP, -STEP))
    value = run(green, reference).check(ImageFault.color_cast).value
    assert value is not None
    assert ImageFault.color_cast in run(green, reference, color_cast_drift=value - 0.01).faults
    assert ImageFault.color_cast not in run(green, reference, color_cast_drift=value + 0.01).faults


def test_a_small_shift_across_the_axis_stays_healthy() -> None:
    picture = photo()
    reference = sample(camera(picture, seed=2))
    slight = run(camera(shifted(picture, STEP / 3, STEP / 3)), reference)
    assert ImageFault.color_cast not in slight.faults


def test_strong_noise_explains_a_colour_drift_and_without_it_the_cast_is_found() -> None:
    picture = photo("coffee")
    reference = sample(camera(picture, seed=2))
    cast = shifted(picture, 2 * STEP, 2 * STEP)
    assert ImageFault.color_cast in run(camera(cast), reference).faults
    noisy = run(camera(cast, sigma=24.0), reference)
    assert ImageFault.noise in noisy.faults
    check = noisy.check(ImageFault.color_cast)
    assert not check.detected and check.note == "explained by noise"


# --- too_bright: levels plainly compressed towards white are snow, however much clipped -------


@pytest.mark.parametrize("lift", [0.45, 0.55])
def test_a_clip_over_twice_the_bar_is_snow_only_under_the_snow_slope(lift: float) -> None:
    picture = photo("astronaut", (640, 360))
    reference = sample(camera(picture, seed=2))
    frame = camera(snowy(picture, lift))
    value = run(frame, reference).check(ImageFault.too_bright).value
    assert value is not None
    check = run(frame, reference, bright_clipped_fraction=value / 2.05).check(ImageFault.too_bright)
    assert check.detected == (lift >= q.SNOW_GAIN)


def test_an_overexposed_twin_of_the_snow_is_too_bright() -> None:
    picture = photo("astronaut", (640, 360))
    reference = sample(camera(picture, seed=2))
    snow = run(camera(snowy(picture, 0.35)), reference).check(ImageFault.too_bright)
    assert not snow.detected and snow.note.startswith("levels lifted")
    bright = run(camera(exposure(picture, 3.0)), reference).check(ImageFault.too_bright)
    assert bright.detected
