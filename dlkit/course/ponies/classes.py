"""The six pony classes: what makes each one itself, and the colours they share."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PonyClass:
    """The shape features of one class. Colours are not among them on purpose."""

    name: str
    horn: bool
    wings: bool
    mane: str  # "straight", "curly", "spiky" or "wavy" (the tail follows the mane)
    mark: str  # the picture on the flank
    accessory: str
    palette: tuple[int, ...]  # indices into BODY_COLOURS this class draws from


# A ring of ten body colours; each class takes five neighbours, so neighbouring classes share
# four colours and every colour belongs to several classes: colour alone is a weak cue.
BODY_COLOURS = (
    (244, 170, 200),
    (250, 205, 150),
    (255, 240, 170),
    (200, 235, 170),
    (165, 225, 215),
    (170, 200, 245),
    (200, 180, 240),
    (235, 235, 240),
    (225, 190, 160),
    (190, 190, 200),
)
HAIR_COLOURS = (
    (230, 60, 120),
    (250, 150, 40),
    (240, 210, 60),
    (90, 190, 90),
    (40, 170, 200),
    (70, 90, 200),
    (140, 70, 190),
    (120, 70, 40),
    (60, 60, 70),
    (245, 245, 250),
)
MARK_COLOURS = ((220, 40, 50), (250, 180, 30), (60, 140, 230), (150, 60, 200), (40, 170, 90), (240, 100, 170))

PONY_CLASSES = (
    PonyClass("apple_farmer", False, False, "straight", "apple", "hat", (8, 9, 0, 1, 2)),
    PonyClass("party_pony", False, False, "curly", "balloons", "bow", (0, 1, 2, 3, 4)),
    PonyClass("star_unicorn", True, False, "straight", "star", "scarf", (5, 6, 7, 8, 9)),
    PonyClass("gem_unicorn", True, False, "wavy", "diamond", "necklace", (6, 7, 8, 9, 0)),
    PonyClass("storm_pegasus", False, True, "spiky", "lightning", "goggles", (3, 4, 5, 6, 7)),
    PonyClass("butterfly_pegasus", False, True, "wavy", "butterfly", "flower", (1, 2, 3, 4, 5)),
)
CLASS_NAMES = tuple(kind.name for kind in PONY_CLASSES)
