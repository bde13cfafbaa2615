"""Faults seen across samples: ``frozen`` (against the previous sample) and ``scene_change``
(against the reference picture).

A ``Sample`` is the small part of a frame worth keeping between probes (about 32 kB):
a thumbnail for the view, the detail, brightness and colour of each grid cell, sixteen
full-resolution blocks whose sensor noise tells a live picture from a repeated one, and the
picture's strongest spectral peak (a repeating pattern of the scene itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from camhealth.health.measures import (
    Measure,
    Peak,
    cell_chroma,
    cell_detail,
    cell_level,
    stripe_peak,
)
from camhealth.health.views import F32, U8, Mask, Views

THUMB_SIZE = (160, 90)
BLOCK = 32
# Block centres as shares of the frame; the top and bottom bands, where cameras put their OSD
# text, are left out.
BLOCK_X = (0.15, 0.38, 0.62, 0.85)
BLOCK_Y = (0.22, 0.41, 0.59, 0.78)


@dataclass(frozen=True, eq=False)
class Sample:
    width: int
    height: int
    thumb: U8
    detail: F32
    level: F32
    chroma: F32
    blocks: U8
    usable: Mask
    stripes: F32  # the strongest spectral peak, Peak.as_array()


def sample_of(v: Views, stripes: Peak | None = None) -> Sample:
    blocks, usable = [], []
    osd_scale = v.osd.shape[1] / v.width
    for fy in BLOCK_Y:
        for fx in BLOCK_X:
            x = min(max(int(fx * v.width) - BLOCK // 2, 0), v.width - BLOCK)
            y = min(max(int(fy * v.height) - BLOCK // 2, 0), v.height - BLOCK)
            # Full resolution: downscaling would average away the sensor noise that tells a
            # live picture from a repeated one.
            blocks.append(v.grey_block(x, y, BLOCK))
            ox, oy, side = int(x * osd_scale), int(y * osd_scale), int(BLOCK * osd_scale) + 2
            usable.append(not v.osd[oy : oy + side, ox : ox + side].any())
    return Sample(
        width=v.width,
        height=v.height,
        thumb=np.asarray(cv2.resize(v.grey, THUMB_SIZE, interpolation=cv2.INTER_AREA), np.uint8),
        detail=cell_detail(v.grey),
        level=cell_level(v.grey),
        chroma=cell_chroma(v.quarter, v.quarter_grey),
        blocks=np.stack(blocks),
        usable=np.array(usable, dtype=bool),
        stripes=(stripe_peak(v) if stripes is None else stripes).as_array(),
    )


def picture_change(current: Sample, previous: Sample) -> Measure:
    """How much the picture changed between two samples, relative to its fine texture: per
    full-resolution block, mean absolute difference over (mean absolute second difference + 1
    level); the median over blocks.

    Re-encoding one repeated picture changes it where it has texture (re-quantisation), in
    proportion to that texture; a live picture also changes by its fresh sensor noise, which
    does not depend on texture.  The median ignores the few blocks that a moving object or a
    stray OSD line touches.
    """
    pair = _comparable_blocks(current, previous)
    if pair is None:
        return Measure(float("inf"), known=False)
    a, b = pair
    change = np.abs(a - b).mean(axis=(1, 2))
    texture = (_fine_texture(a) + _fine_texture(b)) / 2
    return Measure(float(np.median(change / (texture + 1.0))))


def unchanged_share(current: Sample, previous: Sample) -> Measure:
    """Share of full-resolution pixels that kept exactly their grey level: the median over
    blocks.

    Re-encoding a repeated picture leaves every coefficient whose quantiser step did not move
    as it was, so many pixels come out identical even in fine texture (a lawn, gravel); fresh
    sensor noise, however weak, moves nearly all of them.  Both change over texture and this
    share are needed: over fine texture the first alone cannot tell weak noise from
    re-quantisation, over flat sky or clipped areas the second alone cannot.
    """
    pair = _comparable_blocks(current, previous)
    if pair is None:
        return Measure(0.0, known=False)
    a, b = pair
    return Measure(float(np.median((a == b).mean(axis=(1, 2)))))


def _comparable_blocks(current: Sample, previous: Sample) -> tuple[F32, F32] | None:
    """The blocks both samples have clear of OSD text, or None when too few to judge."""
    if (current.width, current.height) != (previous.width, previous.height):
        return None
    usable = current.usable & previous.usable
    if usable.sum() < 4:
        return None
    return (
        current.blocks[usable].astype(np.float32),
        previous.blocks[usable].astype(np.float32),
    )


def _fine_texture(blocks: F32) -> F32:
    """Mean absolute second difference of each block, across and down.

    Second differences see the fine detail that re-quantisation disturbs, and little of smooth
    strong patterns (a wide stripe, a soft gradient) that first differences would count as
    texture, making a live picture look repeated.
    """
    across = np.abs(np.diff(blocks, n=2, axis=2)).mean(axis=(1, 2))
    down = np.abs(np.diff(blocks, n=2, axis=1)).mean(axis=(1, 2))
    return np.asarray((across + down) / 2, np.float32)


def _edges(thumb: U8) -> F32:
    grey = cv2.GaussianBlur(thumb.astype(np.float32), (0, 0), 1.0)
    gx = cv2.Sobel(grey, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(grey, cv2.CV_32F, 0, 1)
    magnitude = np.sqrt(gx * gx + gy * gy)
    # Dividing by the local mean makes the edges of a dim night picture count like a day's.
    local = cv2.blur(magnitude, (15, 15)) + 4.0
    return np.asarray(magnitude / local, np.float32)


def view_match(current: Sample, reference: Sample) -> tuple[Measure, tuple[float, float]]:
    """Phase correlation of the edge maps: peak height (0-1) and the peak's shift (x, y) as
    shares of the width and height: what the current picture shows at (x, y) the reference
    showed at (x + shift x, y + shift y).

    Edges stay where they are from day to night and under any lighting, so the peak stays; a
    camera that turned away moves them (a shifted peak) or loses them (no peak).
    """
    window = cv2.createHanningWindow(THUMB_SIZE, cv2.CV_32F)
    (dx, dy), response = cv2.phaseCorrelate(_edges(current.thumb), _edges(reference.thumb), window)
    return Measure(float(response)), (dx / THUMB_SIZE[0], dy / THUMB_SIZE[1])


# Neighbours three bins away (past the Hann window's main lobe), as in measures.RING.
_RING = np.ones((7, 7), np.uint8)
_RING[1:6, 1:6] = 0


@lru_cache(maxsize=1)
def _thumb_spectrum_constants() -> tuple[F32, Mask]:
    """The thumbnail's Hann window, and the bins searched: periods under 14% of the width
    (wider ones are lighting, fog or an occluder's edge) and away from the last bins."""
    width, height = THUMB_SIZE
    fy = np.abs(np.arange(height) - height // 2)[:, None]
    fx = np.arange(width // 2 + 1)[None, :]
    searched = (np.hypot(fx * height / width, fy) >= 4) & (fx < width // 2 - 1)
    searched &= fy < height // 2 - 1
    window = np.asarray(cv2.createHanningWindow(THUMB_SIZE, cv2.CV_32F), np.float32)
    return window, np.asarray(searched, dtype=bool)


def _peakness(picture: F32) -> F32:
    """Log power of each frequency over its strongest neighbour three bins away."""
    window, searched = _thumb_spectrum_constants()
    power = np.abs(np.fft.rfft2(picture * window)) ** 2
    log_power = np.log(np.fft.fftshift(power, axes=0) + 1e-3).astype(np.float32)
    neighbours = cv2.dilate(log_power, _RING, borderType=cv2.BORDER_REFLECT)
    return np.asarray(np.where(searched, log_power - neighbours, 0.0), np.float32)


def stripes_against(current: Sample, reference: Sample) -> tuple[Measure, Callable[[], float]]:
    """The strongest isolated spectral peak of what the picture gained since the reference,
    and how to get the reference's own peak strength at that frequency (its spectrum is only
    worth computing for a peak that counts).

    The reference thumbnail, fitted to the current one by a gain and an offset (other light,
    fog), is subtracted: the scene cancels out and interference stands alone, even wide bars
    (5-7% of the width) whose peak in the picture itself hides among the scene's strong low
    frequencies.  Wider bars than the thumbnail's finest period still show, aliased, as one
    peak.  A scene's own pattern (bricks) that changed with blur or light leaves a residue at
    the scene's frequency, where the reference has a peak too: the second number says so.
    """
    if (current.width, current.height) != (reference.width, reference.height):
        return Measure(0.0, known=False), lambda: 0.0
    now = current.thumb.astype(np.float32)
    before = reference.thumb.astype(np.float32)
    centred = before - before.mean()
    spread = float((centred * centred).sum())
    gain = float((centred * (now - now.mean())).sum()) / spread if spread > 0 else 0.0
    residual = now - now.mean() - gain * centred
    peakness = _peakness(residual)
    row, column = np.unravel_index(int(np.argmax(peakness)), peakness.shape)

    def own() -> float:
        near = _peakness(centred)[max(row - 1, 0) : row + 2, max(column - 1, 0) : column + 2]
        return float(near.max())

    return Measure(float(peakness[row, column])), own


def _fine_over_coarse(thumb: U8) -> float:
    """Fine detail of a thumbnail over its coarser detail: mean absolute difference from a
    Gaussian blur of 1 pixel over that blur's difference from one of 3 pixels."""
    grey = thumb.astype(np.float32)
    near = cv2.GaussianBlur(grey, (0, 0), 1.0)
    far = cv2.GaussianBlur(grey, (0, 0), 3.0)
    fine = float(cv2.absdiff(grey, near).mean())
    coarse = float(cv2.absdiff(near, far).mean())
    return fine / coarse if coarse >= 0.5 else float("nan")


def sharpness_kept(current: Sample, reference: Sample) -> Measure:
    """How much of the reference picture's fine detail, relative to its coarser detail, the
    picture kept (1 is as sharp as the reference).

    Defocus takes the fine detail first and the coarse later, so the ratio of the two falls
    (0.57-0.86 at the moderate level on the evaluation sets); fog, dusk and other light scale
    both alike, and noise adds fine detail (healthy views 0.78 and over).  On fine texture
    everywhere (gravel, a lawn, a facade's grid) the picture's own edge sharpness stays high
    when defocused; against the reference it does not.  Unknown when either thumbnail is too
    flat to have coarse detail.
    """
    now, before = _fine_over_coarse(current.thumb), _fine_over_coarse(reference.thumb)
    if not (now == now and before == before) or before <= 0:
        return Measure(1.0, known=False)
    return Measure(now / before)


# A thumbnail pixel (an average over about 12x12 pixels of a 1080p frame) this bright is white
# or nearly: a clipped sky, a lit ceiling, a white wall in full light.
NEAR_WHITE = 235


def near_white_share(sample: Sample, gain: float = 1.0, level: float = NEAR_WHITE) -> float:
    """Share of the sample's thumbnail that is white or nearly (``level``, ``NEAR_WHITE`` by
    default) once its levels are multiplied by ``gain``: what the reference picture already
    had at the top of the range, where any colour channel clips at once under a little more
    light or another white balance, or what it would clip (``level`` 250) under ``gain``."""
    return float(np.count_nonzero(sample.thumb >= level / gain)) / sample.thumb.size


# Cells at least this bright in the reference tell how the picture's light changed at the top
# of the range, where clipping starts (darker cells carry more of the noise and the offset).
BRIGHT_CELL = 100


def brightening(current: Sample, reference: Sample) -> Measure:
    """The median ratio of the current cell levels to the reference's, over the reference's
    bright cells (``BRIGHT_CELL`` and over) that neither picture clipped: by how much the
    light multiplied the levels where the picture would clip first.

    More light multiplies every level (the gamma curve keeps a product a product); the slope
    of ``exposure_gain`` reads less where the brightest cells are left out of its fit.  Unknown
    when fewer than 12 cells are bright and unclipped in both.
    """
    now, before = current.level.ravel(), reference.level.ravel()
    fit = (now < 245) & (before < 245) & (before >= BRIGHT_CELL)
    if int(fit.sum()) < 12:
        return Measure(1.0, known=False)
    return Measure(float(np.median(now[fit] / before[fit])))


def exposure_gain(current: Sample, reference: Sample) -> Measure:
    """By how much the cells' brightness was multiplied since the reference picture: the slope
    of a straight-line fit of the current cell levels on the reference's, over cells neither
    clipped nor black.

    Overexposure multiplies every level (the shadows too, until they clip); snow and fog lift
    the picture towards white, which flattens the slope (0.4-0.7 on the evaluation sets), and
    other daylight multiplies by at most about 1.5.  Unknown when the two pictures do not show
    the same layout of light and dark (another view), or the reference is too flat to fit.
    """
    now, before = current.level.ravel(), reference.level.ravel()
    fit = (now < 245) & (before < 245) & (before > 20)
    if int(fit.sum()) < 12:
        return Measure(0.0, known=False)
    now, before = now[fit], before[fit]
    spread = float(before.std())
    if spread < 2.0 or float(now.std()) < 2.0:
        return Measure(0.0, known=False)
    correlation = float(np.corrcoef(now, before)[0, 1])
    slope = correlation * float(now.std()) / spread
    return Measure(slope, known=correlation >= 0.7)
