"""From notebook to service: export a trained model, measure every format, serve it.

The deploy room of dlkit, used by lab 05 and ``dlkit serve``. It needs the ``deploy`` extra
(``pip install "dlkit[deploy]"``: LiteRT, ONNX Runtime, tf2onnx, FastAPI, uvicorn).

- ``export_model``: the model as .keras, SavedModel, LiteRT (float32, float16, dynamic-range
  int8, full-integer int8) and ONNX (float32, dynamic int8), each with its serving card;
- ``load_predictor``: any of those files, run in its own runtime;
- ``measure_files`` / ``format_table``: the lab's comparison table;
- ``start_service`` / ``serve_forever``: the micro-service and its page.

Imports go one way: deploy -> pretrained, web -> data -> settings -> errors.

Each name is imported from its module when first used (``_WHERE``).
"""

from __future__ import annotations

from dlkit.lazy_names import lazy_names

__all__ = [
    "ConnectionLimits",
    "ContainerRecipe",
    "EXPORTS",
    "Export",
    "ExportedFile",
    "FileMeasurement",
    "ModelLoadError",
    "Predictor",
    "RunningService",
    "ServingCard",
    "export_model",
    "file_size",
    "find_export",
    "format_table",
    "load_predictor",
    "measure_file",
    "measure_files",
    "read_card",
    "save_with_card",
    "serve_forever",
    "start_service",
    "write_card",
    "write_container",
]

# Each public name and the module that holds it: a name is imported when first used, so that
# importing one module of the package (its card, its server) does not load numpy, Keras or FastAPI.
_WHERE = {
    "ConnectionLimits": "dlkit.web.connections",
    "ContainerRecipe": "dlkit.deploy.container",
    "EXPORTS": "dlkit.deploy.formats",
    "Export": "dlkit.deploy.formats",
    "ExportedFile": "dlkit.deploy.export",
    "FileMeasurement": "dlkit.deploy.measure",
    "ModelLoadError": "dlkit.deploy.predictors",
    "Predictor": "dlkit.deploy.predictors",
    "RunningService": "dlkit.deploy.server",
    "ServingCard": "dlkit.deploy.card",
    "export_model": "dlkit.deploy.export",
    "file_size": "dlkit.deploy.export",
    "find_export": "dlkit.deploy.formats",
    "format_table": "dlkit.deploy.measure",
    "load_predictor": "dlkit.deploy.predictors",
    "measure_file": "dlkit.deploy.measure",
    "measure_files": "dlkit.deploy.measure",
    "read_card": "dlkit.deploy.card",
    "save_with_card": "dlkit.deploy.card",
    "serve_forever": "dlkit.deploy.server",
    "start_service": "dlkit.deploy.server",
    "write_card": "dlkit.deploy.card",
    "write_container": "dlkit.deploy.container",
}

__getattr__, __dir__ = lazy_names(__name__, _WHERE)
