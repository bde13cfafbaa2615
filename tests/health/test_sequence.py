"""Sequence faults: frozen against the previous sample, scene_change against the reference."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from camhealth.health.quality import FrameDiagnosis, ImageFault, diagnose
from camhealth.health.sequence import Sample, unchanged_share
from camhealth.health.thresholds import QualityThresholds
from tests.health.quality_pictures import camera, exposure, fog, jpeg, night_ir, osd, photo

DEFAULTS = QualityThresholds()


def sample(image: np.ndarray) -> Sample:
    return diagnose(image, DEFAULTS).sample


def against(
    image: np.ndarray, previous: np.ndarray | None = None, reference: np.ndarray | None = None
) -> FrameDiagnosis:
    return diagnose(
        image,
        DEFAULTS,
        previous=sample(previous) if previous is not None else None,
        reference=sample(reference) if reference is not None else None,
    )


def frozen_pair(picture: np.ndarray, sigma: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """One captured picture encoded twice, minutes apart: the OSD clock ticked, nothing else."""
    rng = np.random.default_rng(7)
    captured = np.clip(picture + rng.normal(0, sigma, picture.shape[:2])[..., None], 0, 255)
    captured = captured.astype(np.uint8)
    return jpeg(osd(captured, clock=0), 80), jpeg(osd(captured, clock=300), 78)


@pytest.mark.parametrize("look", [photo, lambda: night_ir(photo())], ids=["day", "night_ir"])
def test_a_repeated_picture_with_a_ticking_clock_is_frozen(look) -> None:  # type: ignore[no-untyped-def]
    before, after = frozen_pair(look())
    diagnosis = against(after, previous=before)
    assert diagnosis.faults == (ImageFault.frozen,)
    assert diagnosis.check(ImageFault.frozen).measure == "change_over_texture"


@pytest.mark.parametrize(
    "look", [photo, lambda size: night_ir(photo(size=size))], ids=["day", "night_ir"]
)
def test_a_static_scene_with_live_sensor_noise_is_not_frozen(look) -> None:  # type: ignore[no-untyped-def]
    picture = look(size=(640, 360))
    before, after = camera(picture, seed=1, sigma=2), camera(picture, seed=2, sigma=2, clock=300)
    assert ImageFault.frozen not in against(after, previous=before).faults


def lawn(size: tuple[int, int] = (640, 360), seed: int = 3) -> np.ndarray:
    """Fine texture everywhere, like grass or gravel: a blade every pixel or two."""
    rng = np.random.default_rng(seed)
    grain = cv2.GaussianBlur(rng.normal(0, 1, (size[1], size[0])).astype(np.float32), (0, 0), 0.7)
    grey = np.clip(110 + grain * 60, 0, 255).astype(np.uint8)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR) * np.array([0.6, 1.0, 0.7])


def test_a_lawn_with_weak_live_noise_is_not_frozen() -> None:
    """Weak sensor noise over fine texture changes the picture about as little as re-encoding
    a repeated one does; but it moves nearly every pixel."""
    picture = lawn().astype(np.uint8)
    before = jpeg(osd(camera(picture, seed=1, sigma=1.0)), 65)
    after = jpeg(osd(camera(picture, seed=2, sigma=1.0), clock=300), 67)
    check = against(after, previous=before).check(ImageFault.frozen)
    assert not check.detected
    assert check.note.startswith("live")


def test_frozen_flips_at_the_unchanged_share() -> None:
    before, after = frozen_pair(photo())
    share = unchanged_share(sample(after), sample(before)).value
    assert 0.3 < share < 1.0

    def frozen(unchanged: float) -> bool:
        thresholds = DEFAULTS.model_copy(update={"frozen_unchanged": unchanged})
        previous = sample(before)
        return ImageFault.frozen in diagnose(after, thresholds, previous=previous).faults

    assert frozen(share - 0.01)
    assert not frozen(share + 0.01)


def test_frozen_needs_a_previous_sample_of_the_same_size() -> None:
    picture = camera(photo())
    assert against(picture).check(ImageFault.frozen).note == "no previous sample"
    other = camera(photo(size=(640, 360)))
    assert ImageFault.frozen not in against(picture, previous=other).faults


def test_a_blank_screen_is_blank_not_frozen() -> None:
    screen = np.full((180, 320, 3), (170, 40, 10), np.uint8)
    assert against(screen, previous=screen).faults == (ImageFault.blank,)


@pytest.mark.parametrize(
    "change",
    [
        lambda p: night_ir(p),
        lambda p: exposure(p, 0.5),
        lambda p: fog(p, 0.5),
    ],
    ids=["night_ir", "dusk", "fog"],
)
def test_the_same_view_in_other_light_is_no_scene_change(change) -> None:  # type: ignore[no-untyped-def]
    picture = photo()
    diagnosis = against(camera(change(picture), seed=1), reference=camera(picture, seed=2))
    assert ImageFault.scene_change not in diagnosis.faults


def test_a_camera_turned_away_or_at_another_scene_is_a_scene_change() -> None:
    picture = photo(size=(480, 270))
    panned = np.roll(picture, -150, axis=1)
    reference = camera(picture[:, :320].copy(), seed=2)
    assert (
        ImageFault.scene_change
        in against(camera(panned[:, :320].copy()), reference=reference).faults
    )
    elsewhere = camera(photo("coffee"))
    assert ImageFault.scene_change in against(elsewhere, reference=camera(photo(), seed=2)).faults


def test_a_small_shake_is_no_scene_change() -> None:
    picture = photo(size=(480, 270))
    shaken = np.roll(picture, 3, axis=1)[:, :320].copy()
    diagnosis = against(camera(shaken), reference=camera(picture[:, :320].copy(), seed=2))
    assert ImageFault.scene_change not in diagnosis.faults
