"""The files a trained Keras model becomes, and how each is made: one table, read by the exporter,
the loader, the lab's comparison and ``dlkit serve``.

Every file is made with Keras' or the runtime's own API: ``model.save`` (.keras),
``model.export`` (SavedModel, LiteRT, ONNX; LiteRT quantization through the converter options
that ``model.export`` passes on) and ONNX Runtime's ``quantize_dynamic``. None is hand-written.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EXPORTS", "FORMAT_NAMES", "Export", "find_export"]

FORMAT_NAMES = {
    "keras": "Keras (.keras)",
    "tf_saved_model": "SavedModel",
    "litert": "LiteRT (.tflite)",
    "onnx": "ONNX",
}


@dataclass(frozen=True)
class Export:
    """One way to write a model: its format, its number format, and the file name it gets."""

    format: str  # a key of FORMAT_NAMES
    quantization: str  # "float32", "float16", "dynamic int8" or "int8"
    suffix: str  # appended to the model's name: "" for a folder
    runtime: str  # what runs it, as the table says
    what: str  # one line on what is stored, for the lab's table

    @property
    def label(self) -> str:
        return f"{FORMAT_NAMES[self.format]} {self.quantization}"

    def file_name(self, model_name: str) -> str:
        tag = "" if self.quantization == "float32" else "_" + self.quantization.replace(" ", "_")
        return f"{model_name}{tag}{self.suffix}" if self.suffix else f"{model_name}{tag}_savedmodel"


EXPORTS = (
    Export("keras", "float32", ".keras", "Keras", "architecture, weights and optimizer state, zipped"),
    Export("tf_saved_model", "float32", "", "TensorFlow", "the forward pass as a TensorFlow graph"),
    Export("litert", "float32", ".tflite", "LiteRT", "the forward pass as a flat buffer, float32 weights"),
    Export("litert", "float16", ".tflite", "LiteRT", "weights stored as float16, computed in float32"),
    Export("litert", "dynamic int8", ".tflite", "LiteRT",
           "weights stored as int8, activations quantized on the fly"),
    Export("litert", "int8", ".tflite", "LiteRT",
           "weights and activations int8, ranges from a representative dataset; int8 in and out"),
    Export("onnx", "float32", ".onnx", "ONNX Runtime", "the forward pass as an ONNX graph"),
    Export("onnx", "dynamic int8", ".onnx", "ONNX Runtime",
           "ONNX Runtime's dynamic quantization: 8-bit weights, activations quantized on the fly"),
)  # fmt: skip


def find_export(format: str, quantization: str = "float32") -> Export:
    """The row of ``EXPORTS`` for ``format`` and ``quantization``."""
    for export in EXPORTS:
        if export.format == format and export.quantization == quantization:
            return export
    known = ", ".join(f"{e.format}/{e.quantization}" for e in EXPORTS)
    raise ValueError(f"no export {format}/{quantization}; known: {known}")
