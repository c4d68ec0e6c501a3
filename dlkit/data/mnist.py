"""Load the course's datasets the way Keras does, but offline-first, verified and cached.

``load_mnist()`` returns exactly what ``keras.datasets.mnist.load_data()`` returns and says which
file it used. MNIST is by Yann LeCun and Corinna Cortes, under Creative Commons
Attribution-Share Alike 3.0 (https://creativecommons.org/licenses/by-sa/3.0/).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np

from dlkit.data.fetch import locate
from dlkit.data.registry import get_entry
from dlkit.errors import DatasetUnavailable

__all__ = ["load_embedded_mnist", "load_mnist"]

EMBEDDED_MNIST = "mnist_subset.npz"
FALLBACKS = (None, "embedded")

MnistArrays = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def load_mnist(
    path: str | Path | None = None,
    fallback: str | None = None,
    verbose: bool = True,
) -> MnistArrays:
    """Load MNIST as ``((x_train, y_train), (x_test, y_test))``, like Keras.

    ``x_*`` are uint8 arrays of shape (N, 28, 28), black background (0) and white ink (255);
    ``y_*`` are uint8 digit labels of shape (N,). The full set has 60 000 train and 10 000 test
    images. The file is looked for in: ``path`` (a file or a folder holding ``mnist.npz``);
    ``$DLKIT_DATA_DIR``; dlkit's cache; Keras' cache; else it is downloaded and cached. Every
    copy is verified by its hash before it is used.

    Args:
        path: an explicit file or folder to load from.
        fallback: ``"embedded"`` to use the small subset shipped inside dlkit (10 000 train,
            2 000 test, class-balanced) when the full set is unavailable; ``None`` to raise.
        verbose: print one line saying which file was used.

    Raises:
        DatasetUnavailable: nowhere to be found and not downloadable (the message says how to
            get it), unless ``fallback="embedded"``.
        VerificationError: the file at ``path`` or in ``$DLKIT_DATA_DIR`` is not MNIST.

    Example:
        >>> (x_train, y_train), (x_test, y_test) = load_mnist(fallback="embedded")
        >>> x_train.dtype, x_train.shape[1:]
        (dtype('uint8'), (28, 28))
    """
    if fallback not in FALLBACKS:
        raise ValueError(f"fallback must be one of {FALLBACKS}, not {fallback!r}")
    entry = get_entry("mnist")
    try:
        located = locate(entry, entry.files[0], path=path)
    except DatasetUnavailable as error:
        if fallback != "embedded":
            raise
        arrays = load_embedded_mnist()
        if verbose:
            print(
                f"MNIST: using dlkit's embedded subset ({len(arrays[0][0]):,} train / "
                f"{len(arrays[1][0]):,} test images) because the full set is unavailable "
                f"({error.reason}); `dlkit fetch mnist` gets the full set."
            )
        return arrays
    if verbose:
        print(f"MNIST: {located.describe()}")
    return _read_mnist_npz(located.path)


def load_embedded_mnist() -> MnistArrays:
    """The class-balanced MNIST subset shipped inside dlkit: 10 000 train and 2 000 test images.

    Same layout and dtypes as ``load_mnist()``. Made by ``datasets/make_mnist_subset.py``;
    licence and attribution in ``dlkit/data/embedded/MNIST-LICENSE.txt``.
    """
    with resources.as_file(resources.files("dlkit.data.embedded").joinpath(EMBEDDED_MNIST)) as file:
        return _read_mnist_npz(file)


def _read_mnist_npz(path: Path) -> MnistArrays:
    with np.load(path, allow_pickle=False) as arrays:
        x_train, y_train = arrays["x_train"], arrays["y_train"]
        x_test, y_test = arrays["x_test"], arrays["y_test"]
    return (x_train, y_train), (x_test, y_test)
