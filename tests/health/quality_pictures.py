"""Small camera pictures for the picture-diagnosis tests, made from scikit-image's photographs."""

from __future__ import annotations

import cv2
import numpy as np
import skimage.data

Image = np.ndarray
SIZE = (320, 180)


def photo(name: str = "astronaut", size: tuple[int, int] = SIZE) -> Image:
    """A 16:9 view of a bundled photograph, BGR."""
    image = getattr(skimage.data, name)()
    if image.ndim == 2:
        image = np.stack([image] * 3, axis=2)
    image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    height, width = image.shape[:2]
    crop_h = min(height, width * 9 // 16)
    top = (height - crop_h) // 2
    return cv2.resize(image[top : top + crop_h], size, interpolation=cv2.INTER_AREA)


def camera(image: Image, seed: int = 0, sigma: float = 1.5, clock: int = 0) -> Image:
    """What the camera delivers: sensor noise, OSD text (clock, name), JPEG."""
    rng = np.random.default_rng(seed)
    noisy = np.clip(image + rng.normal(0, sigma, image.shape[:2])[..., None], 0, 255)
    return jpeg(osd(noisy.astype(np.uint8), clock))


def osd(image: Image, clock: int = 0) -> Image:
    out = image.copy()
    scale = image.shape[0] / 500
    text = f"2026-11-29 14:{20 + clock // 60:02d}:{clock % 60:02d}"
    for origin, line in (((6, 16), text), ((image.shape[1] - 110, image.shape[0] - 8), "CAM-0042")):
        for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            shifted = (origin[0] + dx, origin[1] + dy)
            cv2.putText(out, line, shifted, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1)
        cv2.putText(out, line, origin, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1)
    return out


def jpeg(image: Image, quality: int = 80) -> Image:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_COLOR)


def exposure(image: Image, gain: float) -> Image:
    linear = (image.astype(np.float32) / 255) ** 2.2 * gain
    return (np.clip(linear, 0, 1) ** (1 / 2.2) * 255).astype(np.uint8)


def defocus(image: Image, radius: int) -> Image:
    size = 2 * radius + 1
    kernel = np.zeros((size, size), np.float32)
    cv2.circle(kernel, (radius, radius), radius, 1.0, -1)
    return cv2.filter2D(image, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REFLECT)


def night_ir(image: Image) -> Image:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    return cv2.cvtColor((grey * 0.8).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def fog(image: Image, transmission: float = 0.4) -> Image:
    return (image * transmission + 210 * (1 - transmission)).astype(np.uint8)


def flat(colour: tuple[int, int, int], size: tuple[int, int] = SIZE) -> Image:
    return np.full((size[1], size[0], 3), colour, np.uint8)
