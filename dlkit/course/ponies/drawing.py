"""Draw one pony, facing right, on a transparent 256×256 layer.

Coordinates are in layer pixels: the body sits around (120, 140), the head around (200, 70).
``pose`` moves the head and the legs, so no two ponies stand quite alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from dlkit.course.ponies.classes import BODY_COLOURS, HAIR_COLOURS, MARK_COLOURS, PonyClass

LAYER = 256
Colour = tuple[int, int, int]


@dataclass(frozen=True)
class Look:
    """The random choices for one pony: colours and pose."""

    body: Colour
    hair: Colour
    mark: Colour
    extra: Colour  # accessory and wings
    head_dx: float
    head_dy: float
    leg_angles: tuple[float, float, float, float]

    @classmethod
    def random(cls, kind: PonyClass, rng: np.random.Generator) -> Look:
        return cls(
            body=BODY_COLOURS[rng.choice(kind.palette)],
            hair=HAIR_COLOURS[rng.integers(len(HAIR_COLOURS))],
            mark=MARK_COLOURS[rng.integers(len(MARK_COLOURS))],
            extra=HAIR_COLOURS[rng.integers(len(HAIR_COLOURS))],
            head_dx=float(rng.uniform(-6, 6)),
            head_dy=float(rng.uniform(-12, 10)),
            leg_angles=tuple(float(a) for a in rng.uniform(-22, 22, size=4)),
        )


def shade(colour: Colour, factor: float) -> Colour:
    return tuple(int(max(0, min(255, c * factor))) for c in colour)


def draw_pony_layer(kind: PonyClass, look: Look) -> Image.Image:
    """The pony of class ``kind`` with ``look``, on a transparent RGBA layer."""
    layer = Image.new("RGBA", (LAYER, LAYER), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    outline = shade(look.body, 0.55)
    hx, hy = look.head_dx, look.head_dy

    _tail(draw, kind.mane, look.hair)
    _legs(draw, look, outline, far=True)
    draw.ellipse((58, 108, 182, 172), fill=look.body, outline=outline, width=2)
    _legs(draw, look, outline, far=False)
    draw.polygon([(148, 122), (172 + hx, 72 + hy), (200 + hx, 84 + hy), (182, 142)], fill=look.body)
    draw.ellipse((164 + hx, 44 + hy, 224 + hx, 96 + hy), fill=look.body, outline=outline, width=2)
    draw.ellipse((196 + hx, 66 + hy, 240 + hx, 100 + hy), fill=look.body, outline=outline, width=2)
    draw.ellipse((228 + hx, 78 + hy, 234 + hx, 84 + hy), fill=outline)  # nostril
    draw.polygon(
        [(172 + hx, 52 + hy), (180 + hx, 22 + hy), (192 + hx, 48 + hy)], fill=look.body, outline=outline
    )
    draw.ellipse((196 + hx, 54 + hy, 214 + hx, 74 + hy), fill=(255, 255, 255), outline=outline)
    draw.ellipse((202 + hx, 58 + hy, 212 + hx, 72 + hy), fill=(40, 30, 60))
    draw.ellipse((205 + hx, 60 + hy, 208 + hx, 63 + hy), fill=(255, 255, 255))
    _mane(draw, kind.mane, look.hair, hx, hy)
    if kind.horn:
        _horn(draw, look, hx, hy)
    if kind.wings:
        _wings(draw, look)
    _draw_mark(layer, kind.mark, look.mark)
    ACCESSORIES[kind.accessory](draw, look, hx, hy)
    return layer


MARK_SIZE = 76  # pixels on the layer: big enough to stay readable in a 150 px picture


def _draw_mark(layer: Image.Image, mark: str, colour: Colour) -> None:
    """The flank mark, drawn small and enlarged onto the body at (100, 138)."""
    small = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    MARKS[mark](ImageDraw.Draw(small), 20, 20, colour)
    big = small.resize((MARK_SIZE, MARK_SIZE), Image.BILINEAR)
    layer.alpha_composite(big, (100 - MARK_SIZE // 2, 138 - MARK_SIZE // 2))


def _legs(draw: ImageDraw.ImageDraw, look: Look, outline: Colour, far: bool) -> None:
    tops = [(82, 155), (158, 155)] if far else [(98, 160), (172, 158)]
    angles = look.leg_angles[:2] if far else look.leg_angles[2:]
    colour = shade(look.body, 0.85) if far else look.body
    for (x, y), angle in zip(tops, angles, strict=True):
        end = (x + 55 * math.sin(math.radians(angle)), y + 55 * math.cos(math.radians(angle)))
        draw.line([(x, y), end], fill=colour, width=15)
        draw.ellipse((end[0] - 9, end[1] - 5, end[0] + 9, end[1] + 7), fill=shade(outline, 0.8))


def _strand_points(start, end, count):
    return [
        (start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t)
        for t in np.linspace(0, 1, count)
    ]


def _hair(draw: ImageDraw.ImageDraw, style: str, colour: Colour, anchors, direction) -> None:
    """Hair strands from each anchor point towards ``direction`` in the given style."""
    dark = shade(colour, 0.7)
    dx, dy = direction
    for index, (x, y) in enumerate(anchors):
        if style == "straight":
            draw.line([(x, y), (x + dx, y + dy)], fill=colour, width=14)
        elif style == "curly":
            for step in range(3):
                cx, cy = x + dx * step / 3, y + dy * step / 3
                draw.ellipse((cx - 12, cy - 12, cx + 12, cy + 12), fill=colour, outline=dark, width=3)
                draw.arc((cx - 7, cy - 7, cx + 7, cy + 7), 0, 270, fill=dark, width=3)
        elif style == "spiky":
            length = math.hypot(dx, dy) or 1
            nx, ny = -dy / length * 11, dx / length * 11
            tip = (x + dx * 1.6, y + dy * 1.6)
            draw.polygon([(x + nx, y + ny), tip, (x - nx, y - ny)], fill=colour, outline=dark)
        else:  # wavy
            points = [
                (x + dx * t + 7 * math.sin(6 * t + index), y + dy * t + 7 * math.cos(6 * t))
                for t in np.linspace(0, 1, 9)
            ]
            draw.line(points, fill=colour, width=8, joint="curve")


def _mane(draw, style, colour, hx, hy) -> None:
    anchors = _strand_points((184 + hx, 40 + hy), (152, 118), 6)
    _hair(draw, style, colour, anchors, (-34, 12))


def _tail(draw, style, colour) -> None:
    anchors = _strand_points((64, 122), (54, 150), 4)
    _hair(draw, style, colour, anchors, (-36, 66))


def _horn(draw, look: Look, hx, hy) -> None:
    base_left, base_right, tip = (192 + hx, 50 + hy), (214 + hx, 54 + hy), (230 + hx, -14 + hy)
    draw.polygon([base_left, tip, base_right], fill=shade(look.extra, 1.2), outline=shade(look.extra, 0.6))
    for t in (0.3, 0.55, 0.78):
        left = (base_left[0] + (tip[0] - base_left[0]) * t, base_left[1] + (tip[1] - base_left[1]) * t)
        right = (base_right[0] + (tip[0] - base_right[0]) * t, base_right[1] + (tip[1] - base_right[1]) * t)
        draw.line([left, right], fill=shade(look.extra, 0.6), width=3)


def _wings(draw, look: Look) -> None:
    colour, edge = shade(look.body, 1.08), shade(look.body, 0.6)
    root = (120, 118)
    for index, (length, angle) in enumerate([(118, 195), (108, 210), (96, 225), (80, 240), (62, 255)]):
        tip = (
            root[0] + length * math.cos(math.radians(angle)),
            root[1] + length * math.sin(math.radians(angle)),
        )
        side = (root[0] + 26 + index * 6, root[1] - 6)
        draw.polygon([root, tip, side], fill=colour, outline=edge)


def _apple(draw, x, y, colour) -> None:
    draw.ellipse((x - 11, y - 9, x + 11, y + 12), fill=colour)
    draw.line([(x, y - 9), (x + 2, y - 16)], fill=(90, 60, 30), width=3)
    draw.ellipse((x + 3, y - 17, x + 12, y - 11), fill=(60, 160, 60))


def _balloons(draw, x, y, colour) -> None:
    for bx, by, c in (
        (x - 9, y - 6, colour),
        (x + 8, y - 8, shade(colour, 0.7)),
        (x, y - 16, shade(colour, 1.3)),
    ):
        draw.line([(bx, by + 6), (x, y + 14)], fill=(80, 80, 80), width=1)
        draw.ellipse((bx - 6, by - 8, bx + 6, by + 6), fill=c)


def _star(draw, x, y, colour) -> None:
    points = []
    for k in range(10):
        radius = 14 if k % 2 == 0 else 6
        angle = math.radians(-90 + 36 * k)
        points.append((x + radius * math.cos(angle), y + radius * math.sin(angle)))
    draw.polygon(points, fill=colour, outline=shade(colour, 0.6))


def _lightning(draw, x, y, colour) -> None:
    draw.polygon(
        [
            (x + 2, y - 16),
            (x - 9, y + 2),
            (x - 1, y + 2),
            (x - 5, y + 17),
            (x + 9, y - 3),
            (x + 1, y - 3),
            (x + 6, y - 16),
        ],
        fill=colour,
        outline=shade(colour, 0.6),
    )


def _butterfly(draw, x, y, colour) -> None:
    for sx in (-1, 1):
        draw.ellipse(
            (x + sx * 2 - (12 if sx < 0 else 0), y - 12, x + sx * 2 + (12 if sx > 0 else 0), y + 1),
            fill=colour,
        )
        draw.ellipse(
            (x + sx * 2 - (8 if sx < 0 else 0), y, x + sx * 2 + (8 if sx > 0 else 0), y + 10),
            fill=shade(colour, 0.75),
        )
    draw.line([(x, y - 10), (x, y + 10)], fill=(50, 40, 40), width=3)


def _diamond(draw, x, y, colour) -> None:
    draw.polygon(
        [(x - 12, y - 4), (x - 6, y - 12), (x + 6, y - 12), (x + 12, y - 4), (x, y + 14)],
        fill=colour,
        outline=shade(colour, 0.55),
    )
    draw.line([(x - 12, y - 4), (x + 12, y - 4)], fill=shade(colour, 0.55), width=1)
    draw.line([(x - 4, y - 4), (x, y + 14), (x + 4, y - 4)], fill=shade(colour, 0.55), width=1)


def _hat(draw, look: Look, hx, hy) -> None:
    colour = (150, 100, 50) if look.extra[0] > 120 else (110, 80, 60)
    draw.ellipse((158 + hx, 30 + hy, 232 + hx, 46 + hy), fill=colour, outline=shade(colour, 0.6))
    draw.rounded_rectangle(
        (176 + hx, 8 + hy, 214 + hx, 40 + hy), radius=8, fill=colour, outline=shade(colour, 0.6)
    )


def _bow(draw, look: Look, hx, hy) -> None:
    x, y = 176 + hx, 40 + hy
    draw.polygon(
        [(x, y), (x - 24, y - 18), (x - 24, y + 18)], fill=look.extra, outline=shade(look.extra, 0.6)
    )
    draw.polygon(
        [(x, y), (x + 24, y - 18), (x + 24, y + 18)], fill=look.extra, outline=shade(look.extra, 0.6)
    )
    draw.ellipse((x - 7, y - 7, x + 7, y + 7), fill=shade(look.extra, 0.7))


def _scarf(draw, look: Look, hx, hy) -> None:
    draw.line([(154 + hx / 2, 106 + hy / 3), (194 + hx / 2, 120 + hy / 3)], fill=look.extra, width=18)
    draw.polygon([(158, 110), (138, 160), (160, 154), (174, 114)], fill=shade(look.extra, 0.8))


def _necklace(draw, look: Look, hx, hy) -> None:
    for t in np.linspace(0, 1, 7):
        x, y = 160 + 32 * t + hx / 2, 104 + 14 * math.sin(math.pi * t) + hy / 3
        draw.ellipse((x - 6, y - 6, x + 6, y + 6), fill=(240, 240, 255), outline=(120, 120, 160))


def _goggles(draw, look: Look, hx, hy) -> None:
    draw.line([(166 + hx, 44 + hy), (226 + hx, 40 + hy)], fill=(60, 60, 60), width=7)
    for x in (188 + hx, 212 + hx):
        draw.ellipse((x - 13, 28 + hy, x + 13, 54 + hy), fill=(120, 200, 230), outline=(60, 60, 60), width=4)


def _flower(draw, look: Look, hx, hy) -> None:
    x, y = 168 + hx, 30 + hy
    for k in range(5):
        angle = math.radians(72 * k)
        px, py = x + 11 * math.cos(angle), y + 11 * math.sin(angle)
        draw.ellipse((px - 8, py - 8, px + 8, py + 8), fill=look.extra, outline=shade(look.extra, 0.6))
    draw.ellipse((x - 6, y - 6, x + 6, y + 6), fill=(250, 220, 60))


MARKS = {
    "apple": _apple,
    "balloons": _balloons,
    "star": _star,
    "lightning": _lightning,
    "butterfly": _butterfly,
    "diamond": _diamond,
}
ACCESSORIES = {
    "hat": _hat,
    "bow": _bow,
    "scarf": _scarf,
    "necklace": _necklace,
    "goggles": _goggles,
    "flower": _flower,
}
