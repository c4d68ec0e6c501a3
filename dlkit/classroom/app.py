"""The classroom service: a FastAPI app with a student face, a projector face and the class's data.

Its routes are split by who calls them (each module a router), and who may is checked once, as a
dependency (``access``: the join code for students, the instructor key for the projector):

- ``student_api``: ``GET /`` the student page; ``GET /api/class?code=`` what it needs (model,
  classes, input kind, what is kept); ``POST /api/drawings?code=`` a multipart form with ``file``
  (the drawing) and ``label`` (the class meant): the drawing is stored, then the model's answer
  and top classes come back;
- ``projector_api``: ``GET /projector`` the projector page; with the instructor key (``?key=`` or
  the header ``X-Instructor-Key``): ``GET /api/wall`` (everything the projector shows), ``GET
  /api/feed`` (server-sent events: the wall first, then each new or hidden drawing and the
  class's numbers), ``GET /api/pictures/<id>.png``, ``GET /api/qr.svg`` (the student URL as a QR
  code, drawn by segno);
- ``moderation_api``: with the key, ``POST /api/drawings/<id>/hide`` and ``/show``;
- ``learning_api``: with the key, ``POST /api/learn`` ("learn from us": the model retrained on the
  class's drawings, measured on devices it never saw), ``GET /api/learn``, ``POST /api/model/<n>``.

A classroom is a hostile network: every refusal is a 4xx with ``{"error": "<one line>"}`` (the
shared ``dlkit.web`` layer) and the service goes on — no or a wrong join code or key, a device over
its rate limit (429, with the limit and a ``Retry-After``), a body too large, truncated or not a
picture, a label that is not one of the model's classes, text where a number belongs. Pages build
what a student sent as text, never as HTML, and a Content-Security-Policy lets them load nothing
from another origin.
"""

from __future__ import annotations

import sys

from fastapi import FastAPI

from dlkit.classroom.learning import Learning
from dlkit.classroom.session import Session
from dlkit.classroom.state import WALL_SIZE, Classroom
from dlkit.deploy.predictors import Predictor
from dlkit.errors import DlkitError
from dlkit.web.app import new_app
from dlkit.web.limits import RateLimit
from dlkit.web.uploads import DEFAULT_MAX_UPLOAD_BYTES

__all__ = ["WALL_SIZE", "create_classroom_app"]


def create_classroom_app(
    predictor: Predictor,
    session: Session,
    student_url: str,
    rate_limit: RateLimit | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> FastAPI:
    """The classroom for ``predictor``, storing into ``session``; ``student_url`` is what the
    projector's QR code and join line show (with ``?code=`` added)."""
    from dlkit.classroom import learning_api, moderation_api, projector_api, student_api

    classroom = Classroom(predictor, session, f"{student_url}?code={session.join_code}",
                          rate_limit or RateLimit(), max_upload_bytes, learning=Learning(predictor))
    if session.active_retrain:  # a restart answers with the model the class was last answered by
        try:
            classroom.learning.use(classroom, session.active_retrain)
        except DlkitError as error:
            print(f"dlkit classroom: {error}; answering with {predictor.card.name}", file=sys.stderr)
            session.set_active_retrain(0)
    app = new_app(f"dlkit classroom: {predictor.card.name}", "the classroom")
    app.state.classroom = classroom
    app.state.broadcast = classroom.broadcast

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok", "model": classroom.card.name}

    for routes in (student_api, projector_api, moderation_api, learning_api):
        app.include_router(routes.router)
    return app
