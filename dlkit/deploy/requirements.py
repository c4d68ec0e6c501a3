"""Whether this Python can run lab 05 and ``dlkit serve``: one place says what the deploy room
needs, for the test suite's skips, the doctor and the CLI's error."""

from __future__ import annotations

import importlib.util
import os
from importlib import metadata

__all__ = ["DEPLOY_MODULES", "MIN_KERAS", "INSTALL_HINT", "missing_for_deploy"]

DEPLOY_MODULES = (
    "ai_edge_litert", "onnxruntime", "onnx", "tf2onnx", "fastapi", "uvicorn", "multipart", "segno",
)
MIN_KERAS = (3, 13)  # model.export(format="litert") arrived in Keras 3.13 (Python >= 3.11)
INSTALL_HINT = 'pip install "dlkit[deploy]" (Python 3.11 or newer)'


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for part in text.split(".")[:2]:
        digits = "".join(character for character in part if character.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def missing_for_deploy() -> str | None:
    """None when lab 05's exports and the service can run here; otherwise a one-line reason."""
    absent = [name for name in DEPLOY_MODULES if importlib.util.find_spec(name) is None]
    if absent:
        return f"the deploy extra is not installed ({', '.join(absent)} missing): {INSTALL_HINT}"
    keras_version = metadata.version("keras")
    if _version_tuple(keras_version) < MIN_KERAS:
        return f"Keras {keras_version} cannot export LiteRT files (Keras 3.13 can): {INSTALL_HINT}"
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend != "tensorflow":
        return f"Keras runs on {backend}: lab 05 exports through TensorFlow (KERAS_BACKEND=tensorflow)"
    return None
