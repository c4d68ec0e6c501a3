"""Lab 07's exercises: a residual block, and what a BatchNormalization layer stores.

The residual block is judged by what it does, not by how it is written: with its 3x3 convolutions
set to zero, a block with a shortcut still passes its input through, and one without cannot.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dlkit.course.check.models import flat_layers, of_type, to_numpy
from dlkit.course.check.verdict import Verdict, checker, hint, passed

SIDE, CHANNELS = 8, 16


def _block_model(block: Callable, filters: int):
    import keras

    inputs = keras.Input(shape=(SIDE, SIDE, CHANNELS))
    outputs = block(inputs, filters)
    if outputs is None:
        return None
    return keras.Model(inputs, outputs)


def _zero_the_3x3_convolutions(model) -> int:
    zeroed = 0
    for layer in flat_layers(model):
        if type(layer).__name__ == "Conv2D" and tuple(layer.kernel_size) == (3, 3):
            layer.set_weights([np.zeros_like(weight) for weight in layer.get_weights()])
            zeroed += 1
    return zeroed


@checker
def residual_block(block: Callable) -> Verdict:
    """Your turn: ``residual_block(x, filters)`` adds its input (or a 1x1 projection of it) to what
    two 3x3 convolutions make of it."""
    try:
        same = _block_model(block, CHANNELS)
    except ValueError as error:  # most often Add() given two shapes
        return hint(f"Keras could not build the block ({str(error).splitlines()[0]}): the two things you "
                    "add must have the same shape, so keep the picture's size with padding=\"same\" in "
                    "both 3x3 convolutions.")
    if same is None:
        return hint("return the block's output: `return keras.layers.Activation(\"relu\")(added)`.")
    if tuple(same.output.shape[1:]) != (SIDE, SIDE, CHANNELS):
        return hint(f"the block should keep the picture's size: use padding=\"same\" in both 3x3 "
                    f"convolutions (an {SIDE}x{SIDE}x{CHANNELS} input came out as "
                    f"{tuple(same.output.shape[1:])}).")
    if not of_type(same, "Add"):
        return hint("there is no shortcut yet: add the block's input to the convolutions' output with "
                    "keras.layers.Add()([shortcut, y]).")
    if _zero_the_3x3_convolutions(same) < 2:
        return hint("the residual path should hold two 3x3 Conv2D layers.")
    x = np.random.default_rng(7).normal(size=(2, SIDE, SIDE, CHANNELS)).astype("float32")
    out = to_numpy(same(x, training=False))
    close = {"rtol": 0.01, "atol": 0.01}  # bfloat16 keeps about three digits, and a lab may run in it
    if np.allclose(out, x, **close):
        return hint("the shortcut is right; ResNet's block ends with a ReLU after the addition: "
                    "`return keras.layers.Activation(\"relu\")(added)`.")
    if not np.allclose(out, np.maximum(x, 0), **close):
        return hint("with its convolutions at zero a residual block should hand its input on unchanged: "
                    "add the block's input itself (not a convolution of it) when the channels already match.")
    projection_hint = hint("when `filters` differs from the input's channels, the shortcut needs a 1x1 "
                           "Conv2D with `filters` filters so the two can be added.")
    try:
        wider = _block_model(block, 2 * CHANNELS)
    except ValueError:  # Add() refuses two different shapes
        return projection_hint
    if tuple(wider.output.shape[1:]) != (SIDE, SIDE, 2 * CHANNELS):
        return projection_hint
    return passed("with its 3x3 convolutions at zero your block passes its input straight through: the "
                  "gradient has the same short way back, which is what lets ResNet go 50 layers deep.")


@checker
def batch_norm_weights(total, trainable, channels: int = 64) -> Verdict:
    """Your turn: how many numbers ``BatchNormalization`` keeps for ``channels`` channels, and how
    many of them the optimiser trains."""
    if not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in (total, trainable)):
        return hint("give both counts as whole numbers.")
    if (total, trainable) == (4 * channels, 2 * channels):
        return passed(f"{total} numbers for {channels} channels, of which {trainable} (γ and β) are "
                      "trained; the moving mean and variance are counted, not learned. "
                      "`layer.count_params()` and `layer.trainable_weights` agree.")
    if total == 4 * channels:
        return hint("the total is right; of the four numbers per channel only γ and β are trained: the "
                    "moving mean and variance are updated by counting during training, not by the optimiser.")
    if total == 2 * channels:
        return hint("γ and β are only half of it: the layer also keeps a moving mean and a moving variance "
                    "per channel, for predictions.")
    return hint("per channel: a scale γ and a shift β that are learned, and a moving mean and variance.")
