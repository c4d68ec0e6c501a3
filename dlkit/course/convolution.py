"""Convolution arithmetic in plain numpy, as the lecture decks do it by hand.

``conv2d_valid`` slides a filter over an image and, at each place, multiplies pixel by pixel and
adds up ("valid": only where the filter fits, so a 9×9 image and a 3×3 filter give 7×7). This is
what ``keras.layers.Conv2D(padding="valid")`` computes (strictly a cross-correlation: the filter
is not flipped). ``match_filter`` also divides by the number of pixels, as in the X-and-O deck.
"""

from __future__ import annotations

import numpy as np


def conv2d_valid(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Slide ``kernel`` over ``image``; each output is the sum of their element-wise product.

    Args:
        image: 2-D array (H, W).
        kernel: 2-D array (h, w), no larger than ``image``.

    Returns:
        float array of shape (H - h + 1, W - w + 1).

    Example:
        >>> conv2d_valid(np.eye(3), np.ones((2, 2))).tolist()
        [[2.0, 1.0], [1.0, 2.0]]
    """
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    (rows, columns), (k_rows, k_columns) = image.shape, kernel.shape
    if k_rows > rows or k_columns > columns:
        raise ValueError(f"a {kernel.shape} filter does not fit in a {image.shape} image")
    out = np.empty((rows - k_rows + 1, columns - k_columns + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(image[i : i + k_rows, j : j + k_columns] * kernel)
    return out


def match_filter(image: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """The deck's filtering: line up, multiply, add up, divide by the number of pixels.

    A perfect match of a ±1 feature scores 1.00, a perfect mismatch −1.00.
    """
    return conv2d_valid(image, feature) / np.asarray(feature).size


def max_pool(feature_map: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """Walk a ``size``×``size`` window with ``stride`` and keep each window's maximum.

    Windows that run over the edge keep the pixels that are there (as the deck does, and as
    ``keras.layers.MaxPooling2D(padding="same")``), so 7×7 pools to 4×4.

    Example:
        >>> max_pool(np.arange(9).reshape(3, 3)).tolist()
        [[4.0, 5.0], [7.0, 8.0]]
    """
    feature_map = np.asarray(feature_map, dtype=float)
    rows = -(-max(feature_map.shape[0] - size, 0) // stride) + 1
    columns = -(-max(feature_map.shape[1] - size, 0) // stride) + 1
    out = np.empty((rows, columns))
    for i in range(rows):
        for j in range(columns):
            window = feature_map[i * stride : i * stride + size, j * stride : j * stride + size]
            out[i, j] = window.max()
    return out


def relu(values: np.ndarray) -> np.ndarray:
    """Rectified linear unit: every negative value becomes zero."""
    return np.maximum(np.asarray(values, dtype=float), 0.0)


def truncate(values: np.ndarray, decimals: int = 2) -> np.ndarray:
    """Cut to ``decimals`` places toward zero, as the deck prints (7/9 = 0.777… shows as 0.77).

    Rounds to 9 places first so that a sum like 9 × (1/9) = 0.9999999999 still shows as 1.00.
    """
    scale = 10.0**decimals
    return np.trunc(np.round(np.asarray(values, dtype=float) * scale, 9 - decimals)) / scale


def format_matrix(values: np.ndarray, decimals: int = 2) -> str:
    """Rows of fixed-width numbers, e.g. `` 0.77 -0.11``; ``-0.00`` prints as `` 0.00``."""
    values = np.asarray(values, dtype=float) + 0.0  # turns -0.0 into 0.0
    width = decimals + 4
    return "\n".join(" ".join(f"{v:{width}.{decimals}f}" for v in row) for row in np.atleast_2d(values))
