"""Repeatable runs: one call seeds Python, numpy and the Keras backend.

On the same machine with the same versions, ``set_seed`` makes training bit-for-bit repeatable on
the CPU (measured on TensorFlow 2.21). Another CPU, a GPU, or other library versions can change
the last digits, because floating-point sums are added up in a different order.
"""

from __future__ import annotations


def set_seed(seed: int = 42) -> int:
    """Seed every random number generator a lab uses; returns the seed so a lab can print it."""
    import keras

    keras.utils.set_random_seed(seed)
    return seed
