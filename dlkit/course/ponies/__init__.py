"""Cartoon ponies drawn with Pillow: a small 6-class image dataset that dlkit can ship.

The pony deck (shared/seeds/003) classifies six ponies from "a folder with 6 subfolders of
images, 150px × 150px each". Its pictures came from the web and cannot be shipped, so dlkit draws
its own: the classes differ mostly in shape (horn, wings, mane and tail style, the mark on the
flank, an accessory), colours come from overlapping palettes, and every picture varies in pose,
size, position, background, lighting, blur, noise and occlusion.

    generate_ponies("ponies/train", per_class=120, seed=1)

or from the shell: ``dlkit ponies --out ponies/train --per-class 120 --seed 1``.
"""

from dlkit.course.ponies.classes import CLASS_NAMES, PONY_CLASSES, PonyClass
from dlkit.course.ponies.generator import draw_pony, generate_ponies, pony_splits, save_as_phone_photo

__all__ = [
    "CLASS_NAMES",
    "PONY_CLASSES",
    "PonyClass",
    "draw_pony",
    "generate_ponies",
    "pony_splits",
    "save_as_phone_photo",
]
