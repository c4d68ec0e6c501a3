"""The data layer: every file the labs read, found, verified and cached by one set of rules.

- ``registry``: what dlkit can fetch, as data (names, URLs, hashes, sizes, licences);
- ``locations``: the folders involved (the user's, dlkit's cache, Keras' cache);
- ``search``: the one search order, walked by ``fetch`` (to load) and ``status`` (to report);
- ``verify``: size and hash checks; ``fetch``: downloads and imports, atomic and locked;
- ``images``: the one way a user's picture is read (upright 8-bit RGB, HEIC included);
- ``mnist`` and ``image_folder``: the loaders the labs call.

Invariants: a file that fails verification is never used; the user's folders and Keras' cache
are only read; downloads land in a temporary file and are renamed into place once verified.
This package imports nothing from dlkit but ``dlkit.errors``. Labs reach the loaders through
``dlkit.datasets``.
"""

# The modules, not their contents, are what this package holds: importing one (``dlkit.data.locations``,
# as ``dlkit demo`` does at its start) must not pull in pooch, numpy or Pillow through the others.
__all__ = ["fetch", "image_folder", "images", "locations", "mnist", "registry", "search", "status", "verify"]
