"""dlkit: the helper package of a hands-on Keras/TensorFlow deep-learning course.

The labs in ``labs/`` keep the model code a student reads and changes; dlkit holds the plumbing,
in rooms (``docs/contributing.md`` has the map):

- ``dlkit.data``: the data layer. Finds, downloads, verifies and caches registry files, loads
  MNIST and folders of pictures. Imports only ``dlkit.errors``.
- ``dlkit.course``: what belongs to this course: run profiles, exercise checkers, the decks'
  worked examples, the generated ponies, histories kept between labs, what each lab declares.
- the modules a lab imports by name, kept flat: ``datasets``, ``plots``, ``evaluate``,
  ``runtime``, ``pretrained``, ``frozen_base``, ``live_plot``; and ``dlkit.deploy`` for lab 05.
  ``precision`` (bfloat16 on a CPU, measured) is used by ``runtime``; no lab imports it.
- ``dlkit.instructor``: what only an instructor's command uses: the ``dlkit`` CLI, the demo run,
  its report, the doctor, student copies.

Imports go one way: instructor -> the lab modules -> course -> data -> errors.
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("dlkit")  # the one source is pyproject.toml
except metadata.PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
