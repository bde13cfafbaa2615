"""What a camera does to a scene: crop to its view, sensor noise, OSD text, compression.

Sources are the real photographs that ship inside scikit-image (no network): each one is a
"scene" a camera can look at.  Frames come out as BGR uint8 arrays, as a decoder gives them.
"""

from __future__ import annotations

import cv2
import numpy as np
import skimage.data

Image = np.ndarray

# Real photographs bundled with scikit-image (colour and monochrome), by name.
SCENES = {
    "astronaut": lambda: skimage.data.astronaut(),
    "coffee": lambda: skimage.data.coffee(),
    "chelsea": lambda: skimage.data.chelsea(),
    "rocket": lambda: skimage.data.rocket(),
    "motorcycle_left": lambda: skimage.data.stereo_motorcycle()[0],
    "motorcycle_right": lambda: skimage.data.stereo_motorcycle()[1],
    "camera": lambda: skimage.data.camera(),
    "coins": lambda: skimage.data.coins(),
    "gravel": lambda: skimage.data.gravel(),
    "brick": lambda: skimage.data.brick(),
    "grass": lambda: skimage.data.grass(),
    "moon": lambda: skimage.data.moon(),
    "foliage": lambda: foliage(),
}


def foliage(seed: int = 2026) -> Image:
    """A procedural hedge or tree crown (RGB): thousands of overlapping leaves of many sizes,
    greens and shades, fine texture everywhere like grass but with dark gaps between leaves."""
    rng = np.random.default_rng(seed)
    height, width = 576, 768
    image = np.zeros((height, width, 3), np.uint8)
    image[:] = (18, 32, 14)
    for _ in range(6000):
        centre = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
        length = float(rng.choice([4, 7, 12, 20], p=[0.35, 0.3, 0.25, 0.1])) * rng.uniform(0.8, 1.3)
        axes = (max(1, round(length)), max(1, round(length * rng.uniform(0.3, 0.5))))
        light = rng.uniform(0.35, 1.0)
        colour = (
            np.array([rng.uniform(60, 120), rng.uniform(140, 210), rng.uniform(20, 70)]) * light
        )
        angle = float(rng.uniform(0, 180))
        cv2.ellipse(image, centre, axes, angle, 0, 360, colour.tolist(), -1, cv2.LINE_AA)
        # The midrib: a darker line along the leaf.
        tip = (
            int(centre[0] + axes[0] * np.cos(np.radians(angle))),
            int(centre[1] + axes[0] * np.sin(np.radians(angle))),
        )
        cv2.line(image, centre, tip, (colour * 0.7).tolist(), 1, cv2.LINE_AA)
    return cv2.GaussianBlur(image, (0, 0), 0.6)


def load_scene(name: str) -> Image:
    """The photograph as BGR uint8 (monochrome ones as three equal channels)."""
    image = SCENES[name]()
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return cv2.cvtColor(image, cv2.COLOR_RGB2BGR)


# A camera's picture keeps detail down to its analysis scale (480 pixels wide); a window of a
# photograph narrower than this would be an enlarged, soft picture, not a sharp healthy one.
MIN_WINDOW = 440


def view(scene: Image, rng: np.random.Generator, size: tuple[int, int], zoom: float = 0.8) -> Image:
    """A 16:9 window of the scene (covering ``zoom`` of its width), scaled to ``size``."""
    height, width = scene.shape[:2]
    widest = min(width, int(height * 16 / 9))
    w = max(widest * zoom, min(widest, MIN_WINDOW))
    h = w * 9 / 16
    x = rng.uniform(0, width - w)
    y = rng.uniform(0, height - h)
    return crop(scene, (x, y, w, h), size)


def crop(scene: Image, box: tuple[float, float, float, float], size: tuple[int, int]) -> Image:
    x, y, w, h = box
    matrix = np.array([[size[0] / w, 0, -x * size[0] / w], [0, size[1] / h, -y * size[1] / h]])
    return cv2.warpAffine(scene, matrix, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def to_linear(image: Image) -> np.ndarray:
    return (image.astype(np.float32) / 255.0) ** 2.2


def from_linear(linear: np.ndarray) -> Image:
    return (np.clip(linear, 0, 1) ** (1 / 2.2) * 255 + 0.5).astype(np.uint8)


def sensor_noise(image: Image, rng: np.random.Generator, sigma: float) -> Image:
    """Signal-dependent sensor noise, mostly in luminance as after a camera's ISP."""
    luma = rng.normal(0, sigma, image.shape[:2])[..., None]
    chroma = rng.normal(0, sigma * 0.3, image.shape)
    return np.clip(image + luma + chroma, 0, 255).astype(np.uint8)


def osd(image: Image, rng: np.random.Generator, clock: int = 0, name: str | None = None) -> Image:
    """Timestamp top-left and camera name bottom-right: white text with a dark outline."""
    out = image.copy()
    height = image.shape[0]
    scale = height / 720 * rng.uniform(0.9, 1.3)
    thick = max(1, round(2 * scale))
    seconds = 14 * 3600 + 20 * 60 + clock
    stamp = f"2026-11-29 {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d} Sun"
    label = name or f"CAM-{rng.integers(1, 9999):04d} Station Sq"
    (lw, lh), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, thick)
    margin = int(height * 0.04)
    places = [
        (stamp, (margin, margin + lh)),
        (label, (image.shape[1] - lw - margin, height - margin)),
    ]
    font = cv2.FONT_HERSHEY_SIMPLEX
    step = max(1, thick // 2 + 1)
    for text, (x, y) in places:
        # The outline: the same text, in black, nudged around the white one.
        for dx, dy in ((-step, 0), (step, 0), (0, -step), (0, step), (step, step), (-step, -step)):
            cv2.putText(out, text, (x + dx, y + dy), font, scale, (0, 0, 0), thick, cv2.LINE_AA)
        cv2.putText(out, text, (x, y), font, scale, (255, 255, 255), thick, cv2.LINE_AA)
    return out


def compress(image: Image, quality: int) -> Image:
    """JPEG round trip: the 8x8 blocks and lost fine detail of a camera's encoder."""
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def finish(
    image: Image,
    rng: np.random.Generator,
    sigma: float | None = None,
    clock: int = 0,
    name: str | None = None,
    quality: int | None = None,
) -> Image:
    """Sensor noise, OSD and compression, in the camera's order."""
    noisy = sensor_noise(image, rng, rng.uniform(1.0, 2.5) if sigma is None else sigma)
    return compress(osd(noisy, rng, clock, name), quality or int(rng.integers(60, 90)))
