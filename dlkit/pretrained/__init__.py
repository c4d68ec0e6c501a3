"""Pretrained ImageNet networks, their weights found and verified like datasets, and photos to
show them.

``load_base("efficientnet_lite0", include_top=False, input_shape=(150, 150, 3))`` builds
EfficientNet-Lite0 with its ImageNet weights, which ship inside a package dlkit requires: every
install has them, offline. ``load_base("vgg16", ...)`` builds the deck's VGG16 (``keras.applications``)
with weights found on this machine or downloaded, verified against Keras' own hashes.

- ``bases``: the networks (``BASES``), ``load_base``, ``preprocess_input``;
- ``efficientnet_lite``: EfficientNet-Lite0 in Keras and its checkpoint's conversion;
- ``imagenet``: the 1 000 class names, offline, and ``decode_predictions``;
- ``photos``: ``load_photos`` (a folder of photos, as the networks expect them) and the photos
  dlkit ships (``sample_photos_folder``).
"""

from dlkit.pretrained.bases import (
    BASES,
    load_base,
    preprocess_input,
    random_weights_note,
    weights_on_this_machine,
)
from dlkit.pretrained.imagenet import decode_predictions, imagenet_class_names
from dlkit.pretrained.photos import load_photos, sample_photos_folder

__all__ = [
    "BASES",
    "decode_predictions",
    "imagenet_class_names",
    "load_base",
    "load_photos",
    "preprocess_input",
    "random_weights_note",
    "sample_photos_folder",
    "weights_on_this_machine",
]
