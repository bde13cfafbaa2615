"""What a camera does to a scene: crop to its view, sensor noise, OSD text, compression.

Sources are the real photographs that ship inside scikit-image (no network): each one is a
"scene" a camera can look at.  The fourth held-out split adds photographs that ship inside
scikit-learn's and matplotlib's wheels; those two are installed only for that generator run
(``uv run --with scikit-learn --with matplotlib``), not as project dependencies; the fifth
adds two procedural scenes, an indoor corridor and a car park; the seventh a shop aisle; the
eighth an open-plan office; the ninth a city street at night.
Frames come
out as BGR uint8 arrays, as a decoder gives them.
"""

from __future__ import annotations

from collections.abc import Callable

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
    "facade": lambda: facade(),
    "street": lambda: street(),
    "china": lambda: _sklearn_photo("china.jpg"),
    "flower": lambda: _sklearn_photo("flower.jpg"),
    "grace_hopper": lambda: _matplotlib_photo("grace_hopper.jpg"),
    "corridor": lambda: corridor(),
    "car_park": lambda: car_park(),
    "shop_aisle": lambda: shop_aisle(),
    "office": lambda: office(),
    "night_street": lambda: night_street(),
}


def _sklearn_photo(name: str) -> Image:
    """One of the two photographs in scikit-learn's wheel (RGB), imported only when asked for."""
    from sklearn.datasets import load_sample_image

    return np.asarray(load_sample_image(name))


def _matplotlib_photo(name: str) -> Image:
    """A photograph from matplotlib's sample data (RGB), imported only when asked for."""
    from matplotlib import cbook

    path = cbook.get_sample_data(name, asfileobj=False)
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise SystemExit(f"cannot read {path}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


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


def _texture(rng: np.random.Generator, shape: tuple[int, int], sigma: float, size: float) -> Image:
    """Smooth random grain (plaster, asphalt): noise blurred to a grain of ``size`` pixels."""
    grain = cv2.GaussianBlur(rng.normal(0, 1, shape).astype(np.float32), (0, 0), size)
    return grain * (sigma / max(float(grain.std()), 1e-6))


def facade(seed: int = 2027) -> Image:
    """A procedural building facade (RGB): plastered wall, floors of framed windows (glass with
    reflections, some blinds, some lit), cornices, a shop front with a sign at street level."""
    rng = np.random.default_rng(seed)
    height, width = 720, 1080
    wall = np.array([196, 176, 150], np.float32) * np.linspace(0.85, 1.05, width)[None, :, None]
    image = wall + _texture(rng, (height, width), 6.0, 1.2)[..., None]
    image = np.clip(image, 0, 255).astype(np.uint8)
    floors, columns = 5, 9
    floor_h = int(height * 0.74 / floors)
    for floor in range(floors):
        top = int(height * 0.04) + floor * floor_h
        cornice = top + floor_h - 10
        cv2.rectangle(image, (0, cornice), (width, cornice + 6), (222, 210, 190), -1)
        cv2.line(image, (0, cornice + 7), (width, cornice + 7), (120, 105, 90), 2, cv2.LINE_AA)
        for column in range(columns):
            x = int(width * (0.04 + column * 0.107))
            y, w, h = top + 14, int(width * 0.06), int(floor_h * 0.6)
            cv2.rectangle(image, (x - 5, y - 5), (x + w + 5, y + h + 5), (236, 232, 224), -1)
            lit = rng.uniform() < 0.15
            glass = np.array([230, 190, 120] if lit else [70, 85, 100], np.float32)
            shade = np.linspace(1.15, 0.8, h)[:, None, None] * glass
            panel = np.broadcast_to(shade, (h, w, 3)).copy()
            # A sky reflection: a lighter diagonal band across the pane.
            yy, xx = np.mgrid[0:h, 0:w]
            band = np.abs((xx - yy * 0.6) - w * rng.uniform(0.2, 0.8)) < w * 0.12
            panel[band] = np.minimum(panel[band] * 1.6, 255)
            if rng.uniform() < 0.3:  # blinds
                panel[:: max(2, h // 12)] *= 0.6
                panel[: int(h * rng.uniform(0.3, 0.7))] = np.array([215, 210, 196]) * 0.9
            image[y : y + h, x : x + w] = np.clip(panel, 0, 255).astype(np.uint8)
            cv2.line(image, (x + w // 2, y), (x + w // 2, y + h), (236, 232, 224), 3)
    shop = int(height * 0.8)
    cv2.rectangle(image, (0, shop), (width, height), (60, 62, 66), -1)
    cv2.rectangle(
        image, (int(width * 0.08), shop + 40), (int(width * 0.55), height), (95, 110, 120), -1
    )
    cv2.rectangle(
        image, (int(width * 0.65), shop + 30), (int(width * 0.75), height), (90, 50, 30), -1
    )
    cv2.rectangle(
        image, (int(width * 0.1), shop + 6), (int(width * 0.5), shop + 32), (170, 30, 40), -1
    )
    cv2.putText(
        image,
        "BAKERY",
        (int(width * 0.2), shop + 28),
        cv2.FONT_HERSHEY_DUPLEX,
        0.9,
        (250, 240, 220),
        2,
        cv2.LINE_AA,
    )
    return cv2.GaussianBlur(image, (0, 0), 0.6)


def street(seed: int = 2028) -> Image:
    """A procedural city street in perspective (RGB): sky, buildings with rows of windows on
    both sides, a road with lane markings, pavements, parked cars, lamp posts and trees."""
    rng = np.random.default_rng(seed)
    height, width = 720, 1080
    vx, vy = width // 2, int(height * 0.4)
    sky = np.linspace(0, 1, vy)[:, None, None]
    image = np.zeros((height, width, 3), np.float32)
    image[:vy] = np.array([120, 160, 210]) * (1 - sky) + np.array([205, 215, 228]) * sky
    image[vy:] = (150, 150, 148)
    image = np.clip(image, 0, 255).astype(np.uint8)

    def toward(x: float, y: float, t: float) -> tuple[int, int]:
        """The point a share t of the way from (x, y) to the vanishing point."""
        return int(x + (vx - x) * t), int(y + (vy - y) * t)

    for side, colour in ((0, (150, 120, 100)), (width, (190, 180, 160))):
        near_top, near_bottom = (side, int(-height * 0.3)), (side, int(height * 0.85))
        far = 0.82
        building = np.array(
            [near_top, toward(*near_top, far), toward(*near_bottom, far), near_bottom], np.int32
        )
        cv2.fillPoly(image, [building], colour, cv2.LINE_AA)
        for row in np.linspace(0.05, 0.8, 7):
            for t in np.linspace(0.04, 0.74, 9):
                top = toward(side, -height * 0.3 + row * height * 1.15, t)
                bottom = toward(side, -height * 0.3 + (row + 0.07) * height * 1.15, t)
                right = toward(side, -height * 0.3 + (row + 0.07) * height * 1.15, t + 0.05)
                glass = (60, 70, 85) if rng.uniform() > 0.2 else (225, 200, 140)
                top_right = toward(side, -height * 0.3 + row * height * 1.15, t + 0.05)
                pane = np.array([top, bottom, right, top_right], np.int32)
                cv2.fillPoly(image, [pane], glass, cv2.LINE_AA)
    road = np.array(
        [(0, height), (int(width * 0.47), vy), (int(width * 0.53), vy), (width, height)]
    )
    cv2.fillPoly(image, [road.astype(np.int32)], (85, 85, 88), cv2.LINE_AA)
    for outer, inner in ((-0.25, 0.06), (1.25, 0.94)):
        kerb = np.array(
            [
                (width * outer, height),
                toward(width * outer, height, 0.97),
                toward(width * inner, height, 0.97),
                (width * inner, height),
            ]
        )
        cv2.fillPoly(image, [kerb.astype(np.int32)], (175, 172, 165), cv2.LINE_AA)
    for start in np.arange(0.0, 0.95, 0.12):
        dash = np.array(
            [
                toward(vx - 8, height, start),
                toward(vx + 8, height, start),
                toward(vx + 8, height, start + 0.06),
                toward(vx - 8, height, start + 0.06),
            ]
        )
        cv2.fillPoly(image, [dash.astype(np.int32)], (235, 235, 225), cv2.LINE_AA)
    for t in (0.1, 0.35, 0.55, 0.7):
        for side in (0.12, 0.88):
            base = toward(width * side, height * 0.98, t)
            scale = 1 - t
            car_w, car_h = int(150 * scale), int(70 * scale)
            colour = [int(c) for c in rng.integers(20, 230, 3)]
            x0, y0 = base[0] - car_w // 2, base[1] - car_h
            cv2.rectangle(image, (x0, y0), (x0 + car_w, base[1]), colour, -1, cv2.LINE_AA)
            cv2.rectangle(
                image,
                (x0 + car_w // 6, y0 - car_h // 3),
                (x0 + car_w * 5 // 6, y0 + car_h // 4),
                (40, 48, 60),
                -1,
                cv2.LINE_AA,
            )
            for wx in (x0 + car_w // 5, x0 + car_w * 4 // 5):
                cv2.circle(image, (wx, base[1]), max(2, car_h // 4), (20, 20, 20), -1, cv2.LINE_AA)
    for t in np.linspace(0.0, 0.8, 6):
        for side in (0.03, 0.97):
            foot = toward(width * side, height * 1.0, t)
            head = (foot[0], int(foot[1] - (height * 0.55) * (1 - t)))
            cv2.line(image, foot, head, (50, 55, 60), max(1, int(6 * (1 - t))), cv2.LINE_AA)
            cv2.circle(image, head, max(2, int(10 * (1 - t))), (240, 230, 200), -1, cv2.LINE_AA)
            crown = (foot[0] + int((60 if side < 0.5 else -60) * (1 - t)), head[1] + 40)
            for _ in range(25):
                leaf = (
                    crown[0] + int(rng.normal(0, 30 * (1 - t) + 2)),
                    crown[1] + int(rng.normal(0, 25 * (1 - t) + 2)),
                )
                green = (
                    int(rng.uniform(30, 80)),
                    int(rng.uniform(90, 150)),
                    int(rng.uniform(30, 70)),
                )
                cv2.circle(image, leaf, max(1, int(12 * (1 - t))), green, -1, cv2.LINE_AA)
    grain = _texture(rng, (height, width), 4.0, 0.8)[..., None]
    image = np.clip(image.astype(np.float32) + grain, 0, 255).astype(np.uint8)
    return cv2.GaussianBlur(image, (0, 0), 0.7)


ROOM = (720, 1080)  # height, width of the procedural indoor views
Toward = Callable[[float, float, float], tuple[int, int]]


def _perspective_room(
    rng: np.random.Generator,
    colour: tuple[int, int, int],
    grain: float,
    across: tuple[float, float],
    rise: float,
) -> tuple[Image, Toward]:
    """An indoor view's plain textured background and its perspective: ``toward(x, y, t)``
    is the point a share ``t`` of the way from (x, y) to the vanishing point, drawn at
    ``across`` of the width and ``rise`` of the height."""
    height, width = ROOM
    vx, vy = int(width * rng.uniform(*across)), int(height * rise)
    image = np.zeros((height, width, 3), np.float32)
    image[:] = colour
    image = np.clip(image + _texture(rng, (height, width), grain, 1.5)[..., None], 0, 255)

    def toward(x: float, y: float, t: float) -> tuple[int, int]:
        return int(x + (vx - x) * t), int(y + (vy - y) * t)

    return image.astype(np.uint8), toward


def corridor(seed: int = 2029) -> Image:
    """A procedural indoor corridor in perspective (RGB): a tiled floor, painted walls with
    doors and notice boards, a ceiling with a row of lit panels; the view of a hospital, a
    library or a station concourse camera (large plain surfaces, one repeating floor)."""
    rng = np.random.default_rng(seed)
    height, width = ROOM
    image, toward = _perspective_room(rng, (212, 214, 206), 3.0, (0.45, 0.55), 0.45)
    far = 0.85
    ceiling = np.array([(0, 0), (width, 0), toward(width, 0, far), toward(0, 0, far)])
    floor = np.array(
        [(0, height), (width, height), toward(width, height, far), toward(0, height, far)]
    )
    cv2.fillPoly(image, [ceiling.astype(np.int32)], (236, 236, 232), cv2.LINE_AA)
    cv2.fillPoly(image, [floor.astype(np.int32)], (150, 140, 122), cv2.LINE_AA)
    end = np.array([toward(0, 0, far), toward(width, 0, far), toward(width, height, far)])
    cv2.rectangle(image, tuple(end[0]), tuple(end[2]), (180, 190, 196), -1)
    # Floor tile joints: lines to the vanishing point and across, closer together far away.
    joints = np.zeros((height, width), np.uint8)
    for x in np.linspace(-width, 2 * width, 15):
        cv2.line(joints, (int(x), height), toward(x, height, far), 255, 2, cv2.LINE_AA)
    for t in 1 - np.geomspace(1.0, 1 - far, 12):
        cv2.line(joints, toward(-width, height, t), toward(2 * width, height, t), 255, 2)
    on_floor = np.zeros_like(joints)
    cv2.fillPoly(on_floor, [floor.astype(np.int32)], 255)
    image[cv2.min(joints, on_floor) > 128] = (118, 110, 98)
    for t in np.linspace(0.05, 0.75, 6):
        a, b = toward(width * 0.35, 0, t), toward(width * 0.65, 0, t + 0.04)
        cv2.rectangle(image, a, b, (255, 255, 250), -1, cv2.LINE_AA)
    for side in (0, width):
        for t in np.linspace(0.08, 0.7, 4 + int(rng.integers(0, 2))):
            top, bottom = toward(side, height * 0.22, t), toward(side, height, t)
            right = toward(side, height, t + 0.1)
            colour = [int(c) for c in rng.integers(60, 170, 3)]
            door = np.array([top, bottom, right, toward(side, height * 0.22, t + 0.1)])
            cv2.fillPoly(image, [door.astype(np.int32)], colour, cv2.LINE_AA)
            if rng.uniform() < 0.5:
                board = [toward(side, height * 0.3, t + 0.12), toward(side, height * 0.5, t + 0.16)]
                cv2.rectangle(image, board[0], board[1], (70, 120, 170), -1, cv2.LINE_AA)
    return cv2.GaussianBlur(image, (0, 0), 0.7)


def car_park(seed: int = 2030) -> Image:
    """A procedural open car park seen from a mast (RGB): asphalt with painted bays, parked cars
    of many colours, a kerb with a verge and a few trees (much grey, little fine texture)."""
    rng = np.random.default_rng(seed)
    height, width = 720, 1080
    asphalt = (
        np.array([96, 98, 102], np.float32) + _texture(rng, (height, width), 5.0, 1.0)[..., None]
    )
    image = np.clip(asphalt, 0, 255).astype(np.uint8)
    cv2.rectangle(image, (0, 0), (width, int(height * 0.12)), (95, 130, 70), -1)
    cv2.rectangle(image, (0, int(height * 0.12)), (width, int(height * 0.14)), (190, 188, 180), -1)
    for row_top in (0.2, 0.58):
        top, bottom = int(height * row_top), int(height * (row_top + 0.3))
        cv2.line(image, (0, bottom), (width, bottom), (225, 225, 215), 3, cv2.LINE_AA)
        for x in range(20, width, 90):
            cv2.line(image, (x, top), (x, bottom), (225, 225, 215), 3, cv2.LINE_AA)
            if rng.uniform() < 0.75:
                colour = [int(c) for c in rng.integers(15, 235, 3)]
                car = (x + 12, top + 14, x + 78, bottom - 10)
                cv2.rectangle(image, car[:2], car[2:], colour, -1, cv2.LINE_AA)
                glass = (car[0] + 8, car[1] + 30, car[2] - 8, car[1] + 70)
                cv2.rectangle(image, glass[:2], glass[2:], (45, 50, 60), -1, cv2.LINE_AA)
    for _ in range(6):
        centre = (int(rng.uniform(0, width)), int(rng.uniform(0, height * 0.1)))
        for _ in range(30):
            leaf = (centre[0] + int(rng.normal(0, 30)), centre[1] + int(rng.normal(0, 20)))
            green = (int(rng.uniform(30, 70)), int(rng.uniform(80, 140)), int(rng.uniform(25, 60)))
            cv2.circle(image, leaf, int(rng.uniform(6, 14)), green, -1, cv2.LINE_AA)
    return cv2.GaussianBlur(image, (0, 0), 0.7)


def shop_aisle(seed: int = 2031) -> Image:
    """A procedural supermarket aisle in perspective (RGB): shelves on both sides stocked with
    packages of many saturated colours and white price labels, a glossy pale floor with the
    ceiling lights' reflections, a row of lights overhead (many small saturated patches, the
    colours spread over the whole hue circle, unlike any other scene)."""
    rng = np.random.default_rng(seed)
    height, width = ROOM
    image, toward = _perspective_room(rng, (226, 226, 222), 2.5, (0.46, 0.54), 0.42)
    far = 0.88
    floor = np.array(
        [(0, height), (width, height), toward(width, height, far), toward(0, height, far)]
    )
    cv2.fillPoly(image, [floor.astype(np.int32)], (200, 198, 190), cv2.LINE_AA)
    for t in np.linspace(0.05, 0.8, 7):
        a, b = toward(width * 0.4, 0, t), toward(width * 0.6, 0, t + 0.03)
        cv2.rectangle(image, a, b, (255, 255, 252), -1, cv2.LINE_AA)
        # The light's reflection on the polished floor.
        ra, rb = toward(width * 0.42, height, t), toward(width * 0.58, height, t + 0.03)
        cv2.rectangle(image, ra, rb, (232, 232, 228), -1, cv2.LINE_AA)
    for side in (0, width):
        # The shelving unit's face, then five shelves of packages from the floor up.
        face = np.array(
            [
                (side, int(-height * 0.1)),
                toward(side, -height * 0.1, far),
                toward(side, height, far),
                (side, height),
            ]
        )
        cv2.fillPoly(image, [face.astype(np.int32)], (70, 72, 78), cv2.LINE_AA)
        for shelf in range(5):
            low = height * (0.98 - shelf * 0.2)
            high = low - height * 0.17
            t = 0.0
            while t < far - 0.02:
                step = float(rng.uniform(0.015, 0.04))
                colour = cv2.cvtColor(
                    np.uint8([[[rng.integers(0, 180), rng.integers(120, 256), 255]]]),
                    cv2.COLOR_HSV2RGB,
                )[0, 0] * rng.uniform(0.45, 1.0)
                top = rng.uniform(0.0, 0.35)
                box = np.array(
                    [
                        toward(side, high + (low - high) * top, t),
                        toward(side, low, t),
                        toward(side, low, t + step * 0.92),
                        toward(side, high + (low - high) * top, t + step * 0.92),
                    ]
                )
                cv2.fillPoly(image, [box.astype(np.int32)], colour.tolist(), cv2.LINE_AA)
                if rng.uniform() < 0.6:  # a light band or a logo across the package
                    mid = high + (low - high) * rng.uniform(0.45, 0.7)
                    band = np.array(
                        [
                            toward(side, mid, t),
                            toward(side, mid + (low - high) * 0.1, t),
                            toward(side, mid + (low - high) * 0.1, t + step * 0.92),
                            toward(side, mid, t + step * 0.92),
                        ]
                    )
                    cv2.fillPoly(image, [band.astype(np.int32)], (240, 236, 226), cv2.LINE_AA)
                t += step
            edge = [toward(side, low, 0.0), toward(side, low, far)]
            cv2.line(image, edge[0], edge[1], (235, 235, 235), 4, cv2.LINE_AA)
            for t in np.arange(0.02, far - 0.05, 0.07):
                label = np.array(
                    [
                        toward(side, low - 6, t),
                        toward(side, low + 6, t),
                        toward(side, low + 6, t + 0.03),
                        toward(side, low - 6, t + 0.03),
                    ]
                )
                cv2.fillPoly(image, [label.astype(np.int32)], (250, 250, 245), cv2.LINE_AA)
    end = np.array([toward(0, 0, far), toward(width, height, far)])
    cv2.rectangle(image, tuple(end[0]), tuple(end[1]), (150, 160, 175), -1)
    return cv2.GaussianBlur(image, (0, 0), 0.7)


def office(seed: int = 2032) -> Image:
    """A procedural open-plan office seen from a ceiling corner (RGB): a dark carpet with a fine
    weave, rows of pale desks with dark monitors (their screens lit blue-white), chairs, a
    whiteboard, and a window wall on the left whose daylight view (sky, buildings) is much
    brighter than the room: an indoor scene with a large bright region of its own."""
    rng = np.random.default_rng(seed)
    height, width = 720, 1080
    image = np.zeros((height, width, 3), np.float32)
    image[:] = (205, 200, 190)  # the back wall
    image = np.clip(image + _texture(rng, (height, width), 2.0, 2.0)[..., None], 0, 255)
    horizon = int(height * 0.38)
    # Carpet: dark blue-grey with a fine weave.
    weave = _texture(rng, (height - horizon, width), 9.0, 0.8)
    carpet = np.array((70, 76, 88), np.float32) + weave[..., None]
    image[horizon:] = np.clip(carpet, 0, 255)
    image = image.astype(np.uint8)
    # Ceiling with a grid of lit panels.
    cv2.rectangle(image, (0, 0), (width, int(height * 0.12)), (228, 228, 224), -1)
    for x in range(60, width, 180):
        cv2.rectangle(image, (x, 12), (x + 90, 40), (255, 255, 250), -1, cv2.LINE_AA)
    # The window wall: mullions over a bright view of sky and buildings.
    left = int(width * 0.28)
    view = np.zeros((height, left, 3), np.uint8)
    view[:] = (236, 240, 246)
    for _ in range(7):
        bx = int(rng.integers(0, left))
        top = int(rng.integers(int(height * 0.25), int(height * 0.5)))
        shade = int(rng.integers(150, 215))
        cv2.rectangle(view, (bx, top), (bx + int(rng.integers(30, 90)), height), (shade,) * 3, -1)
    window = np.array([(0, 0), (left, int(height * 0.14)), (left, int(height * 0.62)), (0, height)])
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [window.astype(np.int32)], 255)
    image[:, :left][mask[:, :left] > 0] = view[mask[:, :left] > 0]
    for x in np.linspace(0, left, 5):
        cv2.line(image, (int(x), 0), (int(x), height), (90, 92, 96), 5, cv2.LINE_AA)
    # A whiteboard on the back wall.
    cv2.rectangle(
        image,
        (int(width * 0.62), int(height * 0.17)),
        (int(width * 0.86), int(height * 0.33)),
        (244, 244, 242),
        -1,
        cv2.LINE_AA,
    )
    for k in range(4):
        y = int(height * (0.2 + 0.03 * k))
        cv2.line(
            image, (int(width * 0.64), y), (int(width * (0.7 + 0.03 * k)), y), (40, 60, 150), 2
        )
    # Rows of desks, nearer rows larger and lower.
    for row, (y, scale) in enumerate(((0.44, 0.55), (0.55, 0.75), (0.72, 1.0))):
        top = int(height * y)
        for x in np.arange(left + 10 - row * 80, width, 230 * scale):
            w, d = int(200 * scale), int(60 * scale)
            cv2.rectangle(
                image, (int(x), top), (int(x) + w, top + d), (196, 178, 150), -1, cv2.LINE_AA
            )
            cv2.rectangle(
                image,
                (int(x), top + d),
                (int(x) + w, top + d + int(10 * scale)),
                (150, 132, 110),
                -1,
            )
            for m in (0.15, 0.55):
                mx = int(x + w * m)
                cv2.rectangle(
                    image,
                    (mx, top - int(55 * scale)),
                    (mx + int(70 * scale), top),
                    (28, 28, 32),
                    -1,
                    cv2.LINE_AA,
                )
                cv2.rectangle(
                    image,
                    (mx + 4, top - int(51 * scale)),
                    (mx + int(66 * scale), top - 6),
                    (190, 205, 225) if rng.uniform() < 0.7 else (40, 44, 50),
                    -1,
                )
            chair = [int(c) for c in rng.integers(20, 120, 3)]
            cv2.ellipse(
                image,
                (int(x + w * 0.5), top + d + int(40 * scale)),
                (int(30 * scale), int(22 * scale)),
                0,
                0,
                360,
                chair,
                -1,
                cv2.LINE_AA,
            )
    return cv2.GaussianBlur(image, (0, 0), 0.7)


def night_street(seed: int = 2033) -> Image:
    """A procedural city street at night in perspective (RGB): a dark sky, dark facades with a
    few lit windows, lit shop windows along the pavements, street lamps whose heads clip and
    whose pools of light fall on a wet road, tail lights: a city camera's night view, mostly
    dark with small regions brighter than anything by day."""
    rng = np.random.default_rng(seed)
    height, width = 720, 1080
    vx, vy = int(width * rng.uniform(0.45, 0.55)), int(height * 0.38)
    image = np.zeros((height, width, 3), np.float32)
    glow = np.linspace(0, 1, vy)[:, None, None]
    image[:vy] = np.array([8, 10, 24]) * (1 - glow) + np.array([34, 30, 38]) * glow
    image[vy:] = (26, 26, 30)

    def toward(x: float, y: float, t: float) -> tuple[int, int]:
        return int(x + (vx - x) * t), int(y + (vy - y) * t)

    far = 0.85
    for side in (0, width):
        top, foot = (side, int(-height * 0.4)), (side, int(height * 0.82))
        wall = np.array([top, toward(*top, far), toward(*foot, far), foot], np.int32)
        cv2.fillPoly(image, [wall], (38, 33, 30), cv2.LINE_AA)
        for row in np.linspace(0.0, 0.62, 6):
            for t in np.linspace(0.05, 0.75, 8):
                y0, y1 = (
                    -height * 0.4 + row * height * 1.2,
                    -height * 0.4 + (row + 0.07) * height * 1.2,
                )
                lit = rng.uniform() < 0.3
                glass = (235, 190, 120) if lit else (20, 22, 28)
                pane = [toward(side, y0, t), toward(side, y1, t), toward(side, y1, t + 0.045)]
                pane.append(toward(side, y0, t + 0.045))
                cv2.fillPoly(image, [np.array(pane, np.int32)], glass, cv2.LINE_AA)
        # Shop windows at street level, lit, with goods as coloured blocks and a sign above.
        for t in np.arange(0.02, 0.7, 0.14):
            y0, y1 = height * 0.56, height * 0.8
            shop = [toward(side, y0, t), toward(side, y1, t), toward(side, y1, t + 0.1)]
            shop.append(toward(side, y0, t + 0.1))
            cv2.fillPoly(image, [np.array(shop, np.int32)], (250, 238, 205), cv2.LINE_AA)
            for _ in range(4):
                u = t + rng.uniform(0.0, 0.08)
                a, b = toward(side, y1 - 30, u), toward(side, y1, u + 0.015)
                colour = [int(c) for c in rng.integers(30, 220, 3)]
                cv2.rectangle(image, a, b, colour, -1, cv2.LINE_AA)
            sign = [toward(side, y0 - 28, t), toward(side, y0 - 6, t + 0.1)]
            colour = [int(c) for c in rng.integers(60, 255, 3)]
            cv2.rectangle(image, sign[0], sign[1], colour, -1, cv2.LINE_AA)
    road = np.array([(0, height), toward(width * 0.2, height, 0.999), (width, height)], np.int32)
    cv2.fillPoly(image, [road], (22, 22, 25), cv2.LINE_AA)
    for start in np.arange(0.0, 0.9, 0.12):
        dash = [toward(vx - 8, height, start), toward(vx + 8, height, start)]
        dash += [toward(vx + 8, height, start + 0.06), toward(vx - 8, height, start + 0.06)]
        cv2.fillPoly(image, [np.array(dash, np.int32)], (120, 118, 110), cv2.LINE_AA)
    light = np.zeros((height, width), np.float32)
    pools = np.zeros((height, width), np.float32)
    for t in np.linspace(0.0, 0.75, 5):
        for side in (0.08, 0.92):
            foot = toward(width * side, height, t)
            head = (foot[0], int(foot[1] - height * 0.6 * (1 - t)))
            cv2.line(image, foot, head, (30, 32, 36), max(1, int(7 * (1 - t))), cv2.LINE_AA)
            cv2.circle(light, head, max(2, int(12 * (1 - t))), 4.0, -1, cv2.LINE_AA)
            pool = (int(foot[0] + (vx - foot[0]) * 0.15), foot[1] - int(10 * (1 - t)))
            axes = (max(3, int(160 * (1 - t))), max(2, int(40 * (1 - t))))
            cv2.ellipse(pools, pool, axes, 0, 0, 360, 0.3, -1, cv2.LINE_AA)
    for t in (0.2, 0.45, 0.6):
        base = toward(width * rng.uniform(0.4, 0.6), height * 0.98, t)
        for dx in (-40, 40):
            tail = (base[0] + int(dx * (1 - t)), base[1] - int(25 * (1 - t)))
            cv2.circle(image, tail, max(2, int(7 * (1 - t))), (255, 30, 20), -1, cv2.LINE_AA)
    halo = cv2.GaussianBlur(light, (0, 0), width * 0.012)
    halo += cv2.GaussianBlur(pools, (0, 0), width * 0.025)  # light pools on the wet road
    lamp = np.array([255, 214, 150], np.float32) / 255
    linear = (np.clip(image, 0, 255) / 255.0) ** 2.2 + np.maximum(light, halo)[..., None] * lamp
    image = np.clip(linear, 0, 1) ** (1 / 2.2) * 255
    grain = _texture(rng, (height, width), 3.0, 0.8)[..., None]
    image = np.clip(image + grain, 0, 255).astype(np.uint8)
    return cv2.GaussianBlur(image, (0, 0), 0.7)


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
