"""The micro-service: a FastAPI app around one loaded model.

- ``POST /predict``: a picture as the multipart form field ``file`` (a browser form, ``curl -F
  file=@digit.png``), or as a raw body with an ``image/*`` content type, or a JSON array; answers
  the top classes with their probabilities and the model's latency, as JSON.
- ``GET /``: the page (``page.html``, no internet needed): draw a digit or drop a picture.
- ``GET /health``, ``GET /info`` and ``GET /openapi.json`` (the API's description; FastAPI's
  interactive ``/docs`` would load its scripts from a CDN, so it is off).

Every refusal is a 4xx with ``{"error": "<one line>"}`` (``dlkit.web``, shared with the classroom);
nothing a client sends makes a 500 or shows a stack trace, and the service goes on serving.
"""

from __future__ import annotations

import json
import time
from importlib import resources

import numpy as np
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from dlkit import __version__
from dlkit.deploy.formats import FORMAT_NAMES
from dlkit.deploy.inputs import array_to_inputs, picture_to_input
from dlkit.deploy.predictors import Predictor
from dlkit.web.answers import top_classes
from dlkit.web.app import new_app, packaged_script
from dlkit.web.errors import BadRequest
from dlkit.web.uploads import DEFAULT_MAX_UPLOAD_BYTES, read_body, read_form

__all__ = ["DEFAULT_TOP_K", "create_app"]

DEFAULT_TOP_K = 5
HOW_TO_SEND = (
    "send a picture as the form field 'file' (curl -F file=@digit.png), an image/* body, or a JSON array"
)


def create_app(
    predictor: Predictor, max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES, top_k: int = DEFAULT_TOP_K
) -> FastAPI:
    """The service for ``predictor``; run it with uvicorn (``dlkit.deploy.server`` does)."""
    card = predictor.card
    info = {
        "name": card.name,
        "format": card.format,
        "format_name": FORMAT_NAMES.get(card.format, card.format),
        "quantization": card.quantization,
        "input_shape": list(card.input_shape),
        "input_kind": card.input_kind,
        "pixel_scale": card.pixel_scale,
        "preprocessing": card.preprocessing,
        "classes": list(card.classes),
        "test_accuracy": card.test_accuracy,
        "max_upload_bytes": max_upload_bytes,
        "file": predictor.path.name,
        "dlkit_version": __version__,
        "notes": list(card.notes),
    }
    app = new_app(f"dlkit serve: {card.name}", "the model", api_docs=True)
    page = resources.files("dlkit.deploy").joinpath("page.html").read_text(encoding="utf-8")

    @app.get("/", response_class=HTMLResponse)
    async def home() -> HTMLResponse:
        return HTMLResponse(page)

    app.add_api_route("/page.js", packaged_script("dlkit.deploy", "page.js"), include_in_schema=False)

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok", "model": card.name}

    @app.get("/info")
    async def model_info() -> dict:
        return info

    @app.post("/predict")
    async def predict(request: Request) -> JSONResponse:
        inputs, batched, changes = await _read_inputs(request, card, max_upload_bytes)
        started = time.perf_counter()
        probabilities = await run_in_threadpool(predictor.predict, inputs)
        latency_ms = 1000 * (time.perf_counter() - started)
        tops = [top_classes(row, card.classes, top_k, indices=True) for row in probabilities]
        answer = {
            "model": card.name,
            "format": card.format,
            "quantization": card.quantization,
            "latency_ms": round(latency_ms, 3),
        }
        if batched:
            answer["batch"] = tops
        else:
            answer["predictions"] = tops[0]
            answer["input_changes"] = changes
        return JSONResponse(answer)

    return app


async def _read_inputs(request: Request, card, limit: int) -> tuple[np.ndarray, bool, list[str]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("multipart/form-data", "application/json") and not content_type.startswith(
        "image/"
    ):
        shown = content_type or "no content type"
        raise BadRequest(415, f"{shown} is not accepted: {HOW_TO_SEND}")
    body = await read_body(request, limit)
    if not body:
        raise BadRequest(400, f"the request body is empty: {HOW_TO_SEND}")
    if content_type == "application/json":
        try:
            values = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise BadRequest(400, "the body is not valid JSON") from None
        except RecursionError:  # e.g. 100 000 nested brackets: Python's parser gives up
            raise BadRequest(400, "the JSON nests too deep: send an array shaped like the model's input") \
                from None
        inputs, batched = array_to_inputs(values, card)
        return inputs, batched, []
    if content_type.startswith("image/"):  # decoded off the event loop, which stays free for others
        inputs, changes = await run_in_threadpool(picture_to_input, body, "the uploaded body", card)
        return inputs, False, changes
    data, name, _ = await read_form(request, body)
    inputs, changes = await run_in_threadpool(picture_to_input, data, name, card)
    return inputs, False, changes
