"""Where a pony stands and how the photo came out: backgrounds, occluders, lighting, blur, noise."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

BACKGROUNDS = ("sky", "grass", "indoor", "clutter")
BACKGROUND_ODDS = (0.3, 0.35, 0.23, 0.12)


def _random_colour(rng: np.random.Generator, low: int = 0, high: int = 256) -> tuple[int, int, int]:
    return tuple(int(c) for c in rng.integers(low, high, size=3))


def _vertical_gradient(size: int, top, bottom) -> Image.Image:
    t = np.linspace(0, 1, size)[:, None, None]
    rows = (np.array(top) * (1 - t) + np.array(bottom) * t).astype(np.uint8)
    return Image.fromarray(np.repeat(rows, size, axis=1), "RGB")


def background(size: int, rng: np.random.Generator) -> Image.Image:
    """One of: sky with clouds, a meadow, a room with a window, or random clutter."""
    kind = BACKGROUNDS[rng.choice(len(BACKGROUNDS), p=BACKGROUND_ODDS)]
    if kind in ("sky", "grass"):
        image = _vertical_gradient(
            size, (90 + rng.integers(60), 150 + rng.integers(60), 235), (215, 235, 250)
        )
        draw = ImageDraw.Draw(image)
        for _ in range(rng.integers(1, 4)):
            x, y, r = rng.uniform(0, size), rng.uniform(0, size * 0.5), rng.uniform(8, 22) * size / 150
            for dx in (-r, 0, r):
                draw.ellipse((x + dx - r, y - r * 0.7, x + dx + r, y + r * 0.7), fill=(250, 250, 252))
        if kind == "grass":
            horizon = int(size * rng.uniform(0.45, 0.7))
            green = (60 + rng.integers(60), 150 + rng.integers(60), 50 + rng.integers(40))
            draw.rectangle((0, horizon, size, size), fill=green)
            for _ in range(25):
                x, y = rng.uniform(0, size), rng.uniform(horizon, size)
                draw.line([(x, y), (x + rng.uniform(-3, 3), y - 6)], fill=tuple(int(c * 0.7) for c in green))
        return image
    if kind == "indoor":
        wall, floor = _random_colour(rng, 150, 240), _random_colour(rng, 90, 180)
        image = Image.new("RGB", (size, size), wall)
        draw = ImageDraw.Draw(image)
        horizon = int(size * rng.uniform(0.55, 0.75))
        draw.rectangle((0, horizon, size, size), fill=floor)
        x, y, w = rng.uniform(0, size * 0.7), rng.uniform(0, size * 0.2), rng.uniform(0.2, 0.35) * size
        draw.rectangle((x, y, x + w, y + w * 0.8), fill=(180, 215, 245), outline=(250, 250, 250), width=3)
        return image
    image = Image.new("RGB", (size, size), _random_colour(rng, 60, 230))
    draw = ImageDraw.Draw(image)
    for _ in range(rng.integers(8, 20)):
        x, y = rng.uniform(-10, size, size=2)
        w, h = rng.uniform(5, size * 0.4, size=2)
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x, y, x + w, y + h), fill=_random_colour(rng))
    return image


def occlude(image: Image.Image, rng: np.random.Generator) -> None:
    """Draw a bush, a fence post or a box in front of part of the picture, in place."""
    size = image.size[0]
    draw = ImageDraw.Draw(image)
    kind = rng.integers(3)
    if kind == 0:  # bush from the bottom edge
        green = (40 + rng.integers(50), 120 + rng.integers(60), 40 + rng.integers(40))
        x = rng.uniform(0, size)
        for _ in range(6):
            cx, cy, r = x + rng.uniform(-20, 20), size - rng.uniform(0, 25), rng.uniform(10, 20)
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=green)
    elif kind == 1:  # fence post
        x, w = rng.uniform(0, size), rng.uniform(6, 14)
        draw.rectangle((x, size * rng.uniform(0.1, 0.4), x + w, size), fill=(120, 85, 50))
    else:  # a box in a corner
        w = rng.uniform(0.2, 0.35) * size
        x = 0 if rng.random() < 0.5 else size - w
        draw.rectangle((x, size - w, x + w, size), fill=_random_colour(rng, 80, 200), outline=(60, 60, 60))


def photograph(image: Image.Image, rng: np.random.Generator) -> np.ndarray:
    """Lighting (brightness, contrast, a colour cast), sometimes blur, and sensor noise: uint8 RGB."""
    if rng.random() < 0.25:
        image = image.filter(ImageFilter.GaussianBlur(radius=float(rng.uniform(0.4, 1.0))))
    pixels = np.asarray(image, dtype=np.float32)
    brightness, contrast = rng.uniform(0.75, 1.2), rng.uniform(0.8, 1.15)
    cast = rng.uniform(0.9, 1.1, size=3)
    pixels = ((pixels - 128) * contrast + 128) * brightness * cast
    pixels += rng.normal(0, rng.uniform(0, 7), size=pixels.shape)
    return np.clip(pixels, 0, 255).astype(np.uint8)
