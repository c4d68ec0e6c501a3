"""The classroom service: a FastAPI app with a student face, a projector face and the class's data.

Refusals are raised as ``BadRequest`` anywhere in a request and answered by one handler.

- ``GET /`` the student page; ``GET /api/class?code=`` what it needs (model, classes, input kind);
  ``POST /api/drawings?code=`` a multipart form with ``file`` (the drawing) and ``label`` (the class
  meant): the drawing is stored, then the model's answer and top classes come back.
- ``GET /projector`` the projector page; with the instructor key (``?key=`` or the header
  ``X-Instructor-Key``): ``GET /api/wall`` (everything the projector shows), ``GET /api/feed``
  (server-sent events: the wall first, then each new or hidden drawing and the class's numbers), ``GET
  /api/pictures/<id>.png``, ``POST /api/drawings/<id>/hide`` and ``/show``, ``GET /api/qr.svg`` (the
  student URL as a QR code, drawn by segno).

A classroom is a hostile network: every refusal is a 4xx with ``{"error": "<one line>"}`` and the
service goes on — no or a wrong join code or key, a device over its rate limit (429, with the limit
and a ``Retry-After``), a body too large, truncated or not a picture, a label that is not one of
the model's classes, text where a number belongs. Pages build what a student sent as text, never
as HTML, and a Content-Security-Policy lets them load nothing from another origin.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import secrets
import threading

import numpy as np
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from PIL import Image
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from dlkit import __version__
from dlkit.classroom.limits import RateLimit
from dlkit.classroom.session import Session
from dlkit.deploy.inputs import DEFAULT_MAX_UPLOAD_BYTES, BadRequest, prepare_picture, scale_for_model
from dlkit.deploy.predictors import Predictor
from dlkit.deploy.uploads import read_body, read_form

__all__ = ["WALL_SIZE", "create_classroom_app"]

WALL_SIZE = 24  # drawings on the projector's wall
MISTAKES_SHOWN = 5
TOP_K = 3
HEARTBEAT_SECONDS = 15.0
SECURITY_HEADERS = {
    # Everything a page needs comes from this service: no CDN, no other origin, no framing elsewhere.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the instructor key in the projector's address stays here
    "Cache-Control": "no-store",
}


def _error(status: int, reason: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status, headers=headers)


def _page(name: str) -> str:
    from importlib import resources

    return resources.files("dlkit.classroom").joinpath(name).read_text(encoding="utf-8")


def _png(pixels: np.ndarray, input_shape: tuple[int, ...]) -> bytes:
    """The picture as the model saw it, as PNG: grey for a digit or one-channel input, else RGB."""
    if pixels.ndim == 1 or (pixels.ndim == 3 and pixels.shape[-1] == 1):
        side = int(round(np.sqrt(pixels.size)))
        image = Image.fromarray(pixels.reshape(side, side).astype(np.uint8), "L")
    else:
        image = Image.fromarray(pixels.astype(np.uint8))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def what_is_kept(card) -> str:
    """What the student page says is kept of what a student sends, for how long and who sees it."""
    height, width = card.input_shape[:2] if len(card.input_shape) > 1 else (28, 28)
    kind = "drawing" if card.input_kind == "digit" else "photo"
    picture = f"the {kind} as the model saw it ({width}x{height} pixels)"
    return (f"What is kept: {picture}, the class you chose, the model's answer and an anonymous code for "
            "your device (never your name or address). It is kept in a folder on the instructor's computer, "
            "not on the internet, until the instructor deletes the session. The projector shows the newest "
            "pictures to the class; the instructor can hide any of them.")


def _top(probabilities: np.ndarray, classes: tuple[str, ...], k: int) -> list[dict]:
    order = np.argsort(-probabilities, kind="stable")[:k]
    return [{"label": classes[i] if i < len(classes) else str(i),
             "probability": round(float(probabilities[i]), 6)} for i in order]


class Broadcast:
    """The projectors listening to the feed: each has a queue of events, filled from the event loop."""

    def __init__(self) -> None:
        self.listeners: set[asyncio.Queue] = set()
        self.stopping = threading.Event()  # set when the service stops: feeds end so it can

    def send(self, kind: str, data: dict) -> None:
        event = f"event: {kind}\ndata: {json.dumps(data)}\n\n"
        for queue in list(self.listeners):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:  # a projector that stopped reading: drop it, it reconnects
                self.listeners.discard(queue)


def create_classroom_app(
    predictor: Predictor,
    session: Session,
    student_url: str,
    rate_limit: RateLimit | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> FastAPI:
    """The classroom for ``predictor``, storing into ``session``; ``student_url`` is what the
    projector's QR code and join line show (with ``?code=`` added)."""
    card = predictor.card
    classes = tuple(card.classes)
    rate_limit = rate_limit or RateLimit()
    join_url = f"{student_url}?code={session.join_code}"
    broadcast = Broadcast()
    app = FastAPI(title=f"dlkit classroom: {card.name}", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.broadcast = broadcast
    student_page, projector_page = _page("student.html"), _page("projector.html")

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return _error(error.status_code, str(error.detail))

    @app.exception_handler(BadRequest)
    async def refused(request: Request, refusal: BadRequest) -> JSONResponse:
        return _error(refusal.status, refusal.reason)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        problem = error.errors()[0]
        where = ".".join(str(part) for part in problem.get("loc", ())[1:]) or "the request"
        return _error(422, f"{where}: {problem.get('msg', 'not valid')}")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:  # pragma: no cover
        return _error(500, f"the classroom failed on this request ({type(error).__name__}); it goes on")

    def client_of(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def require_code(request: Request) -> None:
        code = request.query_params.get("code", "").strip().upper()
        if not code:
            raise BadRequest(401, "no join code: open the link or scan the QR code on the projector")
        if not secrets.compare_digest(code.encode(), session.join_code.encode()):
            raise BadRequest(403, "wrong join code: check the code on the projector")

    def require_key(request: Request) -> None:
        key = request.headers.get("x-instructor-key") or request.query_params.get("key", "")
        if not key:
            raise BadRequest(401, "the projector needs the instructor key (it is in the projector URL)")
        if not secrets.compare_digest(key.encode(), session.instructor_key.encode()):
            raise BadRequest(403, "wrong instructor key")

    def wall() -> dict:
        return {
            "model": card.name, "classes": list(classes), "input_kind": card.input_kind,
            "test_accuracy": card.test_accuracy, "join_code": session.join_code, "student_url": join_url,
            "drawings": [d.as_json() for d in session.drawings(limit=WALL_SIZE, include_hidden=False)],
            "stats": session.stats().as_json(),
            "mistakes": [d.as_json() for d in session.confident_mistakes(MISTAKES_SHOWN)],
        }

    def summary() -> dict:
        return {"stats": session.stats().as_json(),
                "mistakes": [d.as_json() for d in session.confident_mistakes(MISTAKES_SHOWN)]}

    def answer_and_store(data: bytes, name: str, label: str, client: str):
        """The picture prepared as the model sees it, the model's answer, and both stored."""
        pixels, _ = prepare_picture(data, name, card)
        probabilities = predictor.predict(scale_for_model(pixels, card))[0]
        top = _top(probabilities, classes, TOP_K)
        return session.add(label, top[0]["label"], top[0]["probability"], top, _png(pixels, card.input_shape),
                           client)

    @app.get("/", response_class=HTMLResponse)
    async def student() -> HTMLResponse:
        return HTMLResponse(student_page)

    @app.get("/projector", response_class=HTMLResponse)
    async def projector() -> HTMLResponse:
        return HTMLResponse(projector_page)

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok", "model": card.name}

    @app.get("/api/class")
    async def class_info(request: Request) -> JSONResponse:
        require_code(request)
        return JSONResponse({"model": card.name, "classes": list(classes), "input_kind": card.input_kind,
                             "max_upload_bytes": max_upload_bytes, "rate_limit": rate_limit.describe(),
                             "kept": what_is_kept(card)})

    @app.post("/api/drawings")
    async def send_drawing(request: Request) -> JSONResponse:
        require_code(request)
        wait = rate_limit.wait_seconds(client_of(request))
        if wait:
            seconds = max(1, int(np.ceil(wait)))
            return _error(429, f"too many drawings from this device: {rate_limit.describe()}; "
                               f"try again in {seconds} s", headers={"Retry-After": str(seconds)})
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "multipart/form-data":
            raise BadRequest(415, f"{content_type or 'no content type'} is not accepted: send a form "
                                  "with the drawing as 'file' and the class you meant as 'label'")
        body = await read_body(request, max_upload_bytes)
        data, name, fields = await read_form(request, body, fields=("label",))
        label = (fields["label"] or "").strip()
        if not label:
            raise BadRequest(400, "say which class you meant: the form field 'label'")
        if label not in classes:
            shown = ", ".join(classes[:12]) + (", ..." if len(classes) > 12 else "")
            raise BadRequest(422, f"{label[:40]!r} is not one of the model's classes ({shown})")
        client = hashlib.sha256((session.instructor_key + client_of(request)).encode()).hexdigest()[:16]
        # Decoding, the model and storing run off the event loop, which stays free for the feed.
        drawing = await run_in_threadpool(answer_and_store, data, name, label, client)
        broadcast.send("drawing", drawing.as_json())
        return JSONResponse(drawing.as_json())

    @app.get("/api/wall")
    async def wall_now(request: Request) -> JSONResponse:
        require_key(request)
        return JSONResponse(await run_in_threadpool(wall))

    @app.get("/api/feed")
    async def feed(request: Request):
        require_key(request)
        queue: asyncio.Queue = asyncio.Queue(maxsize=1000)
        broadcast.listeners.add(queue)
        first = f"event: wall\ndata: {json.dumps(await run_in_threadpool(wall))}\n\n"

        async def events():
            try:
                yield first
                quiet = 0.0
                while not broadcast.stopping.is_set():
                    try:
                        waiting = [await asyncio.wait_for(queue.get(), timeout=0.5)]
                        while not queue.empty():  # a busy class: everything queued goes in one write
                            waiting.append(queue.get_nowait())
                        yield "".join(waiting)
                        # The class's numbers once per write, not per drawing; on the loop, not behind
                        # the drawings queued for the model (two small SQL queries).
                        yield f"event: stats\ndata: {json.dumps(summary())}\n\n"
                        quiet = 0.0
                    except asyncio.TimeoutError:
                        quiet += 0.5
                        if quiet >= HEARTBEAT_SECONDS:
                            yield ": still here\n\n"
                            quiet = 0.0
                        if await request.is_disconnected():
                            break
            finally:
                broadcast.listeners.discard(queue)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"X-Accel-Buffering": "no"})

    @app.get("/api/pictures/{drawing_id}.png")
    async def picture(request: Request, drawing_id: int) -> Response:
        require_key(request)
        path = session.picture_path(drawing_id)
        if drawing_id < 1 or not path.is_file():
            return _error(404, f"no drawing {drawing_id}")
        return Response(path.read_bytes(), media_type="image/png")

    async def set_hidden(request: Request, drawing_id: int, hidden: bool) -> JSONResponse:
        require_key(request)
        if not await run_in_threadpool(session.set_hidden, drawing_id, hidden):
            return _error(404, f"no drawing {drawing_id}")
        broadcast.send("hidden" if hidden else "shown", {"id": drawing_id})
        return JSONResponse({"id": drawing_id, "hidden": hidden})

    @app.post("/api/drawings/{drawing_id}/hide")
    async def hide(request: Request, drawing_id: int) -> JSONResponse:
        return await set_hidden(request, drawing_id, True)

    @app.post("/api/drawings/{drawing_id}/show")
    async def show(request: Request, drawing_id: int) -> JSONResponse:
        return await set_hidden(request, drawing_id, False)

    @app.get("/api/qr.svg")
    async def qr_code(request: Request) -> Response:
        require_key(request)
        import segno

        buffer = io.BytesIO()
        segno.make(join_url, error="m").save(buffer, kind="svg", scale=6, border=2, xmldecl=False)
        return Response(buffer.getvalue(), media_type="image/svg+xml")

    return app
