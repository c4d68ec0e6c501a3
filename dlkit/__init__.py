"""dlkit: the helper package of a hands-on Keras/TensorFlow deep-learning course.

The labs in ``labs/`` keep the model code a student reads and changes; dlkit holds the plumbing,
in three rooms and a front hall (the README's "Development" section has the map):

- ``dlkit.data``: the data layer. Finds, downloads, verifies and caches registry files, loads
  MNIST and folders of pictures. Imports only ``dlkit.errors``.
- ``dlkit.course``: what belongs to this course: run profiles, exercise checkers, the decks'
  worked examples, the generated ponies, histories kept between labs.
- ``dlkit.instructor``: what only an instructor's command uses: the ``dlkit`` CLI, the demo run,
  its report, the doctor, student copies.
- the modules a lab imports by name, kept flat: ``datasets``, ``plots``, ``evaluate``,
  ``runtime`` (and ``precision``, which it asks about bfloat16), ``pretrained``, ``frozen_base``,
  ``live_plot``.

Imports go one way: instructor -> the lab modules -> course -> data -> errors.
"""

from __future__ import annotations

import importlib
from importlib import metadata

try:
    __version__ = metadata.version("dlkit")  # the one source is pyproject.toml
except metadata.PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__", "check", "deck_examples"]

# ``from dlkit import check, deck_examples`` is how the labs handed out so far reach these two.
_COURSE_MODULES = {"check": "dlkit.course.check", "deck_examples": "dlkit.course.deck_examples"}


def __getattr__(name: str):
    if name in _COURSE_MODULES:
        return importlib.import_module(_COURSE_MODULES[name])
    raise AttributeError(f"module 'dlkit' has no attribute {name!r}")
