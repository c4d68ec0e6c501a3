"""Load any file ``export_model`` writes and run it in the runtime it really runs on: Keras for
``.keras`` (in safe mode), TensorFlow for a SavedModel, LiteRT (``ai-edge-litert``) for
``.tflite`` and ONNX Runtime for ``.onnx``. Each gives the same small interface, so the lab's
table and ``dlkit serve`` treat every format alike. A pretrained network's name
(``efficientnet_lite0``) serves that ImageNet classifier as it is: deck 003's "use pre-trained
models for classification" demo.

Example:
    >>> predictor = load_predictor("exported/mnist_convnet_int8.tflite")
    >>> predictor.predict(x_test[:2]).shape
    (2, 10)
"""

from __future__ import annotations

import os
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np

from dlkit.deploy.card import INPUT_KINDS, ServingCard, read_card
from dlkit.deploy.guess import DIGIT_SHAPES, InputGuess, guess_input, keras_pixel_preparation
from dlkit.errors import DlkitError, first_line

__all__ = ["ModelLoadError", "Predictor", "load_predictor", "SUPPORTED_FILES"]

SUPPORTED_FILES = ("a .keras file, a SavedModel folder, a .tflite file, an .onnx file, or a pretrained "
                   "network's name (efficientnet_lite0)")
IMAGENET_CENTRAL_FRACTION = 0.875  # ImageNet's test pictures: 224 of a 256-pixel short side


class ModelLoadError(DlkitError):
    """A model file dlkit cannot load; the message is one line naming the file and why."""


class Predictor:
    """A loaded model: ``predict(inputs)`` takes a float32 batch shaped like the model's input
    (scaled as its card says) and returns float32 class probabilities, one row per input.
    Calls are serialised with a lock: the runtimes' sessions are not all thread-safe."""

    format = "keras"
    guess: InputGuess | None = None  # how the input was guessed, where no card said

    def __init__(self, path: Path, input_shape: tuple[int, ...], card: ServingCard | None):
        self.path = path
        self.input_shape = input_shape
        self._lock = threading.Lock()
        self.card = card or self._guess_card()

    def predict(self, inputs: np.ndarray) -> np.ndarray:
        inputs = np.ascontiguousarray(inputs, dtype=np.float32)
        with self._lock:
            return np.asarray(self._run(inputs), dtype=np.float32)

    def _run(self, inputs: np.ndarray) -> np.ndarray:  # pragma: no cover - every format has one
        raise NotImplementedError

    def output_size(self) -> int:
        return int(self.predict(np.zeros((1, *self.input_shape), np.float32)).shape[-1])

    def _guess_card(self) -> ServingCard:
        """A card for a file saved without one: classes are output indices, and a picture is
        prepared as the input's shape and the model's first layers suggest (``guess``)."""
        guess = guess_input(self.input_shape)
        classes = tuple(str(index) for index in range(self.output_size()))
        pixel_scale, preprocessing = self._pixel_preparation_guess()
        self.guess = guess
        return ServingCard(
            self.path.stem,
            classes,
            self.input_shape,
            guess.kind,
            pixel_scale=pixel_scale,
            format=self.format,
            notes=(f"no serving card beside the file: classes are output indices; taken for a "
                   f"{guess.kind} model because {guess.why}",),
            preprocessing=preprocessing,
        )

    def _pixel_preparation_guess(self) -> tuple[float, str]:
        return 1.0, ""


class KerasPredictor(Predictor):
    format = "keras"

    def __init__(self, path: Path, card: ServingCard | None):
        import keras

        try:
            self.model = keras.models.load_model(path, compile=False, safe_mode=True)
        except Exception as error:
            raise ModelLoadError(f"{path}: {_keras_reason(error)}") from None
        super().__init__(path, tuple(self.model.input_shape[1:]), card)

    def _run(self, inputs):
        return self.model.predict_on_batch(inputs)

    def _pixel_preparation_guess(self) -> tuple[float, str]:
        return keras_pixel_preparation(self.model)


def _keras_reason(error: Exception) -> str:
    text = str(error)
    if "safe_mode" in text or "Lambda" in text:
        return (
            "refused: the file holds Python code (e.g. a Lambda layer), which Keras' safe mode does "
            "not run; serve a model without it, or an exported .tflite/.onnx/SavedModel"
        )
    return f"not a Keras model Keras can load ({first_line(error)})"


class SavedModelPredictor(Predictor):
    format = "tf_saved_model"

    def __init__(self, path: Path, card: ServingCard | None):
        import tensorflow as tf

        try:
            loaded = tf.saved_model.load(str(path))
            self._function = loaded.signatures["serving_default"]
        except Exception as error:
            reason = first_line(error)
            raise ModelLoadError(f"{path}: not a SavedModel with a serving signature ({reason})") from None
        self._loaded = loaded  # keeps the variables alive
        ((self._input_name, spec),) = self._function.structured_input_signature[1].items()
        self._tf = tf
        super().__init__(path, tuple(spec.shape[1:]), card)

    def _run(self, inputs):
        outputs = self._function(**{self._input_name: self._tf.constant(inputs)})
        return next(iter(outputs.values())).numpy()


class LiteRTPredictor(Predictor):
    format = "litert"

    def __init__(self, path: Path, card: ServingCard | None):
        from ai_edge_litert.interpreter import Interpreter

        try:
            self._interpreter = Interpreter(model_path=str(path), num_threads=os.cpu_count())
            self._interpreter.allocate_tensors()
        except Exception as error:
            reason = first_line(error)
            raise ModelLoadError(f"{path}: not a LiteRT model LiteRT can load ({reason})") from None
        self._input = self._interpreter.get_input_details()[0]
        self._output = self._interpreter.get_output_details()[0]
        self._batch = int(self._input["shape"][0])
        super().__init__(path, tuple(int(size) for size in self._input["shape"][1:]), card)

    def _run(self, inputs):
        interpreter, details = self._interpreter, self._input
        if inputs.shape[0] != self._batch:
            interpreter.resize_tensor_input(details["index"], [inputs.shape[0], *self.input_shape])
            interpreter.allocate_tensors()
            self._batch = inputs.shape[0]
            self._input = interpreter.get_input_details()[0]
            self._output = interpreter.get_output_details()[0]
            details = self._input
        interpreter.set_tensor(details["index"], _quantize(inputs, details))
        interpreter.invoke()
        return _dequantize(interpreter.get_tensor(self._output["index"]), self._output)


def _quantize(values: np.ndarray, details: dict) -> np.ndarray:
    """Float inputs as an integer model takes them: value / scale + zero point."""
    dtype = details["dtype"]
    if not np.issubdtype(dtype, np.integer):
        return values.astype(dtype)
    scale, zero_point = details["quantization"]
    info = np.iinfo(dtype)
    return np.clip(np.round(values / scale + zero_point), info.min, info.max).astype(dtype)


def _dequantize(values: np.ndarray, details: dict) -> np.ndarray:
    if not np.issubdtype(values.dtype, np.integer):
        return values
    scale, zero_point = details["quantization"]
    return (values.astype(np.float32) - zero_point) * scale


class OnnxPredictor(Predictor):
    format = "onnx"

    def __init__(self, path: Path, card: ServingCard | None):
        import onnxruntime

        try:
            self._session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        except Exception as error:
            reason = first_line(error)
            raise ModelLoadError(f"{path}: not an ONNX model ONNX Runtime can load ({reason})") from None
        model_input = self._session.get_inputs()[0]
        self._input_name = model_input.name
        super().__init__(path, tuple(int(size) for size in model_input.shape[1:]), card)

    def _run(self, inputs):
        return self._session.run(None, {self._input_name: inputs})[0]


class PretrainedPredictor(Predictor):
    """A pretrained ImageNet network with its classifier, as it is: a photo in, its ImageNet
    classes out (``dlkit.pretrained``: weights found and verified like every registry file)."""

    format = "keras"

    def __init__(self, name: str):
        from dlkit.pretrained import BASES, imagenet_class_names, load_base

        key = name.lower().replace("-", "_")
        base = BASES[key]
        self.model = load_base(key, include_top=True, verbose=False)
        shape = (base.default_size, base.default_size, 3)
        card = ServingCard(
            f"{base.title} (ImageNet)", tuple(imagenet_class_names()), shape, "photo", pixel_scale=255.0,
            preprocessing=key, central_fraction=IMAGENET_CENTRAL_FRACTION,
            notes=(f"{base.title} as trained on ImageNet: its 1 000 classes, no training of ours",),
        )
        super().__init__(Path(key), shape, card)
        self.predict(np.zeros((1, *shape), np.float32))  # builds the graph now, not on a student's photo

    def _run(self, inputs):
        return self.model.predict_on_batch(inputs)


def _pretrained_name(path: Path) -> str | None:
    """The pretrained network ``path`` names (``efficientnet_lite0``), where it is no file."""
    from dlkit.pretrained import BASES

    key = str(path).lower().replace("-", "_")
    return key if key in BASES and not path.exists() else None


def load_predictor(path: str | Path, input_kind: str | None = None) -> Predictor:
    """Load ``path`` in its runtime, with its serving card (or a guessed one). ``input_kind``
    ("digit", "photo" or "values", ``dlkit serve --input``) overrides how a picture is prepared.

    Raises:
        ModelLoadError: a missing file, a file of no known format, a runtime that is not
            installed, a file its runtime refuses, or an ``input_kind`` its input cannot take;
            one line, naming the file.
    """
    path = Path(path).expanduser()
    pretrained = _pretrained_name(path)
    if pretrained is not None:
        predictor = PretrainedPredictor(pretrained)
        if input_kind is not None:
            _override_input(predictor, input_kind)
        return predictor
    if not path.exists():
        raise ModelLoadError(f"{path}: no such file or folder (nor a pretrained network's name: "
                             "efficientnet_lite0, vgg16)")
    card = read_card(path)
    if path.is_dir():
        if not (path / "saved_model.pb").is_file():
            raise ModelLoadError(f"{path}: a folder without saved_model.pb; dlkit serves {SUPPORTED_FILES}")
        loader = SavedModelPredictor
    else:
        loaders = {".keras": KerasPredictor, ".tflite": LiteRTPredictor, ".onnx": OnnxPredictor}
        loader = loaders.get(path.suffix.lower())
        if loader is None:
            raise ModelLoadError(f"{path}: not a model file dlkit knows; it serves {SUPPORTED_FILES}")
    try:
        predictor = loader(path, card)
    except ImportError as error:
        raise ModelLoadError(
            f"{path}: its runtime is not installed ({error.name}): pip install 'dlkit[deploy]'"
        ) from None
    if input_kind is not None:
        _override_input(predictor, input_kind)
    return predictor


def _override_input(predictor: Predictor, input_kind: str) -> None:
    shape = predictor.input_shape
    if input_kind not in INPUT_KINDS:
        raise ModelLoadError(f"--input {input_kind}: choose one of {', '.join(INPUT_KINDS)}")
    if input_kind == "digit" and shape not in DIGIT_SHAPES:
        raise ModelLoadError(f"{predictor.path}: --input digit needs an input of 28x28 or 784 values, "
                             f"this model takes {shape}")
    if input_kind == "photo" and not (len(shape) == 3 and shape[-1] in (1, 3)):
        raise ModelLoadError(f"{predictor.path}: --input photo needs an input (height, width, 1 or 3), "
                             f"this model takes {shape}")
    note = f"input prepared as a {input_kind} (--input {input_kind})"
    predictor.card = replace(predictor.card, input_kind=input_kind, notes=(*predictor.card.notes, note))
    predictor.guess = None  # chosen, not guessed
