"""Lab 00's exercises: a convolution and a max pooling written by hand.

The reference answers are dlkit's own (``dlkit.course.convolution``); the hints recognise the usual
slips (wrong output size, flipped filter, averaging instead of adding, partial windows dropped,
maximum started at zero) by comparing with what those slips would produce.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlkit.course import deck_examples
from dlkit.course.check.verdict import Verdict, checker, hint, passed
from dlkit.course.convolution import conv2d_valid as reference_conv2d
from dlkit.course.convolution import max_pool as reference_max_pool


def _call(function: Callable, *args, **kwargs) -> np.ndarray | None:
    result = function(*args, **kwargs)
    return None if result is None else np.asarray(result, dtype=float)


def _convolution_cases(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    return [
        (deck_examples.CONVOLUTION_IMAGE, deck_examples.CONVOLUTION_FILTER),
        (rng.integers(-3, 4, (6, 9)).astype(float), rng.integers(-2, 3, (2, 4)).astype(float)),
        (rng.normal(size=(7, 5)), rng.normal(size=(3, 3))),
    ]


@checker
def conv2d_valid(function: Callable) -> Verdict:
    """Your turn: ``conv2d_valid(image, kernel)`` slides the kernel over the image and adds up."""
    for image, kernel in _convolution_cases():
        expected = reference_conv2d(image, kernel)
        got = _call(function, image.copy(), kernel.copy())
        if got is None:
            return hint("your function returns None: build the feature map and `return` it.")
        if got.shape != expected.shape:
            return hint(
                f"a {image.shape[0]}x{image.shape[1]} image and a {kernel.shape[0]}x{kernel.shape[1]} "
                f"filter gave shape {got.shape}. 'Valid' keeps only the places where the whole "
                "filter fits: how many steps can it take down, and across?"
            )
        if np.allclose(got, expected):
            continue
        if np.allclose(got, reference_conv2d(image, kernel[::-1, ::-1])):
            return hint("you flipped the filter. The deck (and Keras' Conv2D) lays it on the image as it is.")
        if np.allclose(got, expected / kernel.size):
            return hint("you divided by the number of pixels: that is the X-and-O deck's `match_filter`. "
                        "A plain convolution only multiplies and adds up.")
        return hint("the sizes are right but some numbers are not. Multiply the patch under the filter "
                    "pixel by pixel with the filter, then add all the products up.")
    return passed("your convolution matches the deck's 3x3 example and two non-square ones.")


SLIDE_FEATURE_MAP = next(iter(deck_examples.DECK_FEATURE_MAPS.values()))


def _pooling_cases(seed: int = 1) -> list[tuple[np.ndarray, int, int]]:
    rng = np.random.default_rng(seed)
    return [
        (np.asarray(SLIDE_FEATURE_MAP, dtype=float), 2, 2),  # 7x7, as on the slide
        (rng.normal(size=(6, 6)) - 5, 2, 2),  # only negative numbers
        (rng.normal(size=(5, 8)), 3, 1),
    ]


@checker
def max_pool(function: Callable) -> Verdict:
    """Your turn: ``max_pool(feature_map, size=2, stride=2)`` keeps each window's maximum."""
    for feature_map, size, stride in _pooling_cases():
        expected = reference_max_pool(feature_map, size=size, stride=stride)
        got = _call(function, feature_map.copy(), size=size, stride=stride)
        if got is None:
            return hint("your function returns None: collect the maxima in an array and `return` it.")
        if got.shape != expected.shape:
            rows, columns = feature_map.shape
            if got.shape == ((rows - size) // stride + 1, (columns - size) // stride + 1):
                return hint(
                    f"a {rows}x{columns} map with window {size} and stride {stride} gave {got.shape}: "
                    "you dropped the windows that run over the edge. The deck keeps them (with the "
                    "pixels that are there): look at how big the slide's pooled map is."
                )
            return hint(f"a {rows}x{columns} map with window {size} and stride {stride} gave shape "
                        f"{got.shape}. Does your loop use both `size` and `stride`?")
        if np.allclose(got, expected):
            continue
        if feature_map.max() < 0 and np.all(got >= 0):
            return hint("a window of only negative numbers came out as 0 or more. Start each maximum "
                        "from a value in the window, not from 0.")
        return hint("the size is right but some maxima are not. Does each window start at "
                    "row i * stride and column j * stride, and span `size` pixels?")
    return passed("your pooling matches the deck's 7x7 -> 4x4 example, negative maps and stride 1.")
