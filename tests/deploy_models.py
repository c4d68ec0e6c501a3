"""Trained models and their exported files for the deploy tests, made once per test session.

The MNIST ConvNet is lab 05's (lab 02's) network trained for two epochs on dlkit's embedded MNIST
subset: about 96 % on its test digits, enough for a drawn 1 to read as a 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from dlkit.deploy.requirements import missing_for_deploy


def require_deploy() -> None:
    reason = missing_for_deploy()
    if reason:
        pytest.skip(reason)


@dataclass
class ExportedDigits:
    folder: Path
    model: object  # the Keras model
    files: dict  # (format, quantization) -> path
    x_test: np.ndarray
    y_test: np.ndarray
    x_train: np.ndarray


def train_digits(folder: Path) -> ExportedDigits:
    import keras

    from dlkit.datasets import load_embedded_mnist
    from dlkit.deploy import ServingCard, export_model

    (x_train, y_train), (x_test, y_test) = load_embedded_mnist()
    x_train = x_train[..., np.newaxis].astype("float32") / 255.0
    x_test = x_test[:500, ..., np.newaxis].astype("float32") / 255.0
    keras.utils.set_random_seed(7)
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Conv2D(32, 3, activation="relu", name="conv1"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 3, activation="relu", name="conv2"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(10, activation="softmax"),
        ],
        name="digits",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.003), loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    model.fit(x_train, y_train, batch_size=128, epochs=2, verbose=0)
    card = ServingCard("digits", tuple("0123456789"), (28, 28, 1), "digit")
    exported = export_model(model, folder, card, representative=x_train[:100])
    files = {(item.export.format, item.export.quantization): item.path for item in exported}
    return ExportedDigits(folder, model, files, x_test, y_test[:500], x_train)
