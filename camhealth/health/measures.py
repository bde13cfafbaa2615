"""Picture measures: each turns the analysis views of one frame into a number with a meaning.

Every measure is written to stay quiet on the hard cases: percentiles instead of means (a lit
lamp, OSD text), edges instead of texture (sky, fog and bare walls have none, so their blur is
"unknown", not "blurred"), chroma offset relative to chroma spread (a monochrome IR picture has
neither), flattest blocks for noise (texture is not noise).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from camhealth.health.views import F32, U8, Mask, Views

GRID_COLUMNS = 16
GRID_ROWS = 9


@dataclass(frozen=True)
class Region:
    """A rectangle in frame pixels."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class Measure:
    """A measured value; ``known`` is false when the picture holds nothing to measure it on."""

    value: float
    known: bool = True
    region: Region | None = None


def whole(v: Views) -> Region:
    return Region(0, 0, v.width, v.height)


def _percentile(histogram: npt.NDArray[Any], q: float) -> float:
    cumulative = np.cumsum(histogram)
    if cumulative[-1] == 0:
        return 0.0
    return float(np.searchsorted(cumulative, cumulative[-1] * q / 100.0))


def percentile(values: npt.NDArray[Any], q: float) -> float:
    """``np.percentile`` (linear interpolation) of a small array, without its argument handling,
    which costs ten times the sort on the 144 grid cells (ten calls a picture)."""
    ordered = np.sort(values, axis=None)
    position = (ordered.size - 1) * (q / 100.0)
    low = int(position)
    high = min(low + 1, ordered.size - 1)
    fraction = position - low
    below, above = float(ordered[low]), float(ordered[high])
    if fraction >= 0.5:  # interpolated from the upper end, as numpy does
        return above - (above - below) * (1 - fraction)
    return below + (above - below) * fraction


def uniform_fraction(v: Views) -> Measure:
    """Share of the picture within 8 grey levels of its median colour (blank screens)."""
    keep = (~v.quarter_osd).view(np.uint8)
    count = cv2.countNonZero(keep)
    if count == 0:
        return Measure(1.0, region=whole(v))
    pixels = v.quarter
    median = [
        _percentile(cv2.calcHist([pixels], [c], keep, [256], [0, 256]).ravel(), 50)
        for c in range(3)
    ]
    low = np.clip(np.array(median) - 8, 0, 255)
    high = np.clip(np.array(median) + 8, 0, 255)
    inside = cv2.bitwise_and(cv2.inRange(pixels, low, high), keep)
    return Measure(cv2.countNonZero(inside) / count, region=whole(v))


def bright_level(v: Views) -> Measure:
    """98th percentile of luminance: how bright the best-lit parts are (too_dark)."""
    return Measure(_percentile(v.histogram, 98), region=whole(v))


def median_level(v: Views) -> Measure:
    return Measure(_percentile(v.histogram, 50), region=whole(v))


def lit_share(v: Views, level: float) -> Measure:
    """Share of the picture (OSD text left out) at least ``level`` bright."""
    total = int(v.histogram.sum())
    lit = float(v.histogram[int(np.ceil(level)) :].sum())
    return Measure(lit / total if total else 0.0, region=whole(v))


def clipped_fraction(v: Views) -> Measure:
    """Share of the picture clipped to white (too_bright)."""
    total = int(v.histogram.sum())
    return Measure(float(v.histogram[250:].sum()) / total if total else 0.0, region=whole(v))


def channel_clipped_fraction(v: Views) -> Measure:
    """Share of the picture with any colour channel clipped (>= 250), OSD text left out.

    Overexposure saturates the strongest channel first: green leaves clip their green at a
    luminance near 200, which the luminance clip never sees.  A bright, colourful healthy view
    clips a channel here and there too, so this counts at a higher share than white does.
    """
    blue, green, red = cv2.split(v.quarter)
    highest = cv2.max(cv2.max(blue, green), red)
    keep = ~v.quarter_osd
    total = int(np.count_nonzero(keep))
    clipped = int(np.count_nonzero((highest >= 250) & keep))
    return Measure(clipped / total if total else 0.0, region=whole(v))


def edge_sharpness(v: Views, min_edges: float) -> tuple[Measure, float]:
    """Share of edge contrast that a strong re-blur removes (Crete-Roffet), on real edges only.

    A sharp edge loses most of its gradient when blurred again, an already blurred one almost
    nothing.  Only pixels where the re-blurred picture still has a clear gradient count, so
    noise, OSD text and flat areas do not; too few such pixels means "unknown".
    Returns the measure and the share of the picture that is edges.
    """
    # Stretched to its own contrast: fog and dusk lower every edge alike, which must not
    # change which edges are judged.
    low, high = _percentile(v.histogram, 1), _percentile(v.histogram, 99)
    grey = v.grey.astype(np.float32)
    grey -= low
    grey *= 255.0 / max(high - low, 32.0)
    blurred = cv2.blur(grey, (9, 9))
    keep = cv2.dilate(v.osd.view(np.uint8), np.ones((9, 9), np.uint8)) == 0
    lost = total = 0.0
    edges = 0
    # OpenCV's absdiff and threshold: one pass each, where numpy's diff, abs and maximum made
    # two temporary arrays apiece.
    for ahead, behind, kept in (
        (np.s_[1:, :], np.s_[:-1, :], keep[1:, :]),
        (np.s_[:, 1:], np.s_[:, :-1], keep[:, 1:]),
    ):
        gradient = cv2.absdiff(grey[ahead], grey[behind])
        reblurred = cv2.absdiff(blurred[ahead], blurred[behind])
        mask = ((reblurred >= 2.0) & kept).view(np.uint8)
        edges += cv2.countNonZero(mask)
        total += cv2.sumElems(cv2.multiply(gradient, mask, dtype=cv2.CV_32F))[0]
        excess = cv2.threshold(cv2.subtract(gradient, reblurred), 0.0, 0.0, cv2.THRESH_TOZERO)[1]
        lost += cv2.sumElems(cv2.multiply(excess, mask, dtype=cv2.CV_32F))[0]
    share = edges / (2.0 * grey.size)
    if share < min_edges or total <= 0:
        return Measure(1.0, known=False, region=whole(v)), share
    return Measure(lost / total, region=whole(v)), share


def cell_detail(grey: U8) -> F32:
    """Mean high-frequency detail of each cell of a 16x9 grid."""
    image = grey.astype(np.float32)
    high = cv2.absdiff(image, cv2.blur(image, (5, 5)))
    return np.asarray(
        cv2.resize(high, (GRID_COLUMNS, GRID_ROWS), interpolation=cv2.INTER_AREA), np.float32
    )


def cell_level(grey: U8) -> F32:
    return np.asarray(
        cv2.resize(grey, (GRID_COLUMNS, GRID_ROWS), interpolation=cv2.INTER_AREA), np.float32
    )


def cells_region(v: Views, cells: Mask) -> Region | None:
    """Bounding box, in frame pixels, of the marked grid cells."""
    rows, columns = np.nonzero(cells)
    if len(rows) == 0:
        return None
    cell_w, cell_h = v.width / GRID_COLUMNS, v.height / GRID_ROWS
    x0, y0 = int(columns.min() * cell_w), int(rows.min() * cell_h)
    x1, y1 = int((columns.max() + 1) * cell_w), int((rows.max() + 1) * cell_h)
    return Region(x0, y0, x1 - x0, y1 - y0)


def chroma_shift(v: Views) -> tuple[Measure, float]:
    """Mean chroma offset over chroma spread (CIE Lab), and the offset itself.

    A colour cast moves every colour the same way, so the offset is large against the spread;
    a colourful scene has a wide spread, and a monochrome one has neither offset nor spread.
    """
    lightness = v.lab[..., 0]
    keep = ((lightness > 25) & (lightness < 245) & ~v.quarter_osd).view(np.uint8)
    if cv2.countNonZero(keep) < 100:
        return Measure(0.0, known=False, region=whole(v)), 0.0
    mean, std = cv2.meanStdDev(np.ascontiguousarray(v.lab[..., 1:]), mask=keep)
    offset = float(np.hypot(mean[0, 0], mean[1, 0]))
    spread = float(np.hypot(std[0, 0], std[1, 0]))
    return Measure(offset / max(spread, 1.0), region=whole(v)), offset


# Natural log of each 8-bit level; levels under 20 count as 20, where noise and compression
# would make the ratios of dark channels swing (a strong cast empties a channel: it then
# saturates the measure rather than leaving the picture out).
LOG_LEVEL = np.log(np.maximum(np.arange(256), 20)).astype(np.float32)


def cell_chroma(pixels: U8, grey: U8) -> F32:
    """Mean log-chromaticity (log B/G, log R/G) of each grid cell; NaN where too dark or clipped.
    ``pixels`` and ``grey`` are a picture's colour and grey copies (the diagnosis passes its
    quarter-size ones).

    A white-balance error multiplies a channel by a gain, which in log-chromaticity moves every
    colour by the same offset, whatever its hue, saturation or brightness (the camera's gamma
    only scales the gain's logarithm); in CIE Lab the same error moves saturated colours less
    than greys, so a cast on a colourful view looked smaller than on a grey one.
    """
    blue, green, red = cv2.split(pixels)
    highest = cv2.max(cv2.max(blue, green), red)
    usable = ((highest < 245) & (grey > 40)).astype(np.float32)
    log_blue, log_green, log_red = cv2.split(cv2.LUT(pixels, LOG_LEVEL))
    ratios = cv2.merge(
        [cv2.multiply(log_blue - log_green, usable), cv2.multiply(log_red - log_green, usable)]
    )
    size = (GRID_COLUMNS, GRID_ROWS)
    share = cv2.resize(usable, size, interpolation=cv2.INTER_AREA)
    sums = cv2.resize(ratios, size, interpolation=cv2.INTER_AREA)
    chroma = sums / np.maximum(share, 1e-6)[..., None]
    chroma[share < 0.5] = np.nan
    return np.asarray(chroma, np.float32)


def chroma_drift(
    now: F32, before: F32, across_weight: float = 1.0, scale_doubt: float = 0.0
) -> Measure:
    """How far all colours moved the same way since the reference picture (log-chromaticity,
    in hundredths: 10 is a 10% change of one channel's gain against green).

    Fits ``now = s * before + offset`` over the grid cells: fog, dusk and night shrink the
    colours towards grey (``s`` < 1, no offset), a colour cast adds the same offset to every
    cell.  A passing red bus changes a few cells, which the refit without the worst fifth
    of cells leaves out.

    ``across_weight`` counts the offset's green-magenta part (red and blue both against
    green) that many times: daylight, lamps and auto white balance move colours along the
    blue-amber axis (red against blue), a stuck IR-cut filter or a failed channel across it.

    ``scale_doubt``: the drift is the smallest offset that any scale within that many standard
    errors of the fitted one leaves.  A scene of one saturated colour (a hedge: every cell far
    from grey, close to each other) barely tells its scale: a scale 0.07 off moves the offset
    by 0.07 of the scene's colour, 10 hundredths for a hedge; fog, blur or other light over it
    then read as a cast.  A cast moves cells of many colours alike, which pins the scale.
    """
    pairs = np.concatenate([now.reshape(-1, 2), before.reshape(-1, 2)], axis=1)
    pairs = pairs[~np.isnan(pairs).any(axis=1)]
    if len(pairs) < 12:
        return Measure(0.0, known=False)
    offset = _fit_offset(pairs[:, :2], pairs[:, 2:])
    for _ in range(2):
        residual = np.hypot(*(pairs[:, :2] - pairs[:, 2:] * offset[2] - offset[:2]).T)
        pairs = pairs[residual <= percentile(residual, 80)]
        offset = _fit_offset(pairs[:, :2], pairs[:, 2:])
    scale = float(offset[2])
    low = high = scale
    if scale_doubt > 0:
        errors = pairs[:, :2] - pairs[:, 2:] * scale - offset[:2]
        sigma = float(np.sqrt((errors**2).sum() / (2 * max(len(pairs) - 3, 1))))
        spread = float(np.sqrt(((pairs[:, 2:] - pairs[:, 2:].mean(axis=0)) ** 2).sum()))
        doubt = scale_doubt * sigma / max(spread, 1e-9)
        low, high = max(scale - doubt, 0.0), min(scale + doubt, 1.5)
    # The offset at scale s is mean(now) - s * mean(before); weighted, along and across.
    weights = np.array([[-1.0, 1.0], [across_weight, across_weight]]) / SQRT2
    moved = weights @ pairs[:, :2].mean(axis=0)
    colour = weights @ pairs[:, 2:].mean(axis=0)
    nearest = float(moved @ colour) / max(float(colour @ colour), 1e-12)
    best = min(max(nearest, low), high)
    return Measure(100.0 * float(np.hypot(*(moved - best * colour))))


SQRT2 = float(np.sqrt(2.0))


def uniform_offset(now: F32) -> Measure:
    """Against a colourless reference (a grey scene): the colour that every cell gained alike.

    Unknown when the cells' colours are spread (a colourful view against a reference taken at
    night in infrared is not a cast), so only a grey scene turned one colour counts.
    """
    cells = now.reshape(-1, 2)[~np.isnan(now.reshape(-1, 2)).any(axis=1)]
    if len(cells) < 12 or colourless_cells(now):
        return Measure(0.0, known=len(cells) >= 12)
    offset = float(np.hypot(*cells.mean(axis=0)))
    spread = float(np.hypot(*cells.std(axis=0)))
    # A cast on a grey scene moves every cell alike (offset 12-20 times the spread on the
    # evaluation set); a scene of one dominant colour (a brown room, a cat) reaches about 3.
    return Measure(100.0 * offset, known=offset >= 6.0 * spread)


def _fit_offset(now: F32, before: F32) -> F32:
    """Least squares ``now = s * before + offset``; returns (offset a, offset b, s)."""
    centred = before - before.mean(axis=0)
    spread = float((centred**2).sum())
    scale = float((centred * (now - now.mean(axis=0))).sum()) / spread if spread > 0 else 1.0
    scale = min(max(scale, 0.0), 1.5)
    offset = now.mean(axis=0) - scale * before.mean(axis=0)
    return np.array([offset[0], offset[1], scale], np.float32)


def colourless_cells(chroma: F32) -> bool:
    """The cell chroma of a monochrome picture (night IR, or a grey scene): every cell within
    4% of grey, bar a few."""
    magnitude = np.hypot(chroma[..., 0], chroma[..., 1])
    magnitude = magnitude[~np.isnan(magnitude)]
    return magnitude.size == 0 or percentile(magnitude, 95) < 0.04


def noise_sigma(v: Views) -> Measure:
    """Noise standard deviation in the flattest fifth of 16x16 blocks (Immerkaer's operator)."""
    grey = v.detail
    # The 3x3 kernel [[1, -2, 1], [-2, 4, -2], [1, -2, 1]], applied as its two 1-D factors.
    factor = np.array([1, -2, 1], np.float32)
    response = np.asarray(
        cv2.convertScaleAbs(cv2.sepFilter2D(grey, cv2.CV_16S, factor, factor)), np.uint8
    )
    rows, columns = grey.shape[0] // 16, grey.shape[1] // 16
    if rows == 0 or columns == 0:
        return Measure(0.0, known=False)
    size = (columns, rows)
    sigma = _block_means(response, rows, columns)
    level = cv2.resize(grey[: rows * 16, : columns * 16], size, interpolation=cv2.INTER_AREA)
    osd = cv2.resize(v.osd.view(np.uint8), size, interpolation=cv2.INTER_NEAREST).astype(bool)
    # A block with clipped white pixels has the clip's edges (overexposed grass blades), not
    # noise; noise is clipped away in black and white areas, so they say nothing about it.
    # (One white pixel of 256 averages to 255/256 of a level, which rounds to 1, not 0.)
    white = cv2.threshold(grey[: rows * 16, : columns * 16], 249, 255, cv2.THRESH_BINARY)[1]
    clipped = cv2.resize(white, size, interpolation=cv2.INTER_AREA)
    usable = (level > 24) & (level < 232) & (clipped == 0) & ~osd
    if usable.sum() < 8:
        return Measure(0.0, known=False)
    scale = float(np.sqrt(np.pi / 2) / 6)
    return Measure(percentile(sigma[usable], 20) * scale, region=None)


def _block_means(picture: U8, rows: int, columns: int) -> F32:
    """Mean of each 16x16 block, exactly, from the summed-area table (a float copy of the
    picture for an area resize cost twice as much)."""
    table = cv2.integral(picture)[: rows * 16 + 1 : 16, : columns * 16 + 1 : 16]
    sums = table[1:, 1:] - table[:-1, 1:] - table[1:, :-1] + table[:-1, :-1]
    return np.asarray(sums / 256.0, np.float32)


@dataclass(frozen=True)
class Peak:
    """An isolated spectral peak: its strength, and where (picture scale, frequency bin)."""

    value: float
    scale: int = 0
    row: int = 0
    column: int = 0

    def as_array(self) -> F32:
        """As four numbers, so a Sample stays a set of plain arrays (storable without pickle)."""
        return np.array([self.value, self.scale, self.row, self.column], np.float32)

    @classmethod
    def from_array(cls, numbers: F32) -> Peak:
        return cls(float(numbers[0]), int(numbers[1]), int(numbers[2]), int(numbers[3]))

    def same_place(self, other: Peak) -> bool:
        return (
            self.scale == other.scale
            and abs(self.row - other.row) <= 1
            and abs(self.column - other.column) <= 1
        )


def stripe_peak(v: Views) -> Peak:
    """Strongest isolated spectral peak, on the detail picture (fine stripes) and on the small
    one (wide bars)."""
    return max(_spectral_peak(v.detail, 0), _spectral_peak(v.grey, 1), key=lambda p: p.value)


def _spectral_peak(grey: U8, scale: int) -> Peak:
    """Strongest isolated peak of the spectrum of a picture (Welch: three crops).

    Interference adds a sinusoid: a point in the spectrum that stands far above its neighbours
    three bins away.  Straight scene edges make lines through the spectrum instead, whose
    neighbours along the line are as strong, so they score low; averaging the spectra of three
    crops evens out the random ups and downs of a natural picture's spectrum, not a sinusoid.
    A peak whose second harmonic is a peak too is a repeating scene, and counts less.
    """
    side = min(256, grey.shape[0], grey.shape[1]) // 2 * 2
    y = (grey.shape[0] - side) // 2
    window, searched = _spectrum_constants(side)
    squares = np.zeros((side, side), np.float32)
    for x in sorted({0, (grey.shape[1] - side) // 2, grey.shape[1] - side}):
        crop = grey[y : y + side, x : x + side]
        high = cv2.subtract(crop, cv2.boxFilter(crop, cv2.CV_32F, (15, 15)), dtype=cv2.CV_32F)
        cv2.accumulateSquare(cv2.dft(cv2.multiply(high, window)), squares)
    power = _half_power(squares)
    log_power = cv2.log(np.fft.fftshift(power, axes=0) + 1e-3)
    neighbours = cv2.dilate(log_power, RING, borderType=cv2.BORDER_REFLECT)
    peakness = np.where(searched, log_power - neighbours, 0.0)
    row, column = np.unravel_index(int(np.argmax(peakness)), peakness.shape)
    # A repeating scene (bricks, tiles, a fence) has harmonics; interference is a sinusoid.
    ky, kx = 2 * (int(row) - side // 2) + side // 2, 2 * int(column)
    harmonic = peakness[max(ky - 1, 0) : ky + 2, max(kx - 1, 0) : kx + 2]
    echo = float(harmonic.max()) if harmonic.size else 0.0
    value = float(peakness[row, column]) - max(0.0, echo - 1.0)
    return Peak(value, scale, int(row), int(column))


def _half_power(squares: F32) -> F32:
    """Power spectrum, columns 0 to n/2, from the squared entries of a real square picture's
    packed (CCS) DFT, or their sum over several pictures (the power of each is a sum of them).

    The packed transform costs a quarter of the complex one.  Its columns 1 to n-2 hold the
    real and imaginary parts of frequency columns 1 to n/2-1; columns 0 and n-1 hold columns
    0 and n/2 packed the same way along the rows, whose negative frequencies mirror the
    positive ones.
    """
    n = squares.shape[0]
    power = np.empty((n, n // 2 + 1), np.float32)
    power[:, 1 : n // 2] = squares[:, 1 : n - 1 : 2] + squares[:, 2 : n - 1 : 2]
    for out, packed in ((0, squares[:, 0]), (n // 2, squares[:, n - 1])):
        half = packed[1 : n - 1 : 2] + packed[2 : n - 1 : 2]
        power[0, out] = packed[0]
        power[1 : n // 2, out] = half
        power[n // 2, out] = packed[n - 1]
        power[n // 2 + 1 :, out] = half[::-1]
    return power


# Neighbours three bins away: past the main lobe of the Hann window, even off-bin.
RING = np.ones((7, 7), np.uint8)
RING[1:6, 1:6] = 0


@lru_cache(maxsize=4)
def _spectrum_constants(side: int) -> tuple[F32, Mask]:
    """The Hann window, and the bins searched: away from DC and from the last columns."""
    fy = np.abs(np.arange(side) - side // 2)[:, None]
    fx = np.arange(side // 2 + 1)[None, :]
    searched = (np.hypot(fx, fy) >= 6) & (fx < side // 2 - 2)
    return np.asarray(cv2.createHanningWindow((side, side), cv2.CV_32F), np.float32), searched


def finest_octave_ratio(v: Views) -> Measure:
    """Detail in the finest octave over detail in the next, at full resolution.

    A picture enlarged from a smaller one has (almost) nothing above the source's resolution,
    so the ratio collapses; fog lowers every octave alike and keeps the ratio.
    """
    crop = v.native.astype(np.float32)
    down = cv2.pyrDown(crop)
    finest = crop - cv2.pyrUp(down, dstsize=(crop.shape[1], crop.shape[0]))
    down2 = cv2.pyrDown(down)
    next_octave = down - cv2.pyrUp(down2, dstsize=(down.shape[1], down.shape[0]))
    next_energy = float(np.mean(next_octave**2))
    if next_energy < 4.0:
        return Measure(1.0, known=False)
    return Measure(float(np.mean(finest**2)) / next_energy)
