"""The data layer: every file the labs read, found, verified and cached by one set of rules.

- ``registry``: what dlkit can fetch, as data (names, URLs, hashes, sizes, licences);
- ``locations``: the folders involved (the user's, dlkit's cache, Keras' cache);
- ``search``: the one search order, walked by ``fetch`` (to load) and ``status`` (to report);
- ``verify``: size and hash checks; ``fetch``: downloads and imports, atomic and locked;
- ``images``: the one way a user's picture is read (upright 8-bit RGB, HEIC included);
- ``mnist`` and ``image_folder``: the loaders the labs call.

Invariants: a file that fails verification is never used; the user's folders and Keras' cache
are only read; downloads land in a temporary file and are renamed into place once verified.
This package imports nothing from dlkit but ``dlkit.errors``.
"""

from dlkit.data.fetch import Located, fetch, locate
from dlkit.data.image_folder import (
    BadImageFolder,
    FolderReport,
    ImageFolderWarning,
    inspect_image_folder,
    load_image_folder,
)
from dlkit.data.images import Picture, UnreadableImage, read_image
from dlkit.data.mnist import load_embedded_mnist, load_mnist
from dlkit.data.registry import get_entry
from dlkit.data.status import FileStatus, inspect

__all__ = [
    "BadImageFolder",
    "FileStatus",
    "FolderReport",
    "ImageFolderWarning",
    "Located",
    "Picture",
    "UnreadableImage",
    "fetch",
    "get_entry",
    "inspect",
    "inspect_image_folder",
    "load_embedded_mnist",
    "load_image_folder",
    "load_mnist",
    "locate",
    "read_image",
]
