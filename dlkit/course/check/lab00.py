"""Lab 00's exercises: a convolution and a max pooling written by hand.

Each answer is compared with expected feature maps written out below (the deck's own example and a
few small integer cases a student can redo on paper), not with a function of dlkit's that the
student could import instead of writing one. The hints recognise the usual slips (wrong output
size, flipped filter, averaging instead of adding, partial windows dropped, maximum started at
zero) from what those slips would give.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dlkit.course import deck_examples
from dlkit.course.check.verdict import Verdict, checker, hint, passed


def _call(function: Callable, *args, **kwargs) -> np.ndarray | None:
    result = function(*args, **kwargs)
    return None if result is None else np.asarray(result, dtype=float)


@dataclass(frozen=True)
class ConvolutionCase:
    image: list
    kernel: list
    expected: list  # the 'valid' feature map
    flipped: list | None = None  # what a filter turned by 180 degrees gives (a true convolution)


CONVOLUTION_CASES = (
    ConvolutionCase(
        deck_examples.CONVOLUTION_IMAGE.tolist(),
        deck_examples.CONVOLUTION_FILTER.tolist(),
        deck_examples.CONVOLUTION_FEATURE_MAP.tolist(),
    ),
    ConvolutionCase(
        image=[[3, 1, 1, 3, 1, 2], [2, -2, -3, -1, -2, 3], [3, -3, 0, 2, -3, 2], [-3, 0, 2, -1, -1, -2]],
        kernel=[[1, -1, 2], [0, 0, 0]],
        expected=[[4, 6, 0, 6], [-2, -1, -6, 7], [6, 1, -8, 9]],
        flipped=[[3, -2, -7, 3], [9, -4, -5, 9], [-4, -3, 4, -3]],
    ),
    ConvolutionCase(
        image=[[2, 2, 2, 4], [4, 3, 3, 3], [1, 4, 2, 1], [4, 0, 4, 3], [0, 0, 2, 0]],
        kernel=[[-1, 0], [1, 0], [1, 1]],
        expected=[[7, 7, 4], [1, 5, 6], [3, -2, 4]],
        flipped=[[3, 5, 8], [11, 4, 4], [5, 8, 6]],
    ),
)


@checker
def conv2d_valid(function: Callable) -> Verdict:
    """Your turn: ``conv2d_valid(image, kernel)`` slides the kernel over the image and adds up."""
    for case in CONVOLUTION_CASES:
        image, kernel = np.array(case.image, dtype=float), np.array(case.kernel, dtype=float)
        expected = np.array(case.expected, dtype=float)
        got = _call(function, image, kernel)
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
        if case.flipped is not None and np.allclose(got, case.flipped):
            return hint("you flipped the filter. The deck (and Keras' Conv2D) lays it on the image as it is.")
        if np.allclose(got, expected / kernel.size):
            return hint("you divided by the number of pixels: that is the X-and-O deck's `match_filter`. "
                        "A plain convolution only multiplies and adds up.")
        return hint("the sizes are right but some numbers are not. Multiply the patch under the filter "
                    "pixel by pixel with the filter, then add all the products up.")
    return passed("your convolution matches the deck's 3x3 example and two non-square ones.")


@dataclass(frozen=True)
class PoolingCase:
    feature_map: list
    size: int
    stride: int
    expected: list


SLIDE_MAP_NAME = next(iter(deck_examples.DECK_FEATURE_MAPS))
POOLING_CASES = (
    PoolingCase(  # 7x7 -> 4x4, as on the slide: the last window of each row and column is partial
        np.asarray(deck_examples.DECK_FEATURE_MAPS[SLIDE_MAP_NAME]).tolist(), 2, 2,
        np.asarray(deck_examples.DECK_POOLED_MAPS[SLIDE_MAP_NAME]).tolist(),
    ),
    PoolingCase(  # only negative numbers
        [[-7, -6, -4, -5], [-3, -4, -4, -2], [-8, -1, -1, -2], [-8, -6, -8, -2]], 2, 2, [[-3, -2], [-1, -1]]
    ),
    PoolingCase(
        [[6, 3, 4, 0, 5], [7, 5, 1, 4, 2], [8, 7, 1, 4, 8], [7, 6, 5, 0, 6]], 3, 1, [[8, 7, 8], [8, 7, 8]]
    ),
    PoolingCase(
        [[4, 0, 2, 4, 6], [4, 5, 7, 6, 3], [5, 5, 0, 0, 5], [3, 5, 2, 2, 1], [3, 7, 3, 3, 5]], 2, 2,
        [[5, 7, 6], [5, 2, 5], [7, 3, 5]],
    ),
)


@checker
def max_pool(function: Callable) -> Verdict:
    """Your turn: ``max_pool(feature_map, size=2, stride=2)`` keeps each window's maximum."""
    for case in POOLING_CASES:
        feature_map, size, stride = np.array(case.feature_map, dtype=float), case.size, case.stride
        expected = np.array(case.expected, dtype=float)
        got = _call(function, feature_map, size=size, stride=stride)
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
        if np.allclose(got, expected, atol=0.01):  # the slide prints two decimals
            continue
        if feature_map.max() < 0 and np.all(got >= 0):
            return hint("a window of only negative numbers came out as 0 or more. Start each maximum "
                        "from a value in the window, not from 0.")
        return hint("the size is right but some maxima are not. Does each window start at "
                    "row i * stride and column j * stride, and span `size` pixels?")
    return passed("your pooling matches the deck's 7x7 -> 4x4 example, negative maps and stride 1.")
