"""Lab 04's exercises: VGG16's feature shape for a new picture size, and fine-tuning block4 too."""

from __future__ import annotations

import numpy as np

from dlkit.course.check.models import is_compiled, learning_rate
from dlkit.course.check.verdict import SHAPE_HINT, Verdict, checker, hint, image_shape, passed

VGG16_POOLINGS = 5
VGG16_FILTERS = 512
FINE_TUNING_RATE = 1e-4  # above this the first steps wreck the pretrained filters


def vgg16_feature_side(image_size: int) -> int:
    for _ in range(VGG16_POOLINGS):  # VGG16's convolutions keep the size ("same"); each pooling halves
        image_size //= 2
    return image_size


@checker
def feature_shape(answer: tuple, image_size: int = 200) -> Verdict:
    """Your turn: the shape of VGG16's features (``include_top=False``) for a square picture."""
    side = vgg16_feature_side(image_size)
    answer = image_shape(answer)
    if answer is None:
        return SHAPE_HINT
    if answer == (side, side, VGG16_FILTERS):
        return passed(f"{image_size}x{image_size} pictures give {side}x{side}x{VGG16_FILTERS} features "
                      f"({side * side * VGG16_FILTERS:,} numbers each for the head).")
    if answer[2] != VGG16_FILTERS:
        return hint("the channels are the filters of VGG16's last convolution (see `conv_base.summary()`).")
    rounded_up = image_size
    for _ in range(VGG16_POOLINGS):
        rounded_up = -(-rounded_up // 2)
    if answer[:2] == (rounded_up, rounded_up):
        return hint("VGG16's pooling drops an odd last row or column: round down at each halving.")
    return hint(f"VGG16's convolutions keep the size; each of its {VGG16_POOLINGS} poolings halves it.")


def _blocks(conv_base, prefix: str) -> list:
    return [layer for layer in conv_base.layers if layer.name.startswith(prefix) and layer.weights]


@checker
def fine_tune_block4(model, conv_base) -> Verdict:
    """Your turn: unfreeze VGG16's block4 as well as block5, and compile for fine-tuning."""
    if not conv_base.trainable:
        return hint("the whole base is still frozen: set `conv_base.trainable = True` first, then "
                    "freeze the layers you keep, one by one.")
    frozen = [layer.name for prefix in ("block4", "block5") for layer in _blocks(conv_base, prefix)
              if not layer.trainable]
    if frozen:
        return hint(f"{', '.join(frozen)} still frozen: block4 and block5 should both learn.")
    early = [layer.name for prefix in ("block1", "block2", "block3") for layer in _blocks(conv_base, prefix)
             if layer.trainable]
    if early:
        return hint(f"{early[0]} (and {len(early) - 1} more) would learn too. The early blocks find "
                    "edges and colours that suit any picture; with 720 pictures, keep them frozen.")
    if not is_compiled(model):
        return hint("compile the model again: Keras takes the new trainable settings from `compile`.")
    if learning_rate(model) > FINE_TUNING_RATE:
        return hint(f"learning rate {learning_rate(model):g} is high for fine-tuning: the first big "
                    "steps would wreck the pretrained filters. Use a much smaller one.")
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    return passed(f"block4 and block5 learn with the head: {trainable:,} trainable weights, "
                  f"learning rate {learning_rate(model):g}.")
