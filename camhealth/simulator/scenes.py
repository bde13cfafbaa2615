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


@lru_cache(maxsize=32)
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


def _other_scene(scene: str) -> str:
    """Where a camera that was turned away looks: another scene of the set."""
    return SCENE_NAMES[(SCENE_NAMES.index(scene) + 1) % len(SCENE_NAMES)]


@lru_cache(maxsize=32)
def _background(view: View) -> Image:
    if view.fault is Fault.scene_change:
        return np.ascontiguousarray(
            _photo(_other_scene(view.scene), view.width, view.height)[:, ::-1]
        )
    return _photo(view.scene, view.width, view.height)


def _to_uint8(values: np.ndarray) -> Image:
    """Pixel values back into 0..255 (clipped: over- and underexposure saturate)."""
    return np.asarray(np.clip(values, 0, 255), dtype=np.uint8)


def _seed(*parts: object) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode())


def _add_sensor_noise(image: Image, seed: int, amplitude: int) -> Image:
    """Luma noise of a small sensor; one field per GOP keeps P-frames cheap to encode."""
    rng = np.random.default_rng(seed)
    h, w = image.shape[:2]
    noise = rng.integers(-amplitude, amplitude + 1, size=(h, w, 1), dtype=np.int16)
    return _to_uint8(image.astype(np.int16) + noise)


_OBJECT_COLOURS = ((200, 30, 30), (240, 240, 235), (30, 60, 160), (20, 20, 20), (230, 190, 40))


def _draw_objects(image: Image, scene: str, t: float) -> None:
    """Small vehicles and pedestrians crossing the lower half of the picture."""
    h, w = image.shape[:2]
    rng = np.random.default_rng(_seed(scene, "objects"))
    for k in range(5):
        pedestrian = k % 2 == 1
        ow = int(w * (0.02 if pedestrian else 0.07))
        oh = int(h * (0.09 if pedestrian else 0.06))
        speed = w * float(rng.uniform(0.01, 0.03) if pedestrian else rng.uniform(0.05, 0.12))
        direction = 1 if k % 3 else -1
        x = int((float(rng.uniform(0, w)) + direction * speed * t) % (w + ow)) - ow
        y = int(h * float(rng.uniform(0.55, 0.9)))
        colour = _OBJECT_COLOURS[k % len(_OBJECT_COLOURS)]
        cv2.rectangle(image, (x, y), (x + ow, y + oh), colour, thickness=-1)
        cv2.rectangle(image, (x, y), (x + ow, y + oh), (10, 10, 10), thickness=max(1, w // 640))
        if not pedestrian:  # a windscreen makes a car read as a car
            cv2.rectangle(
                image,
                (x + ow // 4, y + oh // 8),
                (x + ow * 3 // 4, y + oh // 3),
                (90, 110, 130),
                -1,
            )


def _night(image: Image) -> Image:
    """Monochrome infrared: grey, bright in the middle where the IR LEDs point."""
    h, w = image.shape[:2]
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    yy, xx = np.ogrid[:h, :w]
    falloff = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    lit = grey * (1.1 - 0.45 * np.clip(falloff, 0, 1)) + 8
    return np.asarray(cv2.cvtColor(_to_uint8(lit), cv2.COLOR_GRAY2RGB))


def _occlude(image: Image, seed: int) -> Image:
    """A leaf or a plastic bag right in front of the lens: large, dark and out of focus."""
    h, w = image.shape[:2]
    mask = np.zeros((h, w), np.uint8)
    rng = np.random.default_rng(seed)
    centre = (int(w * rng.uniform(0.25, 0.45)), int(h * rng.uniform(0.45, 0.7)))
    cv2.ellipse(
        mask, centre, (int(w * 0.42), int(h * 0.55)), float(rng.uniform(-30, 30)), 0, 360, 255, -1
    )
    mask_f = cv2.GaussianBlur(mask, (0, 0), sigmaX=w / 60).astype(np.float32)[..., None] / 255
    texture = np.asarray(skimage.data.grass())  # type: ignore[no-untyped-call]
    grass = cv2.resize(texture, (w, h)).astype(np.float32)
    leaf = np.stack([grass * 0.12, grass * 0.25 + 20, grass * 0.08], axis=-1)
    blended = image.astype(np.float32) * (1 - mask_f) + leaf * mask_f
    return _to_uint8(blended)


def _stripes(image: Image, gop: int) -> Image:
    """Interference bars rolling through the picture, as from a bad cable or power supply."""
    h = image.shape[0]
    rows = np.arange(h, dtype=np.float32)
    wave = np.sin(2 * np.pi * (rows / (h / 9) + gop * 0.37))
    bars = np.where(wave > 0.3, 70.0, -45.0)[:, None, None]
    return _to_uint8(image.astype(np.float32) + bars)


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


def _apply_fault(image: Image, view: View, gop: int) -> Image:
    fault, w = view.fault, view.width
    if fault is Fault.too_dark:
        return _add_sensor_noise((image * 0.07).astype(np.uint8), _seed(view, gop), 3)
    if fault is Fault.too_bright:
        return _to_uint8(image * 0.35 + 205)
    if fault is Fault.blur:
        return np.asarray(cv2.GaussianBlur(image, (0, 0), sigmaX=w / 90))
    if fault is Fault.occlusion:
        return _occlude(image, _seed(view.scene, "leaf"))
    if fault is Fault.color_cast:
        cast = image * np.array([1.15, 0.95, 0.15]) + [25, 10, 0]
        return _to_uint8(cast)
    if fault is Fault.noise:
        return _add_sensor_noise(image, _seed(view, gop, "snow"), 70)
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
        self._gop_images: dict[int, Image] = {}

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
        base = self._gop_image(gop)
        image = base.copy()
        _draw_objects(image, self.view.scene, gop * GOP_SPACING_SECONDS + index / self.fps)
        if self.view.night:
            image = _night(image)
        return _apply_fault(image, self.view, gop)

    def _gop_image(self, gop: int) -> Image:
        """Background with this GOP's sensor noise and light level (clouds, lamps)."""
        if gop not in self._gop_images:
            self._gop_images.clear()  # frames are drawn GOP by GOP: keep one
            background = _background(self.view)
            light = 1.0 + 0.04 * np.sin(gop * 1.7)
            lit = _to_uint8(background * light)
            self._gop_images[gop] = _add_sensor_noise(
                lit, _seed(self.view, gop), 4 if self.view.night else 2
            )
        return self._gop_images[gop]


def still(view: View, when: float, fps: int = 25) -> Image:
    """One picture of the view at wall-clock time ``when`` (e.g. for an ONVIF snapshot)."""
    of_day = when % 86400  # keeps the OSD date in range
    return Renderer(view, fps).frame(int(of_day // GOP_SPACING_SECONDS), int(of_day % 1 * fps))
