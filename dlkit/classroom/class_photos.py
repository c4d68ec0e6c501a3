"""Photos of the class's own things: deck 003's demo — a network pretrained on ImageNet, a new head
for classes of your own — done by the whole room.

``dlkit classroom serve efficientnet_lite0 --classes mug,keys,phone`` serves EfficientNet-Lite0
(its ImageNet weights come with dlkit, offline), frozen, followed by a head over the instructor's
classes that has learned nothing yet: its weights are zeros, so every class gets the same
probability and the answer is a guess. Students photograph the objects and say which class each
is; "learn from us" then trains only the head, on the base's pooled features of the photos of the
devices it learns from (computed once: the base does not change), and measures it on devices it
never saw. The base is what makes a few photos enough: it already tells a mug from keys.

The model is an ordinary ``.keras`` file in the session folder (``models/class-photos.keras``) with
its serving card, so a restart, ``dlkit classroom export`` and ``dlkit serve`` take it like any
other; a retrain saves base and trained head together.
"""

from __future__ import annotations

from pathlib import Path

from dlkit.errors import DlkitError

__all__ = ["BASE", "FIRST_MODEL", "HEAD", "MODEL_NAME", "class_photo_model", "first_photo_model",
           "frozen_base_head", "parse_classes"]

BASE = "efficientnet_lite0"
HEAD = "class_head"  # the layer "learn from us" trains
MODEL_NAME = "class_photos"
FIRST_MODEL = "class-photos.keras"  # in the session's models folder
MAX_CLASSES = 20
LONGEST_CLASS_NAME = 40


def parse_classes(text: str) -> tuple[str, ...]:
    """The class names of ``--classes mug,keys,phone``: 2 to 20 distinct names of 1 to 40 characters.

    Raises:
        DlkitError: too few or too many, an empty or over-long name, or a name given twice.
    """
    names = tuple(name.strip() for name in text.split(","))
    if any(not name for name in names):
        raise DlkitError(f"--classes {text!r}: an empty class name; give names separated by commas, "
                         "e.g. --classes mug,keys,phone")
    if not 2 <= len(names) <= MAX_CLASSES:
        raise DlkitError(f"--classes: {len(names)} class(es); a class needs 2 to {MAX_CLASSES} to tell apart")
    long = [name for name in names if len(name) > LONGEST_CLASS_NAME]
    if long:
        raise DlkitError(f"--classes: {long[0][:50]!r}... is longer than {LONGEST_CLASS_NAME} characters")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise DlkitError(f"--classes: {', '.join(twice)} given twice")
    return names


def class_photo_model(classes: tuple[str, ...]):
    """EfficientNet-Lite0 with its ImageNet weights, frozen and pooled, then a softmax head over
    ``classes`` whose weights are zeros (every class equally likely until it learns)."""
    import keras

    from dlkit.pretrained import load_base

    base = load_base(BASE, include_top=False, input_shape=(224, 224, 3), verbose=False)
    base.trainable = False
    return keras.Sequential([
        keras.Input(shape=(224, 224, 3)),
        base,  # its name, efficientnet_lite0, tells the serving card how to scale a photo
        keras.layers.GlobalAveragePooling2D(name="pooled_features"),
        keras.layers.Dense(len(classes), activation="softmax", kernel_initializer="zeros", name=HEAD),
    ], name=MODEL_NAME)


def first_photo_model(session_folder: str | Path, classes: tuple[str, ...]) -> Path:
    """The session's photo model for ``classes``: built and saved with its card the first time,
    the saved one after a restart.

    Raises:
        DlkitError: the session was started with other classes (start a new session for them).
    """
    from dlkit.classroom.session import MODELS
    from dlkit.deploy.card import card_path, read_card, save_with_card

    path = Path(session_folder) / MODELS / FIRST_MODEL
    if path.is_file():
        kept = tuple(read_card(path).classes)
        if kept != tuple(classes):
            raise DlkitError(f"{session_folder} is a session for the classes {', '.join(kept)}, not "
                             f"{', '.join(classes)}: start a new one with another --session")
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial.keras")
    save_with_card(class_photo_model(tuple(classes)), partial, classes=tuple(classes), input_kind="photo")
    card_path(partial).replace(card_path(path))
    partial.replace(path)  # the model last: a model file is only ever there with its card
    return path


def frozen_base_head(model):
    """The head layer "learn from us" trains alone, where ``model`` is a class photo model (a frozen
    pretrained base, then ``HEAD``); None for any other model, which is fine-tuned whole."""
    names = [layer.name for layer in model.layers]
    if HEAD not in names or BASE not in names or model.get_layer(BASE).trainable:
        return None
    return model.get_layer(HEAD)
