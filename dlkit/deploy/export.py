"""Write a trained Keras model in every format of ``EXPORTS``, each file with its serving card.

Example:
    >>> card = ServingCard("mnist_convnet", classes=tuple("0123456789"), input_shape=(28, 28, 1),
    ...                    input_kind="digit")
    >>> files = export_model(model, "exported", card, representative=x_train[:200])
    >>> [f.path.name for f in files][:3]
    ['mnist_convnet.keras', 'mnist_convnet_savedmodel', 'mnist_convnet.tflite']
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlkit.deploy.card import ServingCard, write_card
from dlkit.deploy.formats import EXPORTS, Export
from dlkit.errors import DlkitError, first_line

__all__ = ["ExportedFile", "export_model", "file_size"]


@dataclass(frozen=True)
class ExportedFile:
    """A file (or SavedModel folder) written by ``export_model``."""

    path: Path
    export: Export


def file_size(path: str | Path) -> int:
    """Bytes on disk: a file's size, or the sum over a folder (a SavedModel)."""
    path = Path(path)
    if path.is_dir():
        return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())
    return path.stat().st_size


def export_model(
    model,
    folder: str | Path,
    card: ServingCard,
    representative: np.ndarray | None = None,
    exports: Iterable[Export] = EXPORTS,
) -> list[ExportedFile]:
    """Write ``model`` in each of ``exports`` into ``folder``, with a serving card beside each.

    Args:
        model: a trained Keras model (float32 weights; it must have been called or fitted).
        folder: created if missing; files of the same name are replaced.
        card: the model's serving card; each file gets a copy naming its format.
        representative: a few hundred training inputs, as the model takes them. Full-integer int8
            needs them to choose its ranges; without them that export is skipped.
        exports: which rows of ``EXPORTS`` to write.

    Raises:
        DlkitError: a format failed to export; the message names the format and the reason.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for export in exports:
        if export.quantization == "int8" and representative is None:
            continue
        path = folder / export.file_name(card.name)
        _remove(path)
        try:
            _WRITERS[(export.format, export.quantization)](model, path, representative)
        except DlkitError:
            raise
        except Exception as error:  # the converters raise many types; the user needs which and why
            reason = first_line(error)
            raise DlkitError(f"exporting {card.name} as {export.label} failed: {reason}") from error
        write_card(path, card.for_file(export.format, export.quantization))
        written.append(ExportedFile(path, export))
    return written


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Hide the converters' progress chatter (stdout and TensorFlow's INFO log), keep their errors."""
    tensorflow_log = logging.getLogger("tensorflow")
    level = tensorflow_log.level
    tensorflow_log.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        tensorflow_log.setLevel(level)


# Paths go to Keras as strings: Keras 3.13's LiteRT export takes nothing else.


def _save_keras(model, path: Path, representative) -> None:
    model.save(str(path))


def _saved_model(model, path: Path, representative) -> None:
    with _quiet():
        model.export(str(path), format="tf_saved_model", verbose=False)


def _litert(**options):
    def write(model, path: Path, representative) -> None:
        import tensorflow as tf  # the LiteRT converter ships with TensorFlow

        settings = {key: value(tf) if callable(value) else value for key, value in options.items()}
        if options.get("calibrate"):
            settings.pop("calibrate")
            settings["representative_dataset"] = _calibration(representative)
        with _quiet():
            model.export(str(path), format="litert", verbose=False, **settings)

    return write


def _calibration(representative: np.ndarray):
    """The representative dataset the LiteRT converter asks for: one input at a time."""
    samples = np.asarray(representative, dtype=np.float32)

    def batches():
        for sample in samples:
            yield [sample[np.newaxis]]

    return batches


def _onnx(model, path: Path, representative) -> None:
    with _quiet():
        model.export(str(path), format="onnx", verbose=False)


def _onnx_dynamic_int8(model, path: Path, representative) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    float_path = path.with_name(path.stem + "_float32_source.onnx")
    try:
        _onnx(model, float_path, representative)
        # uint8 weights: ONNX Runtime before 1.3x has no ConvInteger kernel for int8 weights.
        quantize_dynamic(str(float_path), str(path), weight_type=QuantType.QUInt8)
    finally:
        float_path.unlink(missing_ok=True)


_WRITERS = {
    ("keras", "float32"): _save_keras,
    ("tf_saved_model", "float32"): _saved_model,
    ("litert", "float32"): _litert(),
    ("litert", "float16"): _litert(
        optimizations=lambda tf: [tf.lite.Optimize.DEFAULT],
        target_spec=lambda tf: {"supported_types": [tf.float16]},
    ),
    ("litert", "dynamic int8"): _litert(optimizations=lambda tf: [tf.lite.Optimize.DEFAULT]),
    ("litert", "int8"): _litert(
        optimizations=lambda tf: [tf.lite.Optimize.DEFAULT],
        target_spec=lambda tf: {"supported_ops": [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]},
        inference_input_type=lambda tf: tf.int8,
        inference_output_type=lambda tf: tf.int8,
        calibrate=True,
    ),
    ("onnx", "float32"): _onnx,
    ("onnx", "dynamic int8"): _onnx_dynamic_int8,
}
assert set(_WRITERS) == {(e.format, e.quantization) for e in EXPORTS}, "every export has a writer"
