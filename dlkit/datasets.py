"""The loaders a lab calls: MNIST as Keras returns it, and a checked folder of class subfolders
(``inspect_image_folder`` is the check alone, the report ``dlkit check-folder`` prints).

They live in the data layer (``dlkit.data``); this module is the short name a lab imports::

    from dlkit.datasets import load_mnist
    (x_train, y_train), (x_test, y_test) = load_mnist()
"""

from dlkit.data.image_folder import inspect_image_folder, load_image_folder
from dlkit.data.mnist import load_embedded_mnist, load_mnist

__all__ = ["inspect_image_folder", "load_embedded_mnist", "load_image_folder", "load_mnist"]
