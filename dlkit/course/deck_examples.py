"""The lecture decks' worked examples as data, so the lab and the tests check the same numbers.

Sources (in ``shared/seeds``): the X-and-O ConvNet (Brandon Rohrer's slides, deck 000), the
Fish and Chips table (deck 000/001), "What is a convolution?" (deck 004). Deck values are the
ones printed on the slides, cut to two decimals.
"""

from __future__ import annotations

import numpy as np


def _pixels(text: str) -> np.ndarray:
    """A picture drawn with ``#`` (+1) and ``.`` (−1), one row per line."""
    rows = [line.strip() for line in text.strip().splitlines()]
    return np.array([[1.0 if c == "#" else -1.0 for c in row] for row in rows])


X_IMAGE = _pixels("""
    .........
    .#.....#.
    ..#...#..
    ...#.#...
    ....#....
    ...#.#...
    ..#...#..
    .#.....#.
    .........
""")
"""The deck's 9×9 X in −1/+1 pixels."""

O_IMAGE = _pixels("""
    .........
    ...###...
    ..#...#..
    .#.....#.
    .#.....#.
    .#.....#.
    ..#...#..
    ...###...
    .........
""")
"""A 9×9 O drawn the same way (the deck shows one as a picture, without its pixel values)."""

FILTERS = {
    "diagonal ↘": _pixels("#..\n.#.\n..#"),
    "small X": _pixels("#.#\n.#.\n#.#"),
    "diagonal ↗": _pixels("..#\n.#.\n#.."),
}
"""The three 3×3 features of the deck, in −1/+1."""

_MAP_DIAGONAL_DOWN = np.array(
    [
        [0.77, -0.11, 0.11, 0.33, 0.55, -0.11, 0.33],
        [-0.11, 1.00, -0.11, 0.33, -0.11, 0.11, -0.11],
        [0.11, -0.11, 1.00, -0.33, 0.11, -0.11, 0.55],
        [0.33, 0.33, -0.33, 0.55, -0.33, 0.33, 0.33],
        [0.55, -0.11, 0.11, -0.33, 1.00, -0.11, 0.11],
        [-0.11, 0.11, -0.11, 0.33, -0.11, 1.00, -0.11],
        [0.33, -0.11, 0.55, 0.33, 0.11, -0.11, 0.77],
    ]
)
DECK_FEATURE_MAPS = {
    "diagonal ↘": _MAP_DIAGONAL_DOWN,
    "small X": np.array(
        [
            [0.33, -0.55, 0.11, -0.11, 0.11, -0.55, 0.33],
            [-0.55, 0.55, -0.55, 0.33, -0.55, 0.55, -0.55],
            [0.11, -0.55, 0.55, -0.77, 0.55, -0.55, 0.11],
            [-0.11, 0.33, -0.77, 1.00, -0.77, 0.33, -0.11],
            [0.11, -0.55, 0.55, -0.77, 0.55, -0.55, 0.11],
            [-0.55, 0.55, -0.55, 0.33, -0.55, 0.55, -0.55],
            [0.33, -0.55, 0.11, -0.11, 0.11, -0.55, 0.33],
        ]
    ),
    "diagonal ↗": np.array(  # the deck's third map, transcribed from the slide
        [
            [0.33, -0.11, 0.55, 0.33, 0.11, -0.11, 0.77],
            [-0.11, 0.11, -0.11, 0.33, -0.11, 1.00, -0.11],
            [0.55, -0.11, 0.11, -0.33, 1.00, -0.11, 0.11],
            [0.33, 0.33, -0.33, 0.55, -0.33, 0.33, 0.33],
            [0.11, -0.11, 1.00, -0.33, 0.11, -0.11, 0.55],
            [-0.11, 1.00, -0.11, 0.33, -0.11, 0.11, -0.11],
            [0.77, -0.11, 0.11, 0.33, 0.55, -0.11, 0.33],
        ]
    ),
}
"""The deck's 7×7 feature maps of the X, one per filter."""

DECK_POOLED_MAPS = {
    "diagonal ↘": np.array(
        [
            [1.00, 0.33, 0.55, 0.33],
            [0.33, 1.00, 0.33, 0.55],
            [0.55, 0.33, 1.00, 0.11],
            [0.33, 0.55, 0.11, 0.77],
        ]
    ),
    "small X": np.array(
        [
            [0.55, 0.33, 0.55, 0.33],
            [0.33, 1.00, 0.55, 0.11],
            [0.55, 0.55, 0.55, 0.11],
            [0.33, 0.11, 0.11, 0.33],
        ]
    ),
    "diagonal ↗": np.array(
        [
            [0.33, 0.55, 1.00, 0.77],
            [0.55, 0.55, 1.00, 0.33],
            [1.00, 1.00, 0.11, 0.55],
            [0.77, 0.33, 0.55, 0.33],
        ]
    ),
}
"""The deck's 4×4 maps after max pooling (window 2, stride 2, keeping the edge)."""

DECK_STACKED_MAPS = {
    "diagonal ↘": np.array([[1.00, 0.55], [0.55, 1.00]]),
    "small X": np.array([[1.00, 0.55], [0.55, 0.55]]),
    "diagonal ↗": np.array([[0.55, 1.00], [1.00, 0.55]]),
}
"""The deck's 2×2 maps after "deep stacking" (the pooled maps pooled once more)."""

DECK_ANSWERS = {"X": (1.0, 0.92), "O": (0.0, 0.51)}
"""The deck's backprop table for the X: (right answer, actual answer) per class."""

DECK_ERRORS = {"X": 0.08, "O": 0.49, "Total": 0.57}

CONVOLUTION_IMAGE = np.array(
    [
        [1, 1, 1, 0, 0],
        [0, 1, 1, 1, 0],
        [0, 0, 1, 1, 1],
        [0, 0, 1, 1, 0],
        [0, 1, 1, 0, 0],
    ]
)
CONVOLUTION_FILTER = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])
CONVOLUTION_FEATURE_MAP = np.array([[4, 3, 4], [2, 4, 3], [2, 3, 4]])
"""Deck 004, "What is a convolution?": image, filter and the feature map it gives."""

FISH_AND_CHIPS = np.array(
    [
        # fish, chips, sauce -> total ($)
        [2, 1, 1, 12],
        [3, 2, 4, 15],
        [1, 1, 0, 7],
        [0, 2, 2, 8],
        [1, 1, 0, 7],
    ]
)
"""Deck 000's Fish and Chips table: portions bought and the total paid."""
