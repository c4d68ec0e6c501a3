""""Learn from us": the classroom's model fine-tuned on the drawings the class has sent, and the
answer to whether it learned — measured on students whose drawings it never saw.

The class's devices are split, never its drawings: a device is either trained on or held out, so
nobody's own drawings leak into the score they are measured by (a student's drawings look alike;
split by drawing, the model would be marked on pictures much like ones it was trained on). Before
and after, the model is measured on the held-out devices' drawings and on the lab's test set (did
it forget MNIST while it learned the class's handwriting?).

A class photo model (``dlkit.classroom.class_photos``: a frozen pretrained base, then a head over
the instructor's classes) learns differently: only its head is trained, on the base's features of
the photos, computed once.

Each retrain is kept in the session (``Session.add_retrain``): the new model under
``models/retrain-<n>.keras`` with its serving card, and a record of its split, settings and
results, so a restart keeps both models and what was measured.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from dlkit.classroom.class_photos import frozen_base_head
from dlkit.classroom.session import Drawing, Session
from dlkit.deploy.card import ServingCard
from dlkit.deploy.inputs import scale_for_model
from dlkit.errors import DlkitError

__all__ = [
    "DeviceSplit",
    "RetrainSettings",
    "class_examples",
    "digit_test_set",
    "require_trainable",
    "retrain",
    "split_by_device",
]


@dataclass(frozen=True)
class RetrainSettings:
    """How a retrain fine-tunes: the whole network, with Adam at a learning rate small enough not to
    erase what it learned from MNIST, for a few passes over the class's drawings. A class photo
    model's head starts from nothing and sees only features: it gets more passes at a larger rate
    (``head_epochs``, ``head_learning_rate``), each of them a few milliseconds."""

    epochs: int = 8
    learning_rate: float = 3e-4
    batch_size: int = 32
    held_out_fraction: float = 0.3  # of the devices, at least one
    seed: int = 0
    head_epochs: int = 50
    head_learning_rate: float = 1e-3

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 1 or self.head_epochs < 1:
            raise DlkitError(f"a retrain needs at least one epoch and one drawing a batch, not {self}")
        if not 0 < self.held_out_fraction < 1 or not (self.learning_rate > 0 and self.head_learning_rate > 0):
            raise DlkitError("held_out_fraction must be between 0 and 1 and the learning rates above 0")


@dataclass(frozen=True)
class DeviceSplit:
    """Which devices a retrain learns from and which it is measured on (and which were left out)."""

    train: tuple[str, ...]
    held_out: tuple[str, ...]
    left_out: tuple[str, ...] = ()


def split_by_device(devices: Iterable[str], held_out_fraction: float, seed: int,
                    left_out: Iterable[str] = ()) -> DeviceSplit:
    """Split ``devices`` (those ``left_out`` by the instructor aside) into devices to learn from and
    devices held out, at least one of each, the same way for the same seed.

    Raises:
        DlkitError: fewer than two devices remain to split.
    """
    left_out = tuple(sorted(set(left_out)))
    remaining = sorted(set(devices) - set(left_out))
    if len(remaining) < 2:
        raise DlkitError(f"learning from the class needs drawings from at least 2 devices (one to learn "
                         f"from, one to measure on); {len(remaining)} so far"
                         + (f", {len(left_out)} left out" if left_out else ""))
    order = [remaining[i] for i in np.random.default_rng(seed).permutation(len(remaining))]
    count = min(len(remaining) - 1, max(1, round(held_out_fraction * len(remaining))))
    return DeviceSplit(train=tuple(sorted(order[count:])), held_out=tuple(sorted(order[:count])),
                       left_out=left_out)


def class_examples(session: Session, drawings: list[Drawing],
                   card: ServingCard) -> tuple[np.ndarray, np.ndarray]:
    """(inputs scaled as the model takes them, class indices) for ``drawings``: each stored picture,
    which is the picture as the model saw it, read back from the session folder."""
    index = {name: position for position, name in enumerate(card.classes)}
    inputs = []
    for drawing in drawings:
        with Image.open(io.BytesIO(session.picture_path(drawing.id).read_bytes())) as picture:
            pixels = np.asarray(picture, dtype=np.uint8).reshape(card.input_shape)
        inputs.append(scale_for_model(pixels, card)[0])
    shape = (0, *card.input_shape)
    return (np.stack(inputs) if inputs else np.zeros(shape, np.float32),
            np.array([index[drawing.label] for drawing in drawings], dtype=np.int64))


def digit_test_set(card: ServingCard) -> tuple[np.ndarray, np.ndarray] | None:
    """The test set a digit model is measured on before and after: the 2 000 MNIST test digits dlkit
    ships (no download, the same on every machine), scaled as ``card`` says; None for a model of
    other pictures (photos have no shared test set)."""
    if (card.input_kind != "digit" or int(np.prod(card.input_shape)) != 28 * 28
            or tuple(card.classes) != tuple("0123456789")):
        return None
    from dlkit.data.mnist import load_embedded_mnist

    _, (x_test, y_test) = load_embedded_mnist()
    inputs = x_test.reshape(len(x_test), *card.input_shape).astype(np.float32) * (card.pixel_scale / 255.0)
    return inputs, y_test.astype(np.int64)


def _accuracy(model, inputs: np.ndarray, labels: np.ndarray) -> float | None:
    return _share_right(_answers(model, inputs), labels)


def _answers(model, inputs: np.ndarray) -> np.ndarray:
    if len(inputs) == 0:
        return np.zeros(0, np.int64)
    return np.asarray(model.predict(inputs, batch_size=256, verbose=0)).argmax(axis=-1)


def _share_right(answers: np.ndarray, labels: np.ndarray) -> float | None:
    return round(float(np.mean(answers == labels)), 4) if len(labels) else None


def _by_pointer(drawings: list[Drawing], labels: np.ndarray, before: np.ndarray,
                after: np.ndarray) -> list[dict]:
    """The held-out drawings' accuracy before and after, by how they were drawn (touch, mouse, ...)."""
    pointers = np.array([drawing.pointer for drawing in drawings])
    return [{"pointer": str(pointer), "count": int(np.sum(pointers == pointer)),
             "before": _share_right(before[pointers == pointer], labels[pointers == pointer]),
             "after": _share_right(after[pointers == pointer], labels[pointers == pointer])}
            for pointer in sorted(set(pointers.tolist()))]


def require_trainable(model_path: str | Path) -> Path:
    """``model_path``, when it is a Keras file a retrain can fine-tune.

    Raises:
        DlkitError: any other format (LiteRT, ONNX, a SavedModel folder cannot be trained).
    """
    model_path = Path(model_path)
    if model_path.suffix != ".keras":
        raise DlkitError(f"{model_path.name}: learning from the class fine-tunes a Keras model, and a "
                         f"{model_path.suffix or 'folder'} file cannot be trained; serve the .keras file "
                         "the lab saved (dlkit classroom serve MODEL.keras)")
    return model_path


def _fit_head(model, head, x_learn: np.ndarray, y_learn: np.ndarray, settings: RetrainSettings):
    """Train ``head`` alone (in place, so ``model`` has it) on the features ``model`` gives it,
    computed once for the photos learned from; returns the fit's history."""
    import keras

    features = keras.Model(model.inputs, head.input).predict(x_learn, batch_size=32, verbose=0)
    head_alone = keras.Sequential([keras.Input(shape=features.shape[1:]), head])
    head_alone.compile(optimizer=keras.optimizers.Adam(settings.head_learning_rate),
                       loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return head_alone.fit(features, y_learn, epochs=settings.head_epochs, batch_size=settings.batch_size,
                          shuffle=True, verbose=0)


def retrain(model_path: str | Path, session: Session, card: ServingCard,
            test_set: tuple[np.ndarray, np.ndarray] | None = None,
            settings: RetrainSettings = RetrainSettings(), left_out: Iterable[str] = ()) -> dict:
    """Fine-tune the Keras model at ``model_path`` on the counted drawings (not hidden, not from a
    muted or ``left_out`` device) of the devices split off to learn from; measure it before and after
    on the held-out devices' drawings and on ``test_set`` (inputs scaled as the model takes them,
    class indices); keep the new model and the record in ``session``. Returns the record.

    Raises:
        DlkitError: the model is not a .keras file (a LiteRT or ONNX file cannot be trained), its
            classes are not the card's, or the class has not sent enough to split.
    """
    import keras

    model_path = require_trainable(model_path)
    started = time.monotonic()
    drawings = [d for d in session.drawings(include_hidden=False) if d.label in card.classes]
    split = split_by_device({d.device for d in drawings}, settings.held_out_fraction, settings.seed, left_out)
    learn = [d for d in drawings if d.device in split.train]
    measure = [d for d in drawings if d.device in split.held_out]
    x_learn, y_learn = class_examples(session, learn, card)
    x_measure, y_measure = class_examples(session, measure, card)

    model = keras.saving.load_model(model_path, compile=False, safe_mode=True)
    if int(model.output_shape[-1]) != len(card.classes):
        raise DlkitError(f"{model_path.name} answers {model.output_shape[-1]} classes, its card names "
                         f"{len(card.classes)}: it cannot be retrained on them")
    answers_before = _answers(model, x_measure)
    measured = {"before": {"held_out": _share_right(answers_before, y_measure)}}
    if test_set is not None:
        measured["before"]["test"] = _accuracy(model, *test_set)

    keras.utils.set_random_seed(settings.seed)
    head = frozen_base_head(model)
    if head is None:
        trained = "the whole network"
        model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x_learn, y_learn, epochs=settings.epochs, batch_size=settings.batch_size,
                            shuffle=True, verbose=0)
    else:
        trained = "the head, on the frozen pretrained base's features"
        history = _fit_head(model, head, x_learn, y_learn, settings)
    answers_after = _answers(model, x_measure)
    measured["after"] = {"held_out": _share_right(answers_after, y_measure)}
    if test_set is not None:
        measured["after"]["test"] = _accuracy(model, *test_set)

    record = {
        "settings": asdict(settings),
        "split": {"train_devices": list(split.train), "held_out_devices": list(split.held_out),
                  "left_out_devices": list(split.left_out), "train_drawings": len(learn),
                  "held_out_drawings": len(measure)},
        "from_model": model_path.name,
        "trained": trained,
        "loss": [round(float(value), 4) for value in history.history["loss"]],
        "held_out_by_pointer": _by_pointer(measure, y_measure, answers_before, answers_after),
        **measured,
    }
    return session.add_retrain(model, card, record, seconds=time.monotonic() - started)
