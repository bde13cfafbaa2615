"""Picture diagnosis: a decoded frame (plus the previous sample and the reference picture) in,
a ``FrameDiagnosis`` out: resolution, HD flag, effective resolution, and for every image fault
of DESIGN.md a score, a decision and the evidence (measure, value, threshold, region).

Pure: numpy and OpenCV on the frame, no I/O, no clock.  About 9 ms of one core's CPU for a
1080p frame (bench/quality.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

import cv2
import numpy as np

from camhealth.health import measures as m
from camhealth.health.measures import Measure, Region
from camhealth.health.sequence import (
    THUMB_SIZE,
    Sample,
    brightening,
    exposure_gain,
    near_white_share,
    picture_change,
    sample_of,
    sharpness_kept,
    stripes_against,
    unchanged_share,
    view_match,
)
from camhealth.health.thresholds import QualityThresholds
from camhealth.health.views import U8, Mask, Views, views

MAX_SCORE = 10.0
# Stripes this many times over their threshold silence blur and color_cast (see diagnose).
STRONG_STRIPES = 1.5
# Against the reference, cell levels that grew by a slope under this were lifted towards white
# (snow, fog: 0.26-0.65 on the evaluation sets), not multiplied as overexposure does (1.03 and
# over where the fit holds; one overexposed street whose sky clipped whole fits at 0.59).
LIFTED_GAIN = 0.8
# Under this slope the levels were plainly compressed towards white (snow: 0.31-0.42 on the
# seven tuning splits), however much of a near-white sky that clipped (19% of a temple view);
# overexposed views, even those whose sky clipped whole, fit at 0.60 and over.
SNOW_GAIN = 0.5
# Healthy other light over the same view brightens its bright cells by up to about this much
# (1.07-1.18 where a bright reference then clips: an office's window wall, a temple's pale
# sky, a shop's floor); what the reference's own bright parts would clip under that is not
# overexposure.  Overexposure that clips beyond what it explains brightens them by more
# (1.22-1.7 on the tuning splits), and then nothing is explained.
HEALTHY_BRIGHTENING = 1.2
# A median this bright is overexposure whatever the reference explains: healthy light over
# bright scenes kept its median at 208-228, their severe overexposure reached 233-237.
WHITE_MEDIAN = 230
# A thumbnail level that clips (the clipped measures' 250).
CLIPPED = 250
# A view match this strong is the reference's scene, however uniform the picture: blank
# screens match at most 0.24 on the tuning splits, a dark grey moon at brightest 22 0.75-0.81.
VIEW_SHOWN = 0.5
# A dark picture this much of which is properly lit has a lit subject to judge (see
# _judged_by_light).
LIT_SUBJECT_SHARE = 0.2


class ImageFault(StrEnum):
    blank = "blank"
    too_dark = "too_dark"
    too_bright = "too_bright"
    blur = "blur"
    occlusion = "occlusion"
    color_cast = "color_cast"
    noise = "noise"
    stripes = "stripes"
    frozen = "frozen"
    scene_change = "scene_change"


@dataclass(frozen=True)
class FaultCheck:
    """One fault's decision and its evidence.

    ``score`` is the measure relative to its threshold, oriented so that 1.0 is the threshold
    and more is worse; ``value`` is None when the picture held nothing to measure it on.
    """

    fault: ImageFault
    detected: bool
    score: float
    measure: str
    value: float | None
    threshold: float
    region: Region | None = None
    note: str = ""


@dataclass(frozen=True)
class FrameDiagnosis:
    width: int
    height: int
    hd: bool
    effective_width: int
    effective_height: int
    upscaled: bool
    checks: tuple[FaultCheck, ...]
    sample: Sample = field(compare=False, repr=False)

    @property
    def faults(self) -> tuple[ImageFault, ...]:
        return tuple(check.fault for check in self.checks if check.detected)

    def check(self, fault: ImageFault) -> FaultCheck:
        return next(check for check in self.checks if check.fault is fault)


def diagnose(
    frame: U8 | Views,
    thresholds: QualityThresholds,
    *,
    previous: Sample | None = None,
    reference: Sample | None = None,
) -> FrameDiagnosis:
    """Diagnose one decoded BGR frame (or its prepared views); ``previous`` is the camera's last
    sample, minutes ago."""
    v = frame if isinstance(frame, Views) else views(frame)
    t = thresholds
    peak = m.stripe_peak(v)
    sample = sample_of(v, peak)
    dark = m.median_level(v).value < t.judge_min_median
    scene, pan = _scene_change(sample, reference, dark, t)
    # Strong interference adds its own edges and lifts every colour cell towards grey: the
    # picture's sharpness and colour cannot be judged under it.
    striped = "explained by strong stripes"
    stripes = _stripes(peak, sample, reference, t)
    # A strong raw peak counts when stripes were found, or without a reference; with one, a
    # peak that is not interference is the scene's own pattern (a facade's windows, whose peak
    # a defocused view keeps).
    strong_peak = peak.value >= STRONG_STRIPES * t.stripes_peak
    clear = not (
        (strong_peak and (stripes.detected or reference is None))
        or (stripes.detected and stripes.score >= STRONG_STRIPES)
    )
    # Strong interference also drives a bright sky into clipping (up to 11% of a view), not
    # the whole picture: twice the clipped bar is overexposure, stripes or not.
    bright = _too_bright(v, sample, reference, t)
    blank = _judge(
        ImageFault.blank, "uniform_fraction", m.uniform_fraction(v), t.blank_uniform_fraction
    )
    # A nearly uniform picture whose edges still match the reference's view is that view far
    # too dark (a grey surface at a brightest level of 22), not a blank screen.
    shown = scene.value is not None and scene.value >= VIEW_SHOWN
    checks = [
        _unless(blank, not shown, f"shows its reference's view (match {scene.value})"),
        _judge(
            ImageFault.too_dark, "bright_level", m.bright_level(v), t.dark_bright_level, below=True
        ),
        _unless(bright, clear or bright.score >= 2.0, striped),
        _unless(_blur(v, sample, None if scene.detected else reference, t), clear, striped),
        _occlusion(v, sample, reference, pan if scene.detected else None, t),
        _unless(_color_cast(v, sample, None if scene.detected else reference, t), clear, striped),
        _judge(ImageFault.noise, "noise_sigma", m.noise_sigma(v), t.noise_sigma),
        stripes,
        _frozen(sample, previous, t),
        scene,
    ]
    effective = _effective_width(v, t)
    return FrameDiagnosis(
        width=v.width,
        height=v.height,
        hd=v.width >= t.hd_min_width and v.height >= t.hd_min_height,
        effective_width=effective,
        effective_height=round(effective * v.height / v.width),
        upscaled=effective < v.width,
        checks=_suppress(checks),
        sample=sample,
    )


def _judge(
    fault: ImageFault, name: str, measure: Measure, threshold: float, *, below: bool = False
) -> FaultCheck:
    """Compare a measure with its threshold: past it when >= (or < with ``below``)."""
    if not measure.known:
        return FaultCheck(
            fault, False, 0.0, name, None, threshold, measure.region, "not measurable"
        )
    value = measure.value
    if below:
        score = threshold / value if value > 0 else MAX_SCORE
        detected = value < threshold
    else:
        score = value / threshold
        detected = value >= threshold
    score = float(min(score, MAX_SCORE))
    return FaultCheck(
        fault, detected, round(score, 3), name, round(value, 4), threshold, measure.region
    )


def _unless(check: FaultCheck, condition: bool, note: str) -> FaultCheck:
    return check if condition or not check.detected else replace(check, detected=False, note=note)


def _too_bright(
    v: Views, sample: Sample, reference: Sample | None, t: QualityThresholds
) -> FaultCheck:
    fault = ImageFault.too_bright
    clipped = m.clipped_fraction(v)
    check = _judge(fault, "clipped_fraction", clipped, t.bright_clipped_fraction)
    channels = m.channel_clipped_fraction(v)
    gain = exposure_gain(sample, reference) if reference is not None else Measure(0.0, False)
    white, beyond = check, channels
    median = m.median_level(v).value
    healthy = False  # the same view, under light no brighter than healthy light gives
    if reference is not None and gain.known:
        # The same view: what the reference had white or nearly says nothing, nor what its
        # bright parts would clip under the brightening healthy light gives.  A channel
        # clipped where the reference was near white (a white sky, a lit ceiling: 27-61% of a
        # temple or corridor view; a cast over it clips one channel there, 44-46% of those
        # views, at a median of 198-214); white clipped where the reference's window wall or
        # pale sky, brightened as the picture's bright cells were (1.04-1.18), would clip
        # (8.6% of an office view against 9% predicted).  Brightened more than healthy light
        # does, nothing is explained.
        factor = healthy_brightening(sample, reference)
        healthy = factor is not None
        if factor is None:
            held = near_white_share(reference)
            beyond = replace(channels, value=max(channels.value - held, 0.0))
        elif median < WHITE_MEDIAN:
            would_clip = near_white_share(reference, factor, CLIPPED)
            unexplained = replace(clipped, value=max(clipped.value - would_clip, 0.0))
            white = _judge(fault, "clipped_fraction", unexplained, t.bright_clipped_fraction)
    candidates = [white]
    if not healthy:
        # Under healthy light a channel clipped alone is a colour change (a severe cast over
        # a pale temple view: 50% clipped, brightened 1.04), not judged here; overexposure that
        # clips one channel and not white (green leaves, a brown table) brightened 1.73-2.03.
        bar = t.bright_channel_clipped_fraction
        candidates.append(_judge(fault, "channel_clipped_fraction", beyond, bar))
    if gain.known:
        # A scene without highlights (a grey surface) overexposed clips nothing: its levels
        # were multiplied, where snow and fog lift them towards white.
        measure = replace(gain, region=m.whole(v))
        candidates.append(_judge(fault, "exposure_gain", measure, t.bright_exposure_gain))
        if gain.value < SNOW_GAIN or (gain.value < LIFTED_GAIN and white.score < 2.0):
            # Lifted, not multiplied: snow's white clips a little (up to 8% of a view), where
            # an overexposed view whose shadows also lifted clips its sky whole (over 30%).
            note = f"levels lifted (slope {gain.value:.2f} on the reference), not multiplied"
            candidates[0] = _unless(white, False, note)
    check = next((c for c in candidates if c.detected), candidates[0])
    # A bright sky over a dark street clips the sky only; a picture with a channel clipped over
    # more than half of it is overexposed, however dark its other colours (a brown table).
    bright = median >= t.bright_min_median or channels.value >= 0.5
    return _unless(check, bright, f"median level {median:.0f} is not bright")


def healthy_brightening(sample: Sample, reference: Sample) -> float | None:
    """By how much other light brightened the picture's bright cells since the reference (1
    when it dimmed them), or None when that is more than healthy light does
    (``HEALTHY_BRIGHTENING``) or cannot be told."""
    lift = brightening(sample, reference)
    if not lift.known or lift.value > HEALTHY_BRIGHTENING:
        return None
    return max(1.0, lift.value)


def _blur(v: Views, sample: Sample, reference: Sample | None, t: QualityThresholds) -> FaultCheck:
    """``reference`` only when the view matches it."""
    sharpness, _ = m.edge_sharpness(v, t.blur_min_edges)
    check = _judge(ImageFault.blur, "edge_sharpness", sharpness, t.blur_max_sharpness, below=True)
    if not sharpness.known:
        return replace(check, note="too few edges to judge")
    if check.detected and reference is not None:
        # Water and other soft scenes sit under the bar by nature (0.45-0.50); defocus loses
        # the reference's fine detail (0.86 of it at most kept), the scene's own softness none.
        kept = sharpness_kept(sample, reference)
        if kept.known and kept.value >= t.blur_as_reference:
            note = f"as soft as its reference (kept {kept.value:.2f} of its fine detail)"
            check = replace(check, detected=False, note=note)
    elif not check.detected and reference is not None and sharpness.value < t.blur_soft_sharpness:
        # Fine texture everywhere keeps edge sharpness over the bar when defocused (0.50-0.61
        # at the moderate level); against the reference its fine detail is plainly gone.
        kept = sharpness_kept(sample, reference)
        if kept.known and kept.value < t.blur_kept_sharpness:
            note = f"kept {kept.value:.2f} of the reference's fine detail"
            check = replace(
                check,
                detected=True,
                score=round(t.blur_kept_sharpness / max(kept.value, 0.01), 3),
                note=note,
            )
    # At night the few edges are lamps and their glow, soft by nature.
    return _unless(check, _judged_by_light(v, t), "too dark to judge")


def _judged_by_light(v: Views, t: QualityThresholds) -> bool:
    """Enough light to judge sharpness: a median of ``judge_min_median``, or a fifth of the
    picture properly lit (``dark_bright_level``, the too_dark bar): a lit face or doorway
    against a dark background (28-31% of a portrait) is judged, a night street whose light is
    its lamps and windows (3-10%) is not."""
    if m.median_level(v).value >= t.judge_min_median:
        return True
    return m.lit_share(v, t.dark_bright_level).value >= LIT_SUBJECT_SHARE


def _color_cast(
    v: Views, sample: Sample, reference: Sample | None, t: QualityThresholds
) -> FaultCheck:
    """Against the reference, how far all colours drifted; without one, the chroma offset.

    A monochrome (IR) picture has no colour to be cast.  Without a reference a scene that is
    mostly one colour (a brown room, an orange wall) looks like a cast: give cameras a reference.
    """
    if m.colourless_cells(sample.chroma):
        return FaultCheck(
            ImageFault.color_cast,
            False,
            0.0,
            "chroma_drift",
            0.0,
            t.color_cast_drift,
            m.whole(v),
            "monochrome picture",
        )
    # Not by a lit subject alone (see _judged_by_light): the colour cells of a dark picture
    # are the subject's few, which an occluder's colour outweighs (a portrait, holdout4).
    if m.median_level(v).value < t.judge_min_median:
        return FaultCheck(
            ImageFault.color_cast,
            False,
            0.0,
            "chroma_drift",
            None,
            t.color_cast_drift,
            m.whole(v),
            "too dark to judge",
        )
    if reference is not None:
        if m.colourless_cells(reference.chroma):
            drift = m.uniform_offset(sample.chroma)
        else:
            drift = m.chroma_drift(
                sample.chroma,
                reference.chroma,
                t.color_cast_across_weight,
                t.color_cast_scale_doubt,
            )
        if drift.known:
            return _judge(
                ImageFault.color_cast,
                "chroma_drift",
                replace(drift, region=m.whole(v)),
                t.color_cast_drift,
            )
    shift, offset = m.chroma_shift(v)
    check = _judge(ImageFault.color_cast, "chroma_shift", shift, t.color_cast_shift)
    return _unless(check, offset >= t.color_cast_min_chroma, f"chroma offset {offset:.1f} is small")


def _occlusion(
    v: Views,
    sample: Sample,
    reference: Sample | None,
    moved_by: tuple[float, float] | None,
    t: QualityThresholds,
) -> FaultCheck:
    """``moved_by`` is None when the view matches the reference, else the pan the match found
    (shares of width and height; (0, 0) when the match had no clear peak)."""
    if reference is not None and reference.detail.shape == (m.GRID_ROWS, m.GRID_COLUMNS):
        if moved_by is not None:
            # A large occluder breaks the view match too.  The view may be another, so detail
            # lost says nothing; a patch that turned dark and flat while the rest kept its
            # light still counts, at the bar of a patch judged without a reference.  Such an
            # occluder may cover half the view, so the rest's light is read higher up (the
            # 70th percentile of the cells' change, not the median): another scene's dark
            # parts reach 0.19 on the evaluation sets, severe occluders 0.21-0.52.
            cells, name = _darkened_since_pan(sample, reference, moved_by), "darkened_area"
            threshold = t.occlusion_area_no_reference
        else:
            cells, name = _lost_detail(sample, reference), "detail_lost_area"
            threshold = t.occlusion_area
        cells = _largest_patch(cells)
    else:
        # A dark coat, a doorway or a shadow is a dark, flat patch of many scenes: without the
        # reference to say it was not there, only a patch too large for that counts.
        cells, name = _dark_featureless(sample), "dark_featureless_area"
        threshold = t.occlusion_area_no_reference
    measure = Measure(float(cells.mean()), region=m.cells_region(v, cells))
    return _judge(ImageFault.occlusion, name, measure, threshold)


def _lost_detail(now: Sample, reference: Sample) -> Mask:
    """Grid cells that had texture in the reference and lost it (the caller keeps the largest
    patch).

    Detail is counted above the picture's own floor (its flattest cells: noise), and relative
    to how well the rest of the picture kept its detail, so noise, fog or a dimmer day (which
    change every cell alike) are harmless; an occluder is one patch, where blur or noise lose
    detail in scattered cells.  At night, unlit cells are dark rather than covered: left out.
    """
    detail = now.detail - m.percentile(now.detail, 5)
    before = reference.detail - m.percentile(reference.detail, 5)
    textured = before >= 1.5
    if textured.sum() < 8:
        return np.zeros_like(textured)
    ratio = np.maximum(detail, 0) / np.maximum(before, 0.1)
    kept = m.percentile(ratio[textured], 75)
    lost = textured & (ratio < 0.25 * kept)
    if kept < 0.5:
        # The picture lost detail nearly everywhere (blur, fog): an occluder leaves the rest of
        # the view as it was, so only cells that also turned dark can be one.
        lost[:] = False
    # A covered cell is darker than it was: fog and snow lift a scene's dark parts far more
    # than its white sky (china: cells at 1.04-1.37 of their level against a typical 1.87-2.29,
    # "darkened" only relative to the rest); an occluder under doubled exposure still came out
    # at 0.86-0.96 of its cells' level.
    lost |= _darkened(now, reference) & (now.level < reference.level)
    if float(np.mean(now.level < 0.5 * reference.level)) >= 0.8:
        lost &= now.level >= 35  # night: nearly every cell darkened, not just a covered patch
    return np.asarray(lost, dtype=bool)


def _darkened(now: Sample, reference: Sample, typical_at: float = 50) -> Mask:
    """Cells that turned dark and flat while the rest kept its light: an object over a part of
    the view that had no texture to lose (sky, a road, a wall, the grey fine-grained surface of
    the moon).  Under 0.6 of the typical change: a navy or slate occluder over a mid-grey
    surface is only that much darker (0.55-0.6); fog's airlight and a dark street's unlit
    parts first come within this at 0.7 on the evaluation sets.  The typical change is the
    median cell's (``typical_at`` percent), which an occluder over half the view would set."""
    detail = now.detail - m.percentile(now.detail, 5)
    light = now.level / np.maximum(reference.level, 1.0)
    typical = m.percentile(light, typical_at)
    return np.asarray(
        (reference.level >= 40) & (light < 0.6 * typical) & (detail < 1.0), dtype=bool
    )


def _darkened_since_pan(now: Sample, reference: Sample, pan: tuple[float, float]) -> Mask:
    """Cells darkened (as ``_darkened``, 70th percentile) against the part of the reference
    that the panned view still shows: a pan brings new content into the cells, which read
    against the unmoved reference look like a dark patch wherever a dark part of the scene
    moved over a light one (moderate pans of 30% reached 0.25-0.37)."""
    dx = round(pan[0] * m.GRID_COLUMNS)
    dy = round(pan[1] * m.GRID_ROWS)
    rows, columns = m.GRID_ROWS - abs(dy), m.GRID_COLUMNS - abs(dx)
    cells = np.zeros((m.GRID_ROWS, m.GRID_COLUMNS), dtype=bool)
    if rows < 3 or columns < 3:
        return cells
    here = np.s_[max(-dy, 0) : max(-dy, 0) + rows, max(-dx, 0) : max(-dx, 0) + columns]
    there = np.s_[max(dy, 0) : max(dy, 0) + rows, max(dx, 0) : max(dx, 0) + columns]
    cells[here] = _darkened(
        replace(now, detail=now.detail[here], level=now.level[here]),
        replace(reference, level=reference.level[there]),
        typical_at=70,
    )
    return cells


def _largest_patch(cells: Mask) -> Mask:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(cells.view(np.uint8), connectivity=8)
    if count <= 1:
        return np.zeros_like(cells)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return np.asarray(labels == largest, dtype=bool)


def _dark_featureless(now: Sample) -> Mask:
    """Without a reference: a patch far darker and smoother than the textured rest (by day)."""
    detail, level = now.detail, now.level
    busy = detail >= np.percentile(detail, 60)
    if float(np.median(level)) < 60 or not busy.any():
        return np.zeros_like(busy)
    flat = detail < 0.15 * float(np.percentile(detail, 90))
    dark = level < 0.5 * float(np.median(level[busy]))
    return _largest_patch(np.asarray(flat & dark, dtype=bool))


def _stripes(
    peak: m.Peak, sample: Sample, reference: Sample | None, t: QualityThresholds
) -> FaultCheck:
    check = _judge(ImageFault.stripes, "stripe_peak", Measure(peak.value), t.stripes_peak)
    if reference is None:
        return check
    # A pattern the reference picture already had, at the same frequency, is the scene (bricks,
    # a fence, a facade's windows), not interference.  The reference keeps only its strongest
    # peak, so a scene pattern changed by blur or light can peak elsewhere: a higher bar.
    threshold = t.stripes_own_peak_with_reference
    check = _judge(ImageFault.stripes, "stripe_peak", Measure(peak.value), threshold)
    check = _unless(
        check,
        not _scene_pattern(peak, reference, t),
        "the reference picture has the same pattern",
    )
    gained, own = stripes_against(sample, reference)
    if not gained.known:
        return check
    # Against the reference, what the picture gained since also counts: the scene cancels out,
    # so wide bars that hide among its strong low frequencies stand out, and a scene's own
    # pattern (bricks) changed by blur, light or an occluder leaves a residue only where the
    # reference has a peak too.  The thumbnail cannot resolve fine stripes (under about 2% of
    # the width), which the picture's own spectrum at up to 960 pixels does: either counts.
    against = _judge(ImageFault.stripes, "stripe_peak_gained", gained, t.stripes_gained_peak)
    scene = against.detected and own() >= t.stripes_peak * 0.7
    against = _unless(against, not scene, "the reference picture has a pattern there")
    if check.detected and not against.detected:
        return check
    return against


def _scene_pattern(peak: m.Peak, reference: Sample | None, t: QualityThresholds) -> bool:
    """The reference picture has a strong peak where this picture has its own."""
    if reference is None:
        return False
    known = m.Peak.from_array(reference.stripes)
    return peak.same_place(known) and known.value >= t.stripes_peak * 0.7


def _frozen(sample: Sample, previous: Sample | None, t: QualityThresholds) -> FaultCheck:
    fault, name = ImageFault.frozen, "change_over_texture"
    if previous is None:
        return FaultCheck(fault, False, 0.0, name, None, t.frozen_change, note="no previous sample")
    check = _judge(fault, name, picture_change(sample, previous), t.frozen_change, below=True)
    unchanged = unchanged_share(sample, previous).value
    # Little change over fine texture is also what weak live noise does to a lawn; only a
    # repeated picture leaves many pixels exactly as they were.
    return _unless(
        check,
        unchanged >= t.frozen_unchanged,
        f"live: only {unchanged:.0%} of the pixels kept their level",
    )


def _scene_change(
    sample: Sample, reference: Sample | None, dark: bool, t: QualityThresholds
) -> tuple[FaultCheck, tuple[float, float]]:
    """The check, and the pan the view match found ((0, 0) unless its peak is clear)."""
    fault, name = ImageFault.scene_change, "view_match"
    if reference is None:
        note = "no reference picture"
        return FaultCheck(fault, False, 0.0, name, None, t.scene_match, note=note), (0.0, 0.0)
    match, pan = view_match(sample, reference)
    check = _judge(fault, name, match, t.scene_match, below=True)
    if dark and check.detected and match.value >= t.scene_match / 2:
        # At night the lamps and their glow make most of the edges: only a match far below
        # the line says the view itself is another.
        note = "dark picture: the match is not conclusive"
        return replace(check, detected=False, note=note), (0.0, 0.0)
    # Only a clear peak says where the view went; a weak one's position is chance.
    if check.detected:
        return check, (0.0, 0.0)
    shift = float(np.hypot(pan[0], pan[1] * THUMB_SIZE[1] / THUMB_SIZE[0]))
    if shift > t.scene_max_shift:
        return replace(check, detected=True, note=f"view moved by {shift:.0%} of its width"), pan
    return check, pan


# A fault that explains another's symptoms silences it: a blank screen is neither dark nor
# blurred, and an exposure fault wipes out the detail, colour, change and edges that blur,
# occlusion, noise, color_cast, frozen and scene_change look at.
SUPPRESSES = {
    ImageFault.blank: set(ImageFault) - {ImageFault.blank},
    ImageFault.too_dark: {
        ImageFault.blur,
        ImageFault.occlusion,
        ImageFault.noise,
        ImageFault.color_cast,
        ImageFault.frozen,
        ImageFault.scene_change,
    },
    # Overexposure also clips the flattest blocks in part (leaves, roof tiles not white enough
    # to be left out), whose clipped edges read as noise.
    ImageFault.too_bright: {
        ImageFault.blur,
        ImageFault.occlusion,
        ImageFault.noise,
        ImageFault.color_cast,
        ImageFault.frozen,
        ImageFault.scene_change,
    },
    # Strong sensor noise biases the log-chromaticity of the dim cells it pushes towards the
    # usable range's edges (a dark, saturated coffee cup drifted 14 across the blue-amber axis).
    ImageFault.noise: {ImageFault.color_cast},
    # An occluder's colour is its own, not the picture's; and an object at the lens is out of
    # focus: its soft outline and the edges it hides lower the sharpness of the whole picture.
    ImageFault.occlusion: {ImageFault.color_cast, ImageFault.blur},
    # A view that is not the reference's cannot tell its own repeating patterns (bricks, a
    # fence) from interference, nor its own colours from a cast (a hedge is green): the
    # single-picture fallbacks would judge the new view as if there were no reference.
    ImageFault.scene_change: {ImageFault.stripes, ImageFault.color_cast},
}


def _suppress(checks: list[FaultCheck]) -> tuple[FaultCheck, ...]:
    found = {check.fault for check in checks if check.detected}
    silenced = {fault: cause for cause in found for fault in SUPPRESSES.get(cause, ())}
    return tuple(
        _unless(check, check.fault not in silenced, f"explained by {silenced.get(check.fault)}")
        for check in checks
    )


def _effective_width(v: Views, t: QualityThresholds) -> int:
    """The frame's width, or half of it when the finest octave is empty (enlarged picture)."""
    ratio = m.finest_octave_ratio(v)
    return v.width // 2 if ratio.known and ratio.value < t.upscaled_ratio else v.width
