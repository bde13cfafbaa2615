"""The downscaled copies of a frame that the picture measures work on, and the OSD text mask.

Measures run on small copies so a 4K frame costs about what a 640x360 one does: ``small`` (480
pixels wide, colour and grey) for exposure, colour, edges and regions; ``detail`` (at most 960
wide, grey) for noise and stripes; ``native`` (a full-resolution centre crop) for the effective
resolution.  The OSD mask marks the camera's own text overlay (white strokes with a dark outline,
as cameras draw their clock and name) so that no measure takes it for texture or for change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np
import numpy.typing as npt

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]
Mask = npt.NDArray[np.bool_]

SMALL_WIDTH = 480
DETAIL_WIDTH = 960
NATIVE_CROP = 256


@dataclass(frozen=True, eq=False)
class Views:
    width: int
    height: int
    small: U8
    grey: U8
    detail: U8
    native: U8
    osd: Mask
    frame: U8

    @property
    def scale(self) -> float:
        """Frame pixels per ``small`` pixel."""
        return self.width / int(self.small.shape[1])

    def grey_block(self, x: int, y: int, side: int) -> U8:
        """A full-resolution grey square of the frame at (x, y)."""
        patch = self.frame[y : y + side, x : x + side]
        return np.asarray(cv2.cvtColor(patch, cv2.COLOR_BGR2GRAY), np.uint8)

    @cached_property
    def quarter(self) -> U8:
        """Every other pixel of ``small`` across and down (contiguous): exposure, blank and
        colour measures need no more, and share this one copy."""
        return np.ascontiguousarray(self.small[::2, ::2])

    @cached_property
    def quarter_grey(self) -> U8:
        return np.ascontiguousarray(self.grey[::2, ::2])

    @cached_property
    def quarter_osd(self) -> Mask:
        return np.ascontiguousarray(self.osd[::2, ::2])

    @cached_property
    def histogram(self) -> npt.NDArray[np.int64]:
        """Luminance histogram of the same pixels."""
        grey = self.quarter_grey[~self.quarter_osd]
        return np.bincount(grey, minlength=256)

    @cached_property
    def lab(self) -> F32:
        """CIE Lab of every other pixel of ``small``, a and b centred on 0."""
        lab = cv2.cvtColor(self.quarter, cv2.COLOR_BGR2LAB).astype(np.float32)
        lab[..., 1:] -= 128.0
        return lab


def views(frame: U8) -> Views:
    """Validate a decoded BGR frame and make its analysis copies."""
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"expected a BGR uint8 frame, got {frame.dtype} {frame.shape}")
    height, width = frame.shape[:2]
    if width < 16 or height < 16:
        raise ValueError(f"frame too small: {width}x{height}")
    middle = _shrink(frame, DETAIL_WIDTH)
    detail = np.asarray(cv2.cvtColor(middle, cv2.COLOR_BGR2GRAY), np.uint8)
    small = _shrink(middle, SMALL_WIDTH)
    grey = np.asarray(cv2.cvtColor(small, cv2.COLOR_BGR2GRAY), np.uint8)
    return Views(
        width=width,
        height=height,
        small=small,
        grey=grey,
        detail=detail,
        native=_centre_crop(frame),
        osd=osd_mask(small, grey),
        frame=frame,
    )


def _shrink(image: U8, max_width: int) -> U8:
    height, width = image.shape[:2]
    if width <= max_width:
        return image
    # INTER_AREA by a whole factor of 2 is OpenCV's fast path; by 4 it is three times slower
    # than two halvings, which average the same pixels (striding would drop three in four).
    while width >= max_width * 4:
        width, height = width // 2, height // 2
        image = np.asarray(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA))
    size = (max_width, max(1, round(height * max_width / width)))
    return np.ascontiguousarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA))


def _centre_crop(frame: U8) -> U8:
    height, width = frame.shape[:2]
    side = min(NATIVE_CROP, height, width)
    y, x = (height - side) // 2, (width - side) // 2
    crop = frame[y : y + side, x : x + side]
    return np.ascontiguousarray(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY))


def osd_mask(small: U8, grey: U8) -> Mask:
    """Pixels of overlay text: near-white, colourless strokes close to something much darker."""
    blue, green, red = cv2.split(small)
    spread = cv2.max(cv2.max(blue, green), red) - cv2.min(cv2.min(blue, green), red)
    white = (grey >= 190) & (spread <= 40)
    # The darkest pixel near is never brighter than the pixel itself: no saturation.
    contrast = cv2.subtract(grey, cv2.erode(grey, np.ones((5, 5), np.uint8)))
    strokes = (white & (contrast >= 100)).view(np.uint8)
    # A line of text is a row of strokes: join them, then drop lone bright edges of the scene.
    line = cv2.morphologyEx(strokes, cv2.MORPH_CLOSE, np.ones((3, 9), np.uint8))
    # Outlines rather than labelled components: a tenth of the cost, and a line of text is
    # masked whole, holes of its letters included.
    outlines, _ = cv2.findContours(line, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    text = np.zeros_like(line)
    for outline in outlines:
        _, _, w, h = cv2.boundingRect(outline)
        if h <= grey.shape[0] * 0.15 and w >= h and w * h >= 12:
            cv2.drawContours(text, [outline], 0, 1, thickness=cv2.FILLED)
    return np.asarray(cv2.dilate(text, np.ones((5, 5), np.uint8)), dtype=bool)
