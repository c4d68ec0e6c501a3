"""Pretrained ImageNet networks from ``keras.applications``, with weights found like datasets.

``load_base("vgg16", include_top=False, input_shape=(150, 150, 3))`` builds the network and loads
its weights file from, in order: an explicit ``path``; ``$DLKIT_WEIGHTS_DIR``; dlkit's cache;
Keras' cache; else a download (with a timeout) into dlkit's cache. Every file is checked against
the md5 hash that Keras itself carries for it, so a file from Keras' cache, a colleague's USB
stick or a fresh download are verified the same way. ``dlkit fetch vgg16`` stages both files.

``weights=None`` builds the same network with random weights, only when asked for, and says so:
nothing trained on it is a transfer-learning result.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlkit.course.profiles import current_profile
from dlkit.data.fetch import LABELS, locate
from dlkit.data.image_folder import BadImageFolder, ImageFolderWarning, require_folder
from dlkit.data.images import UnreadableImage, is_picture_name, is_system_file, read_image
from dlkit.data.registry import get_entry
from dlkit.errors import DlkitError, FileUnavailable

__all__ = [
    "BASES",
    "decode_predictions",
    "imagenet_class_names",
    "load_base",
    "load_photos",
    "preprocess_input",
    "random_weights_note",
    "requested_weights",
]


@dataclass(frozen=True)
class Base:
    """A ``keras.applications`` network: its class, its module (for ``preprocess_input``) and the
    input size it was trained at."""

    class_name: str
    module: str
    default_size: int


BASES = {
    "vgg16": Base("VGG16", "vgg16", 224),
    "vgg19": Base("VGG19", "vgg19", 224),
    "resnet50": Base("ResNet50", "resnet50", 224),
    "inceptionv3": Base("InceptionV3", "inception_v3", 299),
    "xception": Base("Xception", "xception", 299),
}


RANDOM_WEIGHTS_VARIABLE = "DLKIT_PRETRAINED_WEIGHTS"


def requested_weights() -> str | None:
    """The weights a lab should load: "imagenet", or None (random) when asked for explicitly —
    by the quick profile (CI, ``dlkit demo``) or by ``DLKIT_PRETRAINED_WEIGHTS=random`` (to time
    the full profile on a machine without the ImageNet files)."""
    if current_profile().quick or os.environ.get(RANDOM_WEIGHTS_VARIABLE, "").lower() == "random":
        return None
    return "imagenet"


def _base(name: str) -> Base:
    try:
        return BASES[name.lower()]
    except KeyError:
        raise DlkitError(f"unknown network {name!r}; dlkit knows: {', '.join(BASES)}") from None


def random_weights_note(name: str) -> str:
    """The one line printed whenever a network is built with random weights."""
    return (
        f"{_base(name).class_name} has RANDOM weights (weights=None): it is not pretrained, and "
        "accuracies made with it are not transfer-learning results."
    )


def load_base(
    name: str,
    include_top: bool = False,
    input_shape: tuple[int, int, int] | None = None,
    weights: str | None = "imagenet",
    path: str | Path | None = None,
    verbose: bool = True,
):
    """Build ``keras.applications.<Name>`` with verified ImageNet weights (or random ones).

    Args:
        name: "vgg16", "vgg19", "resnet50", "inceptionv3" or "xception" (the networks whose
            weights Keras publishes with a hash, so dlkit can verify them).
        include_top: True for the full network with its 1 000-class ImageNet classifier (then
            ``input_shape`` must be the training size, e.g. (224, 224, 3)); False for the
            convolutional base alone, for any input of at least 32×32.
        weights: "imagenet", or None for random weights (prints a line saying so).
        path: a weights file (or a folder holding it) to use instead of searching.

    Raises:
        WeightsUnavailable: no verified weights file on this machine and no download possible;
            the message names the file, its size and the `dlkit fetch` command.
        VerificationError: the file at ``path`` or in ``$DLKIT_WEIGHTS_DIR`` is not Keras' file.

    Example:
        >>> conv_base = load_base("vgg16", include_top=False, input_shape=(150, 150, 3))
    """
    import keras

    base = _base(name)
    builder = getattr(keras.applications, base.class_name)
    if weights is None:
        if verbose:
            print(random_weights_note(name))
        return builder(weights=None, include_top=include_top, input_shape=input_shape)
    if weights != "imagenet":
        raise ValueError("weights must be 'imagenet' or None; pass a file as path=")
    entry = get_entry(name)
    located = locate(entry, entry.file("full" if include_top else "notop"), path=path)
    if verbose:
        print(f"{base.class_name} ImageNet weights: {located.describe()}")
    return builder(weights=str(located.path), include_top=include_top, input_shape=input_shape)


def preprocess_input(name: str, images):
    """The input scaling the network was trained with (VGG: BGR, ImageNet mean subtracted).

    Takes RGB images in 0–255, shape (batch, height, width, 3): numpy arrays, Keras tensors, or
    the ``tf.Tensor`` batches of a ``tf.data`` pipeline (``dataset.map``) on any Keras backend.
    Keras' own function is used throughout; on JAX or PyTorch, whose operations cannot run inside
    tf.data, it runs there through its numpy path (``tf.numpy_function``).
    """
    import keras

    module = getattr(keras.applications, _base(name).module)
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


def imagenet_class_names(path: str | Path | None = None) -> list[str] | None:
    """The 1 000 ImageNet class names in output order, or None when the label file is unavailable."""
    entry = get_entry(LABELS)
    try:
        located = locate(entry, entry.files[0], path=path)
    except FileUnavailable:
        return None
    index = json.loads(located.path.read_text())
    return [index[str(i)][1] for i in range(len(index))]


def decode_predictions(probabilities: np.ndarray, top: int = 3, class_names: list[str] | None = None):
    """For each image, its ``top`` ImageNet classes as (name, probability), most probable first.

    Without ``class_names`` (e.g. the label file is not on this machine) classes are named by
    number, "class 207".
    """
    probabilities = np.asarray(probabilities)
    decoded = []
    for row in probabilities:
        best = np.argsort(-row)[:top]
        decoded.append([(class_names[i] if class_names else f"class {i}", float(row[i])) for i in best])
    return decoded


def load_photos(
    folder: str | Path, size: tuple[int, int], skip_bad: bool = False
) -> tuple[np.ndarray, list[Path]]:
    """Every picture in ``folder`` (not its subfolders) as RGB float32 (0–255) of ``size``,
    centre-cropped to the right aspect ratio first (no squashing), with their paths in name order.

    Pictures are read like every picture dlkit reads (``dlkit.data.images.read_image``): upright
    (phone photos' EXIF orientation applied), HEIC, WebP, TIFF and 16-bit files included. System
    files (``.DS_Store``, ``._IMG_0001.JPG``) are ignored.

    Raises:
        BadImageFolder: a picture cannot be read (each named, with the fix; ``skip_bad=True``
            leaves them out with a warning instead), or the folder holds no picture at all.
    """
    import keras

    folder = Path(folder).expanduser()
    require_folder(folder)
    entries = sorted(p for p in folder.iterdir() if not is_system_file(p.name) and not p.is_dir())
    pictures, paths, unreadable = [], [], []
    for path in (p for p in entries if is_picture_name(p.name)):
        try:
            pictures.append(read_image(path, reduce_to=size).pixels)
            paths.append(path)
        except UnreadableImage as error:
            unreadable.append(error)
    if unreadable and not skip_bad:
        raise BadImageFolder("; ".join(str(error) for error in unreadable) + " (or pass skip_bad=True)")
    if unreadable:
        warnings.warn(f"left out {len(unreadable)} unreadable picture(s): "
                      + ", ".join(error.path.name for error in unreadable), ImageFolderWarning, stacklevel=2)
    if not pictures:
        others = ", ".join(p.name for p in entries[:10]) or "nothing but system files"
        raise BadImageFolder(
            f"no pictures in {folder} (it holds: {others}); put JPEG, PNG or HEIC photos there"
        )
    # float32 whatever the global policy: under mixed_bfloat16 the layer would compute in bfloat16,
    # which older Keras refuses ("data type not inexact") and which would blur the photos' pixels
    resize = keras.layers.Resizing(*size, crop_to_aspect_ratio=True, dtype="float32")
    images = [keras.ops.convert_to_numpy(resize(pixels.astype("float32"))) for pixels in pictures]
    return np.stack(images).astype("float32"), paths
