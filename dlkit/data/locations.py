"""Where files live: the user's data folder, dlkit's cache, and Keras' own cache.

The folders come from dlkit's settings (``dlkit.settings``: ``DLKIT_DATA_DIR``,
``DLKIT_WEIGHTS_DIR``, ``DLKIT_CACHE_DIR``, ``DLKIT_OFFLINE``), read on every call so a notebook can
change them; Keras' cache from ``KERAS_HOME``, read as Keras reads it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from dlkit.errors import CacheNotWritable
from dlkit.settings import current, variable_of

USER_FOLDER_VARIABLES = {"dataset": variable_of("data_dir"), "weights": variable_of("weights_dir")}
CACHE_SUBFOLDERS = {"dataset": "datasets", "weights": "models"}


def user_folder(kind: str) -> Path | None:
    """The folder named by ``$DLKIT_DATA_DIR`` (datasets) or ``$DLKIT_WEIGHTS_DIR`` (weights)."""
    settings = current()
    return settings.data_dir if kind == "dataset" else settings.weights_dir


def cache_root() -> Path:
    """dlkit's cache folder: ``$DLKIT_CACHE_DIR`` or the platform's user cache folder."""
    return current().cache_folder()


def cache_folder(kind: str) -> Path:
    """Where dlkit caches files of a kind: ``<cache>/datasets`` or ``<cache>/models``."""
    return cache_root() / CACHE_SUBFOLDERS[kind]


def keras_cache_folder(subdir: str) -> Path:
    """Keras' cache for ``subdir`` ("datasets" or "models"), as ``keras.utils.get_file`` uses it."""
    root = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(root) / subdir


def offline() -> bool:
    """True when ``$DLKIT_OFFLINE`` asks dlkit never to use the network."""
    return current().offline


def ensure_writable(folder: Path) -> Path:
    """Create ``folder`` if needed and prove it accepts a file; else raise ``CacheNotWritable``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".dlkit-write-test-"):
            pass
    except OSError as error:
        raise CacheNotWritable(
            f"dlkit's cache folder {folder} is not writable ({error.strerror or error}); "
            "point DLKIT_CACHE_DIR at a folder you can write to, e.g. "
            "`export DLKIT_CACHE_DIR=$HOME/dlkit-cache`"
        ) from error
    return folder
