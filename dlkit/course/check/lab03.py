"""Lab 03's exercises: choose the augmentations, and read the curves for where overfitting starts."""

from __future__ import annotations

import numpy as np

from dlkit.course.check.models import flat_layers, to_numpy
from dlkit.course.check.verdict import Verdict, checker, hint, passed

MAX_ROTATION = 0.25  # a quarter turn: beyond it ponies stand on their heads


def _rotation_limit(factor) -> float:
    values = factor if isinstance(factor, tuple | list) else (factor,)
    return max(abs(float(value)) for value in values)


@checker
def augmentation(augment, images) -> Verdict:
    """Your turn: an augmentation pipeline that makes believable new ponies and leaves tests alone."""
    layers = flat_layers(augment)
    random = [layer for layer in layers if type(layer).__name__.startswith("Random")]
    other = [type(layer).__name__ for layer in layers if layer not in random]
    if other:
        return hint(f"{', '.join(other)} is not a random transformation. The model already rescales; "
                    "here, only layers that change each picture at random.")
    if len(random) < 2:
        return hint("pick at least two random transformations: one alone gives little variety.")
    for layer in random:
        config = layer.get_config()  # public on every Keras 3 (RandomRotation.factor only from 3.6)
        if type(layer).__name__ == "RandomFlip" and "vertical" in config["mode"]:
            return hint("a vertical flip shows ponies upside down, which no test picture does: "
                        "augmentations should make pictures the model could really meet.")
        if type(layer).__name__ == "RandomRotation" and _rotation_limit(config["factor"]) > MAX_ROTATION:
            return hint("that rotation can turn ponies onto their backs (the factor is a fraction of "
                        "a full turn): keep it small.")
    batch = np.asarray(images, dtype="float32")
    changed = to_numpy(augment(batch, training=True))
    if changed.shape != batch.shape:
        return hint(f"the pictures change shape ({batch.shape} -> {changed.shape}); the model expects "
                    "the same size back.")
    if np.allclose(changed, batch):
        return hint("with training=True the pictures came back unchanged: do the factors allow any change?")
    if not np.allclose(to_numpy(augment(batch, training=False)), batch):
        return hint("at test time (training=False) the pictures must come back untouched.")
    names = ", ".join(type(layer).__name__ for layer in random)
    return passed(f"{names}: new pictures in training, untouched ones at test time.")


@checker
def overfitting_epoch(answer: int, history) -> Verdict:
    """Your turn: after which epoch does the from-scratch model's validation loss stop improving?"""
    curves = history.history
    best = int(np.argmin(curves["val_loss"])) + 1
    try:
        answer = int(answer)
    except (TypeError, ValueError):
        return hint("answer with the epoch number, counting from 1 as Keras does.")
    if answer == best:
        return passed("that is the lowest validation loss; after it the network memorises the training "
                      "pictures. It is where early stopping (keras.callbacks.EarlyStopping) would stop.")
    if answer == best - 1:
        return hint("close: Keras counts epochs from 1, Python lists from 0.")
    if "val_accuracy" in curves and answer == int(np.argmax(curves["val_accuracy"])) + 1:
        return hint("that is where validation *accuracy* peaks; the question is about validation *loss*.")
    if answer == int(np.argmin(curves["loss"])) + 1:
        return hint("that is where the *training* loss is lowest; it keeps falling while the network "
                    "memorises. Look at the validation loss.")
    return hint("find the lowest point of the validation loss curve (`history.history['val_loss']`).")
