"""Lab 04's exercises: a pretrained base's feature shape for a new picture size, and fine-tuning
one block deeper. Both work for the network the lab ran: EfficientNet-Lite0 (the default) or the
deck's VGG16."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dlkit.course.check.models import is_compiled, learning_rate
from dlkit.course.check.verdict import SHAPE_HINT, Verdict, checker, hint, image_shape, passed

FINE_TUNING_RATE = 1e-4  # above this the first steps wreck the pretrained filters
HALVINGS = 5  # both bases halve the picture five times


@dataclass(frozen=True)
class BaseShape:
    """How a base shrinks a picture: its last layer's channels, whether its halvings keep a last
    odd row (stride-2 convolutions with "same" padding round up) or drop it (max-pooling rounds
    down), and which layers say how: the words a hint uses."""

    channels: int
    rounds_up: bool
    halving_layers: str


BASE_SHAPES = {
    "efficientnet_lite0": BaseShape(1280, True, "stride-2 convolutions with padding='same'"),
    "vgg16": BaseShape(512, False, "max-poolings"),
}


def feature_side(image_size: int, network: str = "efficientnet_lite0") -> int:
    """The side of the base's feature maps for a square picture of ``image_size``."""
    rounds_up = BASE_SHAPES[network].rounds_up
    for _ in range(HALVINGS):
        image_size = -(-image_size // 2) if rounds_up else image_size // 2
    return image_size


@checker
def feature_shape(answer: tuple, image_size: int = 200, network: str = "efficientnet_lite0") -> Verdict:
    """Your turn: the shape of a base's features (``include_top=False``) for a square picture."""
    if network not in BASE_SHAPES:
        known = ", ".join(BASE_SHAPES)
        return hint(f"this exercise knows {known}, not {network!r}: set BASE to one of them.")
    shape = BASE_SHAPES[network]
    side = feature_side(image_size, network)
    answer = image_shape(answer)
    if answer is None:
        return SHAPE_HINT
    if answer == (side, side, shape.channels):
        return passed(f"{image_size}x{image_size} pictures give {side}x{side}x{shape.channels} features "
                      f"({side * side * shape.channels:,} numbers each for the head).")
    if answer[2] != shape.channels:
        return hint("the channels are the feature maps of the base's last layer (see `conv_base.summary()`).")
    other_way = feature_side(image_size, "vgg16" if shape.rounds_up else "efficientnet_lite0")
    if answer[:2] == (other_way, other_way):
        rounding = "keep an odd last row: round up" if shape.rounds_up else "drop an odd last row: round down"
        return hint(f"this base's {shape.halving_layers} {rounding} at each halving.")
    return hint(f"five of the base's layers halve the size ({shape.halving_layers}); the others keep it.")


@dataclass(frozen=True)
class Blocks:
    """Which of a base's layers fine-tuning one block deeper opens (by name prefix), and which stay frozen."""

    learn: tuple[str, ...]
    keep_frozen: tuple[str, ...]


DEEPER_FINE_TUNING = {
    "efficientnet_lite0": Blocks(("block6", "block7", "top"),
                                 ("stem", "block1", "block2", "block3", "block4", "block5")),
    "vgg16": Blocks(("block4", "block5"), ("block1", "block2", "block3")),
}


def _network_of(conv_base) -> str | None:
    names = {layer.name for layer in conv_base.layers}
    if "block7a_expand_conv" in names:
        return "efficientnet_lite0"
    if "block5_conv1" in names:
        return "vgg16"
    return None


def _is_normalisation(layer) -> bool:
    return type(layer).__name__ == "BatchNormalization"


@checker
def fine_tune_deeper(model, conv_base) -> Verdict:
    """Your turn: unfreeze the block before the last one as well (BatchNormalization and the
    earlier blocks frozen), and compile for fine-tuning."""
    network = _network_of(conv_base)
    if network is None:
        return hint("`conv_base` should be the lab's base (EfficientNet-Lite0 or VGG16), as `load_base` "
                    "built it.")
    blocks = DEEPER_FINE_TUNING[network]
    if not conv_base.trainable:
        return hint("the whole base is still frozen: set `conv_base.trainable = True` first, then "
                    "freeze the layers you keep, one by one.")
    weighted = [layer for layer in conv_base.layers if layer.weights]
    learning = [layer for layer in weighted if layer.name.startswith(blocks.learn)]
    frozen = [layer.name for layer in learning if not layer.trainable and not _is_normalisation(layer)]
    if frozen:
        learn = ", ".join(blocks.learn)
        return hint(f"{frozen[0]} (and {len(frozen) - 1} more) still frozen: {learn} should learn.")
    normalising = [layer.name for layer in learning if layer.trainable and _is_normalisation(layer)]
    if normalising:
        return hint(f"{normalising[0]} (and {len(normalising) - 1} more) would learn: keep "
                    "BatchNormalization "
                    "layers frozen, their statistics came from ImageNet's 1.2 million photos.")
    early = [layer.name for layer in weighted
             if layer.name.startswith(blocks.keep_frozen) and layer.trainable]
    if early:
        return hint(f"{early[0]} (and {len(early) - 1} more) would learn too. The early blocks find "
                    "edges and colours that suit any picture; with 720 pictures, keep them frozen.")
    if not is_compiled(model):
        return hint("compile the model again: Keras takes the new trainable settings from `compile`.")
    if learning_rate(model) > FINE_TUNING_RATE:
        return hint(f"learning rate {learning_rate(model):g} is high for fine-tuning: the first big "
                    "steps would wreck the pretrained filters. Use a much smaller one.")
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    return passed(f"{' and '.join(blocks.learn)} learn with the head: {trainable:,} trainable weights, "
                  f"learning rate {learning_rate(model):g}.")
