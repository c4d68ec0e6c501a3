"""Training histories kept between labs, so a later lab can compare with an earlier one
(lab 04 plots its curves against lab 03's). Stored as JSON in dlkit's cache, not in the working
folder, and tagged with the profile they were made in."""

from __future__ import annotations

import json
import os

from dlkit.course.profiles import current_profile
from dlkit.data import locations


def _path(name: str):
    return locations.cache_root() / "results" / f"{name}.json"


def save_history(name: str, history) -> None:
    """Keep a Keras ``History`` (or its ``.history`` dict) under ``name`` for the current profile."""
    values = dict(getattr(history, "history", history))
    path = _path(name)
    locations.ensure_writable(path.parent)
    record = {
        "profile": current_profile().name,
        "history": {k: [float(v) for v in vs] for k, vs in values.items()},
    }
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(record))
    os.replace(partial, path)  # whole or not at all: lab 04 reading it beside lab 03 never sees half


def load_history(name: str) -> dict[str, list[float]] | None:
    """The history saved under ``name`` in the current profile, or None if there is none."""
    path = _path(name)
    if not path.exists():
        return None
    record = json.loads(path.read_text())
    return record["history"] if record.get("profile") == current_profile().name else None
