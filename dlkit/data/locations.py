"""Where files live: the user's data folder, dlkit's cache, and Keras' own cache.

Environment variables, read on every call so a notebook can change them:

- ``DLKIT_DATA_DIR``: a folder of dataset files the user manages (read-only to dlkit).
- ``DLKIT_WEIGHTS_DIR``: the same for pretrained weights.
- ``DLKIT_CACHE_DIR``: dlkit's cache (default: the platform's cache folder, e.g. ~/.cache/dlkit).
- ``KERAS_HOME``: Keras' cache (default ~/.keras), read as Keras reads it.
- ``DLKIT_OFFLINE``: set to 1 to never try the network.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import platformdirs

from dlkit.errors import CacheNotWritable

USER_FOLDER_VARIABLES = {"dataset": "DLKIT_DATA_DIR", "weights": "DLKIT_WEIGHTS_DIR"}
CACHE_SUBFOLDERS = {"dataset": "datasets", "weights": "models"}


def user_folder(kind: str) -> Path | None:
    """The folder named by ``$DLKIT_DATA_DIR`` (datasets) or ``$DLKIT_WEIGHTS_DIR`` (weights)."""
    value = os.environ.get(USER_FOLDER_VARIABLES[kind])
    return Path(value).expanduser() if value else None


def cache_root() -> Path:
    """dlkit's cache folder: ``$DLKIT_CACHE_DIR`` or the platform's user cache folder."""
    value = os.environ.get("DLKIT_CACHE_DIR")
    return Path(value).expanduser() if value else Path(platformdirs.user_cache_dir("dlkit"))


def cache_folder(kind: str) -> Path:
    """Where dlkit caches files of a kind: ``<cache>/datasets`` or ``<cache>/models``."""
    return cache_root() / CACHE_SUBFOLDERS[kind]


def keras_cache_folder(subdir: str) -> Path:
    """Keras' cache for ``subdir`` ("datasets" or "models"), as ``keras.utils.get_file`` uses it."""
    root = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return Path(root) / subdir


def offline() -> bool:
    """True when ``$DLKIT_OFFLINE`` asks dlkit never to use the network."""
    return os.environ.get("DLKIT_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


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
