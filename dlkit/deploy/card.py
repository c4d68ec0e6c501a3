"""The serving card: what a service needs to know about a model that the model file does not say.

A ``.keras`` file, a SavedModel, a ``.tflite`` or an ``.onnx`` file holds the network, but not the
names of its classes, nor how a picture becomes its input (grey 28x28 digits scaled to 0-1, or
150x150 colour photos left at 0-255). dlkit writes these facts beside every file it exports, as
``<file>.json``, so class names travel with the model to ``dlkit serve`` and to anyone who opens
the folder. A model without a card is still served: its classes are then its output indices.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from dlkit.errors import DlkitError

__all__ = [
    "CARD_SUFFIX",
    "INPUT_KINDS",
    "ServingCard",
    "card_path",
    "read_card",
    "save_with_card",
    "write_card",
]

CARD_SUFFIX = ".json"
INPUT_KINDS = {
    "digit": "a grey digit, white on black and centred as in MNIST (the page draws one)",
    "photo": "a colour picture, resized to the model's input",
    "values": "numbers only (send a JSON array)",
}


@dataclass(frozen=True)
class ServingCard:
    """What ``dlkit serve`` shows and how it turns a request into the model's input.

    Attributes:
        name: the model's name, shown on the page.
        classes: one name per output unit, in output order.
        input_shape: one input's shape, without the batch axis, e.g. ``(28, 28, 1)``.
        input_kind: a key of ``INPUT_KINDS``: how an uploaded picture is prepared.
        pixel_scale: what a white pixel is worth in the model's input: 1.0 when the lab divided
            by 255 before the model, 255.0 when the model rescales itself (a ``Rescaling`` layer).
        preprocessing: a pretrained network ("efficientnet_lite0", "vgg16") whose
            ``dlkit.pretrained.preprocess_input`` a picture goes through after scaling, for a model
            that starts with that network; empty for none.
        central_fraction: below 1, a photo keeps only that central part of its short side, cropped
            to the input's shape, before it is resized (0.875: how ImageNet classifiers are
            evaluated); 1 resizes the whole picture to the input, as the labs' folder loader does.
        format: the file's format ("keras", "tf_saved_model", "litert", "onnx"), and
        quantization: its number format ("float32", "float16", "dynamic int8", "int8");
        test_accuracy: measured on the lab's test set when it was exported, if it was.
    """

    name: str
    classes: tuple[str, ...]
    input_shape: tuple[int, ...]
    input_kind: str = "photo"
    pixel_scale: float = 1.0
    format: str = "keras"
    quantization: str = "float32"
    test_accuracy: float | None = None
    notes: tuple[str, ...] = field(default=())
    preprocessing: str = ""
    central_fraction: float = 1.0

    def __post_init__(self) -> None:
        if self.input_kind not in INPUT_KINDS:
            raise ValueError(f"input_kind must be one of {sorted(INPUT_KINDS)}, not {self.input_kind!r}")

    def for_file(self, format: str, quantization: str, test_accuracy: float | None = None) -> ServingCard:
        """The same card for another file of the same model."""
        return replace(self, format=format, quantization=quantization, test_accuracy=test_accuracy)

    def as_dict(self) -> dict:
        return asdict(self)


def card_path(model_path: str | Path) -> Path:
    """Where the card of ``model_path`` lives: ``mnist.tflite`` -> ``mnist.tflite.json``."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.name + CARD_SUFFIX)


def write_card(model_path: str | Path, card: ServingCard) -> Path:
    """Write ``card`` beside ``model_path``; returns the card's path."""
    path = card_path(model_path)
    path.write_text(json.dumps(card.as_dict(), indent=2) + "\n", encoding="utf-8")
    return path


def read_card(model_path: str | Path) -> ServingCard | None:
    """The card beside ``model_path``, or None when there is none.

    Raises:
        DlkitError: the card exists but is not one dlkit wrote (the message names the file).
    """
    path = card_path(model_path)
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        data["classes"] = tuple(str(name) for name in data["classes"])
        data["input_shape"] = tuple(int(size) for size in data["input_shape"])
        data["notes"] = tuple(data.get("notes", ()))
        return ServingCard(**data)
    except (ValueError, KeyError, TypeError) as error:
        raise DlkitError(
            f"{path}: not a serving card dlkit can read ({error}); delete it or export again"
        ) from None


def save_with_card(
    model,
    path: str | Path,
    classes: list[str] | tuple[str, ...],
    input_kind: str | None = None,
    test_accuracy: float | None = None,
) -> Path:
    """``model.save(path)`` and its serving card beside it, so ``dlkit serve path`` shows the
    class names and prepares pictures as the model expects. Returns the model's path.

    ``input_kind`` ("digit", "photo" or "values") is guessed from the input's shape when not
    given; the pixel scale and any ``keras.applications`` preprocessing from the model's first
    layers (``dlkit.deploy.guess``).

    Example:
        >>> save_with_card(model, "pony_classifier.keras", class_names)
    """
    from dlkit.deploy.guess import guess_input, keras_pixel_preparation

    path = Path(path)
    input_shape = tuple(int(size) for size in model.input_shape[1:])
    classes = tuple(str(name) for name in classes)
    outputs = int(model.output_shape[-1])
    if len(classes) != outputs:
        raise DlkitError(f"{path}: {len(classes)} class names for a model with {outputs} outputs")
    pixel_scale, preprocessing = keras_pixel_preparation(model)
    card = ServingCard(
        name=model.name,
        classes=classes,
        input_shape=input_shape,
        input_kind=input_kind or guess_input(input_shape).kind,
        pixel_scale=pixel_scale,
        test_accuracy=None if test_accuracy is None else float(test_accuracy),
        preprocessing=preprocessing,
    )
    model.save(path)
    write_card(path, card)
    return path
