"""From notebook to service: export a trained model, measure every format, serve it.

The deploy room of dlkit, used by lab 05 and ``dlkit serve``. It needs the ``deploy`` extra
(``pip install "dlkit[deploy]"``: LiteRT, ONNX Runtime, tf2onnx, FastAPI, uvicorn).

- ``export_model``: the model as .keras, SavedModel, LiteRT (float32, float16, dynamic-range
  int8, full-integer int8) and ONNX (float32, dynamic int8), each with its serving card;
- ``load_predictor``: any of those files, run in its own runtime;
- ``measure_files`` / ``format_table``: the lab's comparison table;
- ``start_service`` / ``serve_forever``: the micro-service and its page.

Imports go one way: deploy -> data -> errors.
"""

from dlkit.deploy.card import ServingCard, read_card, save_with_card, write_card
from dlkit.deploy.export import ExportedFile, export_model, file_size
from dlkit.deploy.formats import EXPORTS, Export, find_export
from dlkit.deploy.measure import FileMeasurement, format_table, measure_file, measure_files
from dlkit.deploy.predictors import ModelLoadError, Predictor, load_predictor
from dlkit.deploy.server import RunningService, serve_forever, start_service

__all__ = [
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
]

