"""Picture diagnosis (run 9): a pan is read against the part of the reference it still shows,
so a panned view whose new content is dark is not an occluder, while an occluder over the part
still shown is.  At the boundary, on the hard negative, and as a property of the measure."""

from __future__ import annotations

import cv2
import numpy as np

from camhealth.health import measures as m
from camhealth.health import quality as q
from camhealth.health.quality import FrameDiagnosis, ImageFault
from camhealth.health.sequence import Sample
from camhealth.health.thresholds import QualityThresholds
from camhealth.health.views import views
from tests.health.quality_pictures import camera, defocus, exposure, photo
from tests.health.test_quality_against_reference import run, sample, wide_bars

DEFAULTS = QualityThresholds()
WIDE = (640, 360)
PAN = 0.4


def panned_scene(pan: float = PAN) -> tuple[np.ndarray, np.ndarray]:
    """The reference view, and the view after the camera turned left by ``pan`` of its width
    onto a dark, plain wall (new content, darker than what those cells showed before)."""
    width, height = WIDE
    extra = int(width * pan)
    scene = np.full((height, width + extra, 3), (50, 52, 54), np.uint8)
    scene[:, extra:] = photo("astronaut", WIDE)
    return scene[:, extra:].copy(), scene[:, :width].copy()


def dark_patch(image: np.ndarray, left: float, right: float) -> np.ndarray:
    """A dark object over the columns from ``left`` to ``right`` (shares of the width)."""
    out = image.copy()
    width = image.shape[1]
    cv2.rectangle(
        out, (int(width * left), 0), (int(width * right), image.shape[0]), (25, 25, 30), -1
    )
    return np.asarray(cv2.GaussianBlur(out, (0, 0), 3), np.uint8)


def test_a_pan_onto_a_dark_wall_is_a_scene_change_not_an_occlusion() -> None:
    before, after = panned_scene()
    diagnosis = run(camera(after), sample(camera(before, seed=2)))
    check = diagnosis.check(ImageFault.scene_change)
    assert check.detected and check.note.startswith("view moved")
    assert ImageFault.occlusion not in diagnosis.faults
    # Read against the unmoved reference, the wall's cells were darkened: the old rule's
    # false alarm.
    now, reference = sample(camera(after)), sample(camera(before, seed=2))
    unmoved = q._largest_patch(q._darkened_since_pan(now, reference, (0.0, 0.0)))
    assert float(unmoved.mean()) >= 0.25


def test_an_occluder_over_the_part_a_pan_still_shows_is_an_occlusion() -> None:
    before, after = panned_scene(0.2)
    reference = sample(camera(before, seed=2))
    diagnosis = run(camera(dark_patch(after, 0.6, 0.95)), reference)
    assert diagnosis.check(ImageFault.scene_change).note.startswith("view moved")
    check = diagnosis.check(ImageFault.occlusion)
    assert check.detected and check.measure == "darkened_area"
    value = check.value
    assert value is not None
    off = run(
        camera(dark_patch(after, 0.6, 0.95)), reference, occlusion_area_no_reference=value + 0.01
    )
    assert not off.check(ImageFault.occlusion).detected


def test_the_pan_moves_the_compared_cells_the_way_the_view_moved() -> None:
    """Cells out of the reference's view are never darkened; with no pan the measure is the
    run-8 one."""
    before, after = panned_scene()
    now, reference = sample(camera(after)), sample(camera(before, seed=2))
    moved = q._darkened_since_pan(now, reference, (-PAN, 0.0))
    assert not moved[:, : round(PAN * moved.shape[1])].any()
    still = q._darkened_since_pan(now, reference, (0.0, 0.0))
    assert np.array_equal(still, q._darkened(now, reference, typical_at=70))


# --- too_bright: snow's lifted white, stripes' clipped crests; noise under overexposure -------


def snowy(image: np.ndarray, lift: float = 0.4) -> np.ndarray:
    """Snow: every level lifted towards white (the slope ``lift`` against the clean view), and
    a sunlit bank clipped (12% of the view)."""
    out = np.clip(255 - (255 - image.astype(np.float32)) * lift, 0, 255)
    height, width = image.shape[:2]
    out[int(height * 0.75) :, : int(width * 0.45)] = 255
    return out.astype(np.uint8)


def test_snow_lifted_towards_white_is_not_overexposure() -> None:
    picture = photo("astronaut", WIDE)
    reference = sample(camera(picture, seed=2))
    check = run(camera(snowy(picture)), reference).check(ImageFault.too_bright)
    assert not check.detected and check.note.startswith("levels lifted")
    assert check.value is not None and check.value >= DEFAULTS.bright_clipped_fraction
    # Without the reference nothing says the levels were lifted rather than multiplied.
    assert run(camera(snowy(picture))).check(ImageFault.too_bright).detected


def test_a_lifted_view_clipped_over_twice_the_bar_is_overexposed() -> None:
    picture = photo("astronaut", WIDE)
    reference = sample(camera(picture, seed=2))
    # Lifted less than snow lifts (run 10: under q.SNOW_GAIN the clip share does not count).
    frame = camera(snowy(picture, 0.65))
    value = run(frame, reference).check(ImageFault.too_bright).value
    assert value is not None
    over = _at_half_the_value(frame, reference, value)
    assert over.check(ImageFault.too_bright).detected
    under = run(frame, reference, bright_clipped_fraction=value / 1.95)
    assert not under.check(ImageFault.too_bright).detected


def _at_half_the_value(frame: np.ndarray, reference: Sample, value: float) -> FrameDiagnosis:
    """``frame`` judged with the clipped-share bar just under half its measured value: the
    share is then just over twice the bar."""
    return run(frame, reference, bright_clipped_fraction=value / 2.05)


def bright_with_sky(name: str = "astronaut") -> np.ndarray:
    """A bright view (lifted tones) under a sky just short of white."""
    out = np.clip(255 - (255 - photo(name, WIDE).astype(np.float32)) * 0.5, 0, 255)
    out[: int(WIDE[1] * 0.35)] = 238
    return out.astype(np.uint8)


def test_strong_stripes_clipping_a_bright_sky_are_stripes_not_overexposure() -> None:
    picture = bright_with_sky()
    reference = sample(camera(picture, seed=2))
    diagnosis = run(camera(wide_bars(picture, 25, 0.04)), reference)
    assert diagnosis.faults == (ImageFault.stripes,)
    check = diagnosis.check(ImageFault.too_bright)
    assert check.note == "explained by strong stripes" and 1.0 <= check.score < 2.0
    # Twice the clipped bar is overexposure, stripes or not.
    value = check.value
    assert value is not None
    over = _at_half_the_value(camera(wide_bars(picture, 25, 0.04)), reference, value)
    assert ImageFault.too_bright in over.faults
    # The healthy twin: the same bright view without interference.
    assert run(camera(picture), reference).faults == ()


def test_overexposure_explains_noise_in_its_clipped_blocks() -> None:
    picture = photo("astronaut", WIDE)
    reference = sample(camera(picture, seed=2))
    overexposed = camera(exposure(picture, 4.0))
    sigma = run(overexposed, reference).check(ImageFault.noise).value
    assert sigma is not None
    diagnosis = run(overexposed, reference, noise_sigma=sigma * 0.9)
    assert ImageFault.too_bright in diagnosis.faults
    assert diagnosis.check(ImageFault.noise).note == "explained by too_bright"
    # Well exposed, a view past the bar is noise: the suppression, not the bar, decides.
    well_sigma = run(camera(picture), reference).check(ImageFault.noise).value
    assert well_sigma is not None
    well = run(camera(picture), reference, noise_sigma=well_sigma * 0.9)
    assert ImageFault.noise in well.faults


# --- a dark picture with a lit subject is judged ------------------------------------------------


def lit_subject(share: float, name: str = "astronaut") -> np.ndarray:
    """A lit subject (a face, a doorway) over ``share`` of a dark background."""
    width, height = WIDE
    out = np.full((height, width, 3), 12, np.uint8)
    side = int(np.sqrt(share * width * height))
    subject = photo(name, (side * 16 // 9, side))[:, :side]
    subject = np.asarray(np.clip(subject.astype(np.int16) + 60, 0, 255), np.uint8)
    top, left = (height - side) // 2, (width - side) // 2
    out[top : top + side, left : left + side] = subject
    return out


def test_a_defocused_lit_subject_on_a_dark_background_is_blurred() -> None:
    sharp = camera(lit_subject(0.3))
    assert m.median_level(views(sharp)).value < DEFAULTS.judge_min_median
    assert ImageFault.blur not in run(sharp).faults
    blurred = run(camera(defocus(lit_subject(0.3), 6))).check(ImageFault.blur)
    assert blurred.detected
    # Lamps and windows of a night street light a twentieth of it: not judged.
    lamps = run(camera(defocus(lit_subject(0.05), 6))).check(ImageFault.blur)
    assert not lamps.detected and lamps.note in ("too dark to judge", "too few edges to judge")


def test_the_lit_share_that_makes_a_dark_picture_judged() -> None:
    for share, judged in ((0.16, False), (0.26, True)):
        v = views(camera(lit_subject(share)))
        lit = m.lit_share(v, DEFAULTS.dark_bright_level).value
        assert (lit >= q.LIT_SUBJECT_SHARE) is judged
        assert q._judged_by_light(v, DEFAULTS) is judged


def test_a_lit_subject_alone_does_not_make_a_dark_picture_judged_for_colour() -> None:
    picture = lit_subject(0.3)
    reference = sample(camera(picture, seed=2))
    cast = np.asarray(np.clip(picture * np.array([0.6, 1.0, 1.4]), 0, 255), np.uint8)
    diagnosis = run(camera(cast), reference)
    assert diagnosis.check(ImageFault.color_cast).note == "too dark to judge"
    assert diagnosis.check(ImageFault.blur).note != "too dark to judge"
