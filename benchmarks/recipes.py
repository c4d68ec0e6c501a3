"""The training recipes compared by ``time_to_accuracy.py``: the reference recipes (R1–R3, the
yardsticks) and the labs' own. Each recipe builds its model, prepares its data and trains one
epoch at a time, so the harness can stop at the target.

The lab recipes build the labs' own models by running the labs' model cells (so a model is defined
once, in its lab) and train with the settings of the labs' "Train" cells
(``tests/test_recipes_match_labs.py`` checks those); the reference recipes follow the issue's facts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TARGETS = {"R1": 0.975, "R2": 0.990}


@dataclass
class Recipe:
    name: str
    build: Callable[[], object]  # returns a compiled model
    data: Callable[[], tuple]  # returns (train, test); test is (images, labels) arrays
    fit: Callable  # fit(model, train, epochs, callbacks)
    epochs: int  # the budget
    train_images: int
    evaluate: Callable | None = None  # evaluate(model) -> test accuracy; default: argmax on test
    precision: Callable[[], str] = lambda: "float32"  # sets the Keras policy, returns its name


def _lab_precision(cpu_bfloat16: bool = True) -> Callable[[], str]:
    """What the lab's setup cell does: ``pick_runtime`` (bfloat16 where measured faster here)."""

    def choose() -> str:
        from dlkit.runtime import pick_runtime

        return pick_runtime(cpu_bfloat16=cpu_bfloat16).mixed_precision or "float32"

    return choose


def _array_fit(**settings):
    def fit(model, train, epochs, callbacks):
        model.fit(train[0], train[1], epochs=epochs, callbacks=callbacks, verbose=0, **settings)

    return fit


def _mnist(channel_axis: bool, dtype: str, limit_validation: bool = False):
    from dlkit.data.mnist import load_mnist

    (x_train, y_train), (x_test, y_test) = load_mnist(verbose=False)
    scale = np.float64 if dtype == "float64" else np.float32
    x_train, x_test = x_train.astype(scale) / 255.0, x_test.astype(scale) / 255.0
    if channel_axis:
        x_train, x_test = x_train[..., None], x_test[..., None]
    return (x_train, y_train), (x_test, y_test)


LABS = Path(__file__).resolve().parents[1] / "labs"


def lab_cell(lab: str, marker: str) -> str:
    """The one code cell of ``labs/<lab>`` that contains ``marker``."""
    import nbformat

    notebook = nbformat.read(LABS / lab, as_version=4)
    found = [cell.source for cell in notebook.cells if cell.cell_type == "code" and marker in cell.source]
    if len(found) != 1:
        raise LookupError(f"{lab}: expected one code cell with {marker!r}, found {len(found)}")
    return found[0]


def run_lab_cell(lab: str, marker: str, **names) -> dict:
    """Execute that cell with ``keras`` and ``names`` in scope; returns what it defined."""
    import keras

    scope = {"keras": keras, **names}
    exec(lab_cell(lab, marker), scope)
    return scope


def lab04_head_definitions() -> dict:
    """Lab 04's ``build_head`` and ``check_head``: its cell defines them, then trains on the lab's
    features; only the definitions are run (everything before the lab seeds its training run)."""
    import keras

    from dlkit.course.ponies import CLASS_NAMES

    source = lab_cell("04_transfer_learning_vgg16.ipynb", "def build_head")
    scope = {"keras": keras, "pony_names": CLASS_NAMES}
    exec(source.split("keras.utils.set_random_seed")[0], scope)
    return {name: scope[name] for name in ("build_head", "check_head")}


def _compiled(model, optimizer, steps_per_execution: int):
    model.compile(
        optimizer=optimizer,
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    return model


def dense_net(optimizer, steps_per_execution: int = 1):
    """Lab 01's network (the deck's and the TF2 quickstart's), built by lab 01's own cell."""
    model = run_lab_cell("01_mnist_dense.ipynb", 'name="hello_mnist"')["model"]
    return _compiled(model, optimizer, steps_per_execution)


def convnet(optimizer, steps_per_execution: int = 1):
    """Lab 02's network (also the Keras example's), built by lab 02's own cell."""
    model = run_lab_cell("02_mnist_cnn.ipynb", 'name="mnist_convnet"')["model"]
    return _compiled(model, optimizer, steps_per_execution)


def recipe(name: str) -> Recipe:
    if name == "R1":  # TF2 quickstart (deck 004): float64 arrays, batch 32, Adam defaults, 5 epochs
        return Recipe(
            "R1",
            lambda: dense_net("adam"),
            lambda: _mnist(False, "float64"),
            _array_fit(batch_size=32),
            8,  # the recipe's 5 epochs, with room so its time to 97.5 % is always defined
            60_000,
        )
    if name == "R2":  # Keras "simple MNIST convnet": batch 128, 15 epochs, validation_split 0.1
        return Recipe(
            "R2",
            lambda: convnet("adam"),
            lambda: _mnist(True, "float32"),
            _array_fit(batch_size=128, validation_split=0.1),
            15,
            54_000,
        )
    if name == "lab01":
        return Recipe(
            "lab01",
            lambda: dense_net(lab01_optimizer(), LAB01["spe"]),
            lambda: _mnist(False, "float32"),
            _array_fit(batch_size=LAB01["batch"], validation_split=LAB01["validation_split"]),
            LAB01["epochs"],
            54_000,
            precision=_lab_precision(cpu_bfloat16=False),  # lab 01: pick_runtime(cpu_bfloat16=False)
        )
    if name == "lab02":
        return Recipe(
            "lab02",
            lambda: convnet(lab02_optimizer(), LAB02["spe"]),
            lambda: _mnist(True, "float32"),
            _array_fit(batch_size=LAB02["batch"], validation_split=LAB02["validation_split"]),
            LAB02["epochs"],
            54_000,
            precision=_lab_precision(),
        )
    if name in ("R3", "lab03"):
        return Recipe(
            name,
            r3_convnet if name == "R3" else lab03_convnet,
            _ponies,
            _dataset_fit,
            R3_EPOCHS if name == "R3" else LAB03_EPOCHS,
            720,
            precision=_lab_precision() if name == "lab03" else (lambda: "float32"),
        )
    raise KeyError(name)


# R3: the classic small-data recipe (four blocks 32-64-128-128, Dense 512, RMSprop 1e-4, batch 32)
# with augmentation and Dropout(0.5); lab 03's model and settings; both on lab 03's ponies with
# the same augmentation in the input pipeline.
R3_EPOCHS = 60
LAB03_EPOCHS = 40


def _ponies():
    import keras
    import tensorflow as tf

    from dlkit.course.ponies import pony_splits
    from dlkit.data.image_folder import load_image_folder

    folders = pony_splits(train=120, validation=40, test=60, size=150)
    augment = keras.Sequential(
        [
            keras.layers.RandomFlip("horizontal"),
            keras.layers.RandomRotation(0.08),
            keras.layers.RandomZoom(0.2),
            keras.layers.RandomTranslation(0.1, 0.1),
            keras.layers.RandomContrast(0.2),
        ]
    )
    train = load_image_folder(folders["train"], image_size=(150, 150), batch_size=32)
    train = train.map(lambda x, y: (augment(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
    test = load_image_folder(folders["test"], image_size=(150, 150), batch_size=64, shuffle=False)
    images = np.concatenate([x.numpy() for x, _ in test])
    labels = np.concatenate([y.numpy() for _, y in test])
    return train.prefetch(tf.data.AUTOTUNE), (images, labels)


def _dataset_fit(model, train, epochs, callbacks):
    model.fit(train, epochs=epochs, callbacks=callbacks, verbose=0, shuffle=False)


def r3_convnet():
    """The classic small-data recipe's network: four blocks 32-64-128-128, Dense 512."""
    import keras

    layers = [keras.Input(shape=(150, 150, 3)), keras.layers.Rescaling(1 / 255)]
    for count in (32, 64, 128, 128):
        layers += [keras.layers.Conv2D(count, 3, activation="relu"), keras.layers.MaxPooling2D(2)]
    layers += [
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dense(6, activation="softmax"),
    ]
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-4), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def lab03_convnet():
    """Lab 03's network with dropout, compiled as the lab compiles it, by lab 03's own cell."""
    from dlkit.course.ponies import CLASS_NAMES

    build = run_lab_cell("03_pony_classifier.ipynb", "def build_convnet", class_names=CLASS_NAMES)
    return build["build_convnet"](dropout=0.5)


# The labs' "Train" cells, setting for setting (tests/test_recipes_match_labs.py compares them).
LAB01 = {"batch": 256, "learning_rate": 5e-3, "epochs": 8, "spe": 32, "validation_split": 0.1}
LAB02 = {"batch": 128, "learning_rate": 3e-3, "epochs": 7, "spe": 16, "validation_split": 0.1}


def _steps(images: int, batch: int, epochs: int) -> int:
    return -(-images // batch) * epochs


def lab01_optimizer():
    import keras

    steps = _steps(int(60_000 * (1 - LAB01["validation_split"])), LAB01["batch"], LAB01["epochs"])
    schedule = keras.optimizers.schedules.CosineDecay(LAB01["learning_rate"], decay_steps=steps)
    return keras.optimizers.Adam(schedule)


def lab02_optimizer():
    import keras

    steps = _steps(int(60_000 * (1 - LAB02["validation_split"])), LAB02["batch"], LAB02["epochs"])
    schedule = keras.optimizers.schedules.CosineDecay(LAB02["learning_rate"], decay_steps=steps)
    return keras.optimizers.Adam(schedule)
