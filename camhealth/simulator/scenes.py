"""Pictures that look like a surveillance camera's: a real photograph, moving objects, sensor
noise and an on-screen display (OSD), plus every picture fault of DESIGN.md.

The photographs are the ones scikit-image ships inside its wheel (no download). A ``View`` says
what one stream shows; ``Renderer.frame(gop, index)`` draws frame ``index`` of GOP ``gop``. The
GOP number matters: the clip library encodes several GOPs and a healthy camera shows different
objects, noise and OSD time in each, so keyframes sampled minutes apart differ, while ``frozen``
repeats one picture (OSD included) and ``frozen_osd`` one scene under a ticking clock.

The OSD is drawn with OpenCV's Hershey fonts, which have no CJK glyphs: a camera name that is not
ASCII is shown as the camera's id instead (see ``osd_label``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import cv2
import numpy as np
import skimage.data

from camhealth.simulator.faults import PICTURE_FAULTS, Fault

Image = np.ndarray  # RGB, uint8, height × width × 3


def _motorcycle() -> Image:
    left, _right, _disparity = skimage.data.stereo_motorcycle()  # type: ignore[no-untyped-call]
    return np.asarray(left)


def _gray(load: Callable[[], Image]) -> Callable[[], Image]:
    return lambda: np.asarray(cv2.cvtColor(np.asarray(load()), cv2.COLOR_GRAY2RGB))


# name -> loader of a photograph bundled with scikit-image (none of these needs a download)
SCENES: dict[str, Callable[[], Image]] = {
    "launch_site": skimage.data.rocket,  # outdoor: buildings, sky, trees
    "garage": _motorcycle,  # indoor parking
    "cafe": skimage.data.coffee,  # a table seen from above
    "entrance": skimage.data.astronaut,  # a person at a door
    "living_room": skimage.data.chelsea,  # a pet camera
    "campus": _gray(skimage.data.camera),  # outdoor lawn and buildings, black-and-white film
}
SCENE_NAMES = tuple(SCENES)

# Order in which one picture fault is chosen when a camera has several: what a viewer would
# see first wins (a blank screen hides everything else, a frozen picture hides the rest).
FAULT_PRIORITY = (
    Fault.blank,
    Fault.frozen,
    Fault.frozen_osd,
    Fault.scene_change,
    Fault.occlusion,
    Fault.too_dark,
    Fault.too_bright,
    Fault.blur,
    Fault.color_cast,
    Fault.noise,
    Fault.stripes,
)
assert set(FAULT_PRIORITY) == PICTURE_FAULTS

VERSION = 3  # of the pictures: part of the clip cache's keys, bump it when drawing changes
GOP_SPACING_SECONDS = 61  # scene time between the starts of two encoded GOPs
_DAY_START = datetime(2026, 3, 14, 9, 0, 0, tzinfo=UTC)
_NIGHT_START = datetime(2026, 3, 14, 22, 30, 0, tzinfo=UTC)


@dataclass(frozen=True)
class View:
    """What one encoded stream shows; equal views give equal pictures (clips are shared)."""

    scene: str
    width: int
    height: int
    label: str = ""  # camera name in the OSD's bottom-right corner
    night: bool = False  # monochrome infrared picture
    fault: Fault | None = None  # one of PICTURE_FAULTS


def picture_fault(faults: set[Fault]) -> Fault | None:
    """The one picture fault a camera with these faults shows (see FAULT_PRIORITY)."""
    return next((fault for fault in FAULT_PRIORITY if fault in faults), None)


def osd_label(name: str, camera_id: str) -> str:
    """What the OSD can show of a camera's name: Hershey fonts are ASCII only."""
    return name if name.isascii() else camera_id


# A few pictures at most: a 4K one is 25 MB, and clips are encoded one after the other.
@lru_cache(maxsize=4)
def _photo(scene: str, width: int, height: int) -> Image:
    """The scene's photograph cropped to the stream's aspect ratio and resized to it."""
    photo = np.asarray(SCENES[scene]())[..., :3]
    ph, pw = photo.shape[:2]
    if pw / ph > width / height:
        cw, ch = round(ph * width / height), ph
    else:
        cw, ch = pw, round(pw * height / width)
    y0, x0 = (ph - ch) // 2, (pw - cw) // 2
    crop = photo[y0 : y0 + ch, x0 : x0 + cw]
    interpolation = cv2.INTER_AREA if cw > width else cv2.INTER_CUBIC
    return np.asarray(cv2.resize(crop, (width, height), interpolation=interpolation))


def _background(view: View) -> Image:
    if view.fault is not Fault.scene_change:
        return _photo(view.scene, view.width, view.height)
    # The camera was turned and looks elsewhere (somewhere of plain colours, so that the new
    # view is not also taken for a colour cast), mirrored so it is never its own old view.
    elsewhere = "garage" if view.scene != "garage" else "launch_site"
    return np.ascontiguousarray(_photo(elsewhere, view.width, view.height)[:, ::-1])


def _to_uint8(values: np.ndarray) -> Image:
    """Pixel values back into 0..255 (clipped: over- and underexposure saturate)."""
    return np.asarray(np.clip(values, 0, 255), dtype=np.uint8)


def _seed(*parts: object) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode())


class _SensorNoise:
    """Luma noise of a small sensor, one field per GOP (fresh fields would make every P-frame
    expensive to encode); added with saturation, cheap even at 4K."""

    def __init__(self, shape: tuple[int, ...], seed: int, amplitude: int) -> None:
        rng = np.random.default_rng(seed)
        h, w = shape[:2]
        luma = rng.integers(-amplitude, amplitude + 1, size=(h, w, 1), dtype=np.int16)
        self._up = np.repeat(np.maximum(luma, 0).astype(np.uint8), 3, axis=2)
        self._down = np.repeat(np.maximum(-luma, 0).astype(np.uint8), 3, axis=2)

    def add(self, image: Image) -> Image:
        return np.asarray(cv2.subtract(cv2.add(image, self._up), self._down))


def _noise_amplitude(view: View) -> int:
    """Grey levels of sensor noise: more at night (IR gain), most when the gain is at its
    maximum in the dark, and the snow of a failing sensor for the ``noise`` fault."""
    if view.fault is Fault.noise:
        return 60
    if view.fault is Fault.too_dark:
        return 7
    return 4 if view.night else 2


_OBJECT_COLOURS = ((200, 30, 30), (240, 240, 235), (30, 60, 160), (20, 20, 20), (230, 190, 40))


def _draw_car(image: Image, x: int, y: int, size: int, colour: tuple[int, int, int]) -> None:
    """A car seen from the side: body, cabin with windows, two wheels."""
    w, h = size, size * 2 // 5
    line = max(1, size // 60)
    cabin = np.array(
        [
            [x + w // 5, y],
            [x + w // 4, y - h * 2 // 3],
            [x + w * 3 // 4, y - h * 2 // 3],
            [x + w * 17 // 20, y],
        ]
    )
    cv2.fillPoly(image, [cabin], colour)
    cv2.polylines(image, [cabin], True, (15, 15, 15), line)
    glass = np.array(
        [
            [x + w * 3 // 10, y - line],
            [x + w // 3, y - h // 2],
            [x + w * 7 // 10, y - h // 2],
            [x + w * 3 // 4, y - line],
        ]
    )
    cv2.fillPoly(image, [glass], (95, 115, 135))
    cv2.rectangle(image, (x, y), (x + w, y + h // 2), colour, -1)
    cv2.rectangle(image, (x, y), (x + w, y + h // 2), (15, 15, 15), line)
    for wheel in (x + w // 5, x + w * 4 // 5):
        cv2.circle(image, (wheel, y + h // 2), h // 4 + 1, (20, 20, 20), -1)


def _draw_pedestrian(image: Image, x: int, y: int, size: int, colour: tuple[int, int, int]) -> None:
    """A walking person: head, coat, two legs."""
    head = max(2, size // 8)
    cv2.circle(image, (x, y - size + head), head, (200, 170, 140), -1)
    cv2.rectangle(image, (x - head, y - size + 2 * head), (x + head, y - size // 3), colour, -1)
    stride = size // 6
    for foot in (x - stride, x + stride):
        cv2.line(image, (x, y - size // 3), (foot, y), (40, 40, 50), max(1, head // 2))


def _draw_objects(image: Image, scene: str, t: float) -> None:
    """Small vehicles and pedestrians crossing the lower half of the picture."""
    h, w = image.shape[:2]
    rng = np.random.default_rng(_seed(scene, "objects"))
    for k in range(5):
        pedestrian = k % 2 == 1
        size = int(h * 0.1) if pedestrian else int(w * 0.08)
        speed = w * float(rng.uniform(0.01, 0.03) if pedestrian else rng.uniform(0.05, 0.12))
        direction = 1 if k % 3 else -1
        x = int((float(rng.uniform(0, w)) + direction * speed * t) % (w + size)) - size // 2
        y = int(h * float(rng.uniform(0.6, 0.92)))
        colour = _OBJECT_COLOURS[k % len(_OBJECT_COLOURS)]
        draw = _draw_pedestrian if pedestrian else _draw_car
        draw(image, x, y, size, colour)


def _night(image: Image) -> Image:
    """Monochrome infrared: grey, bright in the middle where the IR LEDs point."""
    h, w = image.shape[:2]
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    yy, xx = np.ogrid[:h, :w]
    falloff = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    lit = grey * (1.1 - 0.45 * np.clip(falloff, 0, 1)) + 8
    return np.asarray(cv2.cvtColor(_to_uint8(lit), cv2.COLOR_GRAY2RGB))


def _occlude(image: Image, seed: int, night: bool) -> Image:
    """A leaf or a plastic bag right in front of the lens: large and out of focus; dark by day,
    glaring white at night when it reflects the camera's own IR light."""
    mask, mask_f, shade = _occluder(*image.shape[:2], seed)
    # What stands out against the scene: a white bag on a dark one, a dark leaf on a bright
    # one; at night whatever is that close glares white in the IR light.
    covered = float(image[mask > 0].mean()) if mask.any() else 0.0
    light = night or covered < 110
    colour = np.array([215.0, 215.0, 205.0] if light else [36.0, 50.0, 22.0])
    leaf = colour * (1.1 - 0.3 * shade)
    return _to_uint8(image.astype(np.float32) * (1 - mask_f) + leaf * mask_f)


@lru_cache(maxsize=8)
def _occluder(h: int, w: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The occluder's shape, edge and shading: the same in every frame, and blurring with a
    kernel a tenth of the picture wide costs a second a frame, so it is drawn once."""
    mask = np.zeros((h, w), np.uint8)
    rng = np.random.default_rng(seed)
    centre = (int(w * rng.uniform(0.25, 0.4)), int(h * rng.uniform(0.5, 0.7)))
    angle = float(rng.uniform(-30, 30))
    cv2.ellipse(mask, centre, (int(w * 0.33), int(h * 0.45)), angle, 0, 360, 255, -1)
    mask_f = cv2.GaussianBlur(mask, (0, 0), sigmaX=w / 50).astype(np.float32)[..., None] / 255
    # Out of focus: no texture, only a soft shading from the edge (lit) to the middle.
    shade = cv2.GaussianBlur(mask, (0, 0), sigmaX=w / 12).astype(np.float32)[..., None] / 255
    return mask, mask_f, shade


def _stripes(image: Image, gop: int) -> Image:
    """Interference from a bad cable or power supply: slanted bars drifting through the
    picture, a sinusoid added to every pixel."""
    h, w = image.shape[:2]
    period = w / 40
    yy, xx = np.ogrid[:h, :w]
    phase = 2 * np.pi * ((xx * 0.9 + yy * 0.45) / period + gop * 0.37)
    wave = (25 * np.sin(phase)).astype(np.float32)[..., None]
    return _to_uint8(image.astype(np.float32) + wave)


_BLANK_COLOURS = ((0, 0, 0), (16, 40, 170), (128, 128, 128))  # black, blue, grey


def _blank(view: View) -> Image:
    """A "no video" screen of an encoder that lost its sensor: black, blue or grey."""
    colour = _BLANK_COLOURS[_seed(view.scene) % len(_BLANK_COLOURS)]
    image = np.empty((view.height, view.width, 3), np.uint8)
    image[:] = colour
    if colour != (0, 0, 0):
        scale = view.height / 360
        _text(image, "NO VIDEO", (int(view.width * 0.4), view.height // 2), scale)
    return image


def _blur(image: Image) -> Image:
    """A lens out of focus; blurred at a quarter of the size, which is the same for a blur this
    wide and sixteen times cheaper at 4K."""
    h, w = image.shape[:2]
    small = cv2.resize(image, (max(1, w // 4), max(1, h // 4)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), sigmaX=w / 480)
    return np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR))


def _overexpose(image: Image) -> Image:
    """Exposure far too long: the light parts clip to white, the colours wash out."""
    luma = image.astype(np.float32).mean(axis=2, keepdims=True)
    return _to_uint8(luma * 3 + 60 + 0.4 * (image - luma))


def _apply_fault(image: Image, view: View, gop: int) -> Image:
    fault = view.fault
    if fault is Fault.too_dark:
        return _to_uint8(image * 0.2)
    if fault is Fault.too_bright:
        return _overexpose(image)
    if fault is Fault.blur:
        return _blur(image)
    if fault is Fault.occlusion:
        return _occlude(image, _seed(view.scene, "leaf"), view.night)
    if fault is Fault.color_cast:
        cast = image * np.array([1.15, 0.95, 0.15]) + [25, 10, 0]
        return _to_uint8(cast)
    if fault is Fault.stripes:
        return _stripes(image, gop)
    return image


def _text(image: Image, text: str, origin: tuple[int, int], scale: float) -> None:
    """White text with a black outline, readable on any background, as camera OSDs draw it."""
    thickness = max(1, round(scale * 2))
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(
        image,
        text,
        origin,
        font,
        scale,
        (0, 0, 0),
        thickness + 2 * max(1, thickness // 2),
        cv2.LINE_AA,
    )
    cv2.putText(image, text, origin, font, scale, (255, 255, 255), thickness, cv2.LINE_AA)


def _draw_osd(image: Image, view: View, osd_time: float) -> None:
    h, w = image.shape[:2]
    scale = h / 720
    start = _NIGHT_START if view.night else _DAY_START
    stamp = (start + timedelta(seconds=int(osd_time))).strftime("%Y-%m-%d %a %H:%M:%S")
    margin = int(h * 0.05)
    _text(image, stamp, (margin // 2 + 4, margin + int(10 * scale)), scale)
    if view.label:
        (tw, _), _ = cv2.getTextSize(
            view.label, cv2.FONT_HERSHEY_SIMPLEX, scale, max(1, round(scale * 2))
        )
        _text(image, view.label, (w - tw - margin, h - margin), scale)


class Renderer:
    """Draws the frames of one View; cheap per frame (the background is prepared once)."""

    def __init__(self, view: View, fps: int = 25) -> None:
        if view.scene not in SCENES:
            raise ValueError(f"unknown scene {view.scene!r}; known: {', '.join(SCENE_NAMES)}")
        if view.fault is not None and view.fault not in PICTURE_FAULTS:
            raise ValueError(f"{view.fault} is not a picture fault")
        self.view = view
        self.fps = fps
        self._backgrounds: dict[int, Image] = {}
        self._noises: dict[int, _SensorNoise] = {}

    def frame(self, gop: int, index: int) -> Image:
        """Frame ``index`` of GOP ``gop``, OSD included."""
        view = self.view
        osd_time = gop * GOP_SPACING_SECONDS + index / self.fps
        if view.fault is Fault.blank:
            image = _blank(view)
            _draw_osd(image, view, osd_time)
            return image
        if view.fault is Fault.frozen:
            gop, index, osd_time = 0, 0, 0.0
        elif view.fault is Fault.frozen_osd:
            gop, index = 0, 0
        image = self._scene(gop, index)
        _draw_osd(image, view, osd_time)
        return image

    def _scene(self, gop: int, index: int) -> Image:
        image = self._lit_background(gop).copy()
        _draw_objects(image, self.view.scene, gop * GOP_SPACING_SECONDS + index / self.fps)
        if self.view.night:
            image = _night(image)
        return self._noise(gop).add(_apply_fault(image, self.view, gop))

    def _lit_background(self, gop: int) -> Image:
        """The background in this GOP's light (clouds, lamps): keyframes differ a little."""
        if gop not in self._backgrounds:
            self._backgrounds.clear()  # frames are drawn GOP by GOP: keep one
            light = 1.0 + 0.04 * np.sin(gop * 1.7)
            self._backgrounds[gop] = _to_uint8(_background(self.view) * light)
        return self._backgrounds[gop]

    def _noise(self, gop: int) -> _SensorNoise:
        if gop not in self._noises:
            self._noises.clear()
            shape = (self.view.height, self.view.width)
            self._noises[gop] = _SensorNoise(
                shape, _seed(self.view, gop), _noise_amplitude(self.view)
            )
        return self._noises[gop]


def still(view: View, when: float, fps: int = 25) -> Image:
    """One picture of the view at wall-clock time ``when`` (e.g. for an ONVIF snapshot)."""
    of_day = when % 86400  # keeps the OSD date in range
    return Renderer(view, fps).frame(int(of_day // GOP_SPACING_SECONDS), int(of_day % 1 * fps))
