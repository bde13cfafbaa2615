"""Picture diagnosis (run 13): white clipped where the reference's own bright parts would clip
under the brightening that healthy light gives (a window wall, a pale sky) is not
overexposure, unless the picture's median is near white; a nearly uniform picture whose edges
still match the reference's view is that view too dark, not a blank screen.  At the
boundaries, against the healthy twins, and as properties of the measures."""

from __future__ import annotations

import numpy as np
import pytest

from camhealth.health import measures as m
from camhealth.health import quality
from camhealth.health.quality import (
    HEALTHY_BRIGHTENING,
    VIEW_SHOWN,
    WHITE_MEDIAN,
    ImageFault,
    healthy_brightening,
)
from camhealth.health.sequence import brightening, near_white_share
from camhealth.health.thresholds import QualityThresholds
from camhealth.health.views import views
from tests.health.quality_pictures import SIZE, camera, exposure, flat
from tests.health.test_quality_against_reference import run, sample, surface
from tests.health.test_quality_run12 import cast, field

DEFAULTS = QualityThresholds()
WIDTH, HEIGHT = SIZE


def window_room(
    window: float = 243.0, share: float = 0.12, room: float = 185.0, seed: int = 3
) -> np.ndarray:
    """An office with a window wall: the left ``share`` of the view a bright daylight view at
    ``window`` (not clipped), grey textured desks and carpet at about ``room`` over the rest."""
    level = room + 14 * field(seed, 12) + 5 * field(seed + 1, 1.5)
    image = np.repeat(np.clip(level, 0, 240)[..., None], 3, axis=2)
    image[:, : int(share * WIDTH)] = window
    return np.asarray(image, np.uint8)


# More light in linear terms: 1.25 multiplies the encoded levels by 1.25 ** (1 / 2.2) = 1.107.
MORE_LIGHT = 1.25


def test_brightening_reads_the_multiplied_bright_cells() -> None:
    room = window_room()
    reference = sample(camera(room, seed=2))
    for gain in (1.0, MORE_LIGHT, 1.6):
        lift = brightening(sample(camera(exposure(room, gain))), reference)
        assert lift.known
        assert lift.value == pytest.approx(gain ** (1 / 2.2), abs=0.02)


def test_brightening_is_unknown_without_bright_cells() -> None:
    dark = np.full((HEIGHT, WIDTH, 3), 60, np.uint8)
    assert not brightening(sample(camera(dark)), sample(camera(dark, seed=2))).known


def test_near_white_share_after_a_gain_counts_what_would_reach_the_level() -> None:
    now = sample(camera(window_room()))
    assert near_white_share(now, 1.0, 250) < 0.01  # the window is bright, not clipped
    assert near_white_share(now, 1.1, 250) == pytest.approx(0.12, abs=0.02)
    expected = float(np.count_nonzero(now.thumb >= 250 / 1.1)) / now.thumb.size
    assert near_white_share(now, 1.1, 250) == expected
    assert near_white_share(now) == near_white_share(now, 1.0, 235)


def test_more_light_over_a_window_wall_clips_what_the_reference_explains() -> None:
    """Healthy brighter light clips the window (12% of the view, over the bar of 7%): without
    a reference that is overexposure, against it the window would clip under that light."""
    room = window_room()
    reference = sample(camera(room, seed=2))
    brighter = camera(exposure(room, MORE_LIGHT))
    alone = run(brighter).check(ImageFault.too_bright)
    assert alone.detected and alone.measure == "clipped_fraction"
    assert alone.value is not None and alone.value >= 0.1
    against = run(brighter, reference).check(ImageFault.too_bright)
    assert not against.detected
    assert against.value is not None and against.value < DEFAULTS.bright_clipped_fraction


def test_the_same_clipping_against_a_dim_window_is_overexposure() -> None:
    """A reference whose window was far from white (200) would clip nothing under healthy
    light: the clipped window is beyond what it explains."""
    reference = sample(camera(window_room(window=200.0), seed=2))
    brighter = camera(exposure(window_room(), MORE_LIGHT))
    assert ImageFault.too_bright in run(brighter, reference).faults


def test_only_healthy_brightening_explains_clipping(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no brightening taken for healthy (1.0), the window that was short of white
    explains nothing and the same view is overexposed: the cap is what keeps it healthy."""
    room = window_room()
    reference = sample(camera(room, seed=2))
    brighter = camera(exposure(room, MORE_LIGHT))
    factor = healthy_brightening(sample(brighter), reference)
    assert factor is not None and 1.05 < factor < HEALTHY_BRIGHTENING
    monkeypatch.setattr(quality, "HEALTHY_BRIGHTENING", factor - 0.01)
    assert healthy_brightening(sample(brighter), reference) is None
    assert ImageFault.too_bright in run(brighter, reference).faults
    monkeypatch.setattr(quality, "HEALTHY_BRIGHTENING", factor + 0.01)
    assert ImageFault.too_bright not in run(brighter, reference).faults


def test_brightening_beyond_healthy_light_explains_nothing() -> None:
    """A dimmer room (160) overexposed by 1.25 in its levels (a linear gain of 1.63): the
    window clips as it would under that light, and the median stays under the white bar,
    but light does not brighten so much: overexposure."""
    room = window_room(room=160.0)
    reference = sample(camera(room, seed=2))
    over = camera(exposure(room, 1.63))
    lift = brightening(sample(over), reference)
    assert lift.known and lift.value > HEALTHY_BRIGHTENING
    assert m.median_level(views(over)).value < WHITE_MEDIAN
    assert ImageFault.too_bright in run(over, reference).faults


def test_a_dimmer_view_explains_no_more_than_the_reference_held() -> None:
    """Less light (brightening under 1) reads the reference as it was, as run 12 did."""
    room = window_room()
    reference = sample(camera(room, seed=2))
    dimmer = sample(camera(exposure(room, 0.8)))
    assert healthy_brightening(dimmer, reference) == 1.0


def test_an_overexposed_window_room_is_too_bright() -> None:
    """Overexposure clips far beyond the window, and pushes the median near white."""
    room = window_room()
    reference = sample(camera(room, seed=2))
    assert ImageFault.too_bright in run(camera(exposure(room, 2.2)), reference).faults


def test_a_median_near_white_is_overexposure_whatever_the_reference_explains(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The brightened window room's clipping is explained by its reference; with the median
    bar at the picture's median it is overexposure after all: the decision flips there."""
    room = window_room()
    reference = sample(camera(room, seed=2))
    brighter = camera(exposure(room, MORE_LIGHT))
    level = m.median_level(views(brighter)).value
    assert DEFAULTS.bright_min_median <= level < WHITE_MEDIAN
    assert ImageFault.too_bright not in run(brighter, reference).faults
    monkeypatch.setattr(quality, "WHITE_MEDIAN", level)
    assert ImageFault.too_bright in run(brighter, reference).faults
    monkeypatch.setattr(quality, "WHITE_MEDIAN", level + 1)
    assert ImageFault.too_bright not in run(brighter, reference).faults


def test_a_channel_clipped_under_healthy_light_is_a_colour_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A strong red cast over a pale room clips the red channel over much of it and white
    nowhere, and barely brightens it: against the reference that is no overexposure; with
    the brightening taken for more than healthy light, the channel rule counts again."""
    room = window_room(window=215.0, share=0.3, room=200.0)
    reference = sample(camera(room, seed=2))
    red = camera(cast(room, (0.8, 1.0, 1.6)))
    alone = run(red).check(ImageFault.too_bright)
    assert alone.detected and alone.measure == "channel_clipped_fraction"
    factor = healthy_brightening(sample(red), reference)
    assert factor is not None
    against = run(red, reference).check(ImageFault.too_bright)
    assert not against.detected
    monkeypatch.setattr(quality, "HEALTHY_BRIGHTENING", factor - 0.01)
    again = run(red, reference).check(ImageFault.too_bright)
    assert again.detected and again.measure == "channel_clipped_fraction"


# --- a nearly uniform picture that still shows its view ---------------------------------------


def moon_at_night() -> tuple[np.ndarray, np.ndarray]:
    """A grey surface with craters and its picture far too dark (brightest parts near 22):
    nearly uniform, as a blank screen is."""
    scene = surface(shading=14.0)
    return scene, camera(exposure(scene, 0.02), sigma=0.5)


def test_a_uniform_picture_of_the_reference_view_is_too_dark_not_blank() -> None:
    scene, dark = moon_at_night()
    reference = sample(camera(scene, seed=2))
    alone = run(dark)
    assert ImageFault.blank in alone.faults  # nothing but uniformity to go by
    against = run(dark, reference)
    match = against.check(ImageFault.scene_change).value
    assert match is not None and match >= VIEW_SHOWN
    assert ImageFault.too_dark in against.faults
    assert ImageFault.blank not in against.faults
    assert against.check(ImageFault.blank).note.startswith("shows its reference's view")


def test_a_blank_screen_against_the_same_reference_stays_blank() -> None:
    scene, _ = moon_at_night()
    reference = sample(camera(scene, seed=2))
    for colour in ((16, 16, 16), (170, 40, 10), (128, 128, 128)):
        assert ImageFault.blank in run(camera(flat(colour)), reference).faults


def test_the_view_shown_flips_at_its_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    scene, dark = moon_at_night()
    reference = sample(camera(scene, seed=2))
    match = run(dark, reference).check(ImageFault.scene_change).value
    assert match is not None
    monkeypatch.setattr(quality, "VIEW_SHOWN", match + 0.01)
    assert ImageFault.blank in run(dark, reference).faults
    monkeypatch.setattr(quality, "VIEW_SHOWN", match - 0.01)
    assert ImageFault.blank not in run(dark, reference).faults
