"""Run the classroom with uvicorn: in the background (``start_classroom``: tests, a notebook, the
benchmark) or in the foreground (``serve_classroom``: what ``dlkit classroom MODEL`` runs).

As ``dlkit serve``, it listens on 127.0.0.1 unless told otherwise; a class on the Wi-Fi needs
``--host 0.0.0.0``. Starting prints the student URL (with the join code) and the projector URL
(with the instructor key), each on its own line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dlkit.classroom.session import Session, open_session
from dlkit.deploy.requirements import INSTALL_HINT
from dlkit.deploy.server import guess_line
from dlkit.errors import DlkitError
from dlkit.web.connections import ConnectionLimits
from dlkit.web.limits import RateLimit
from dlkit.web.server import (
    CLASSROOM_PORT,
    DEFAULT_HOST,
    RunningServer,
    is_loopback,
    listen_on,
    reachable_host,
    serve_until_interrupted,
)
from dlkit.web.uploads import DEFAULT_MAX_UPLOAD_BYTES

if TYPE_CHECKING:  # the predictors need numpy and a runtime: loaded when a model is
    from dlkit.deploy.predictors import Predictor

__all__ = ["DEFAULT_SESSION", "RunningClassroom", "serve_classroom", "start_classroom", "startup_lines"]

DEFAULT_SESSION = Path("dlkit-classroom")
DEFAULT_PORT = CLASSROOM_PORT


def _app(predictor: Predictor, session: Session, student_url: str, rate_limit: RateLimit | None,
         max_upload_bytes: int):
    try:
        from dlkit.classroom.app import create_classroom_app
    except ImportError as error:
        raise DlkitError(f"the classroom needs {error.name}, not installed: {INSTALL_HINT}") from None
    return create_classroom_app(predictor, session, student_url, rate_limit=rate_limit,
                                max_upload_bytes=max_upload_bytes)


def startup_lines(session: Session, student_url: str, host: str, predictor: Predictor | None = None) -> str:
    """The student URL (join code) and the projector URL (instructor key), each on its own line;
    then who can reach them, and what was guessed of a model without a serving card."""
    lines = [
        f"dlkit classroom: {session.model}, session {session.folder}",
        f"  students:  {student_url}?code={session.join_code}",
        f"  projector: {student_url}projector?key={session.instructor_key}  (keep this one off the screen)",
    ]
    if is_loopback(host):
        lines.append("  only this computer can reach it; --host 0.0.0.0 opens it to the class's network")
    else:
        lines.append(f"  WARNING: listening on {host}: anyone on this network can open the student page; "
                     "the join code, the instructor key and a per-device rate limit guard it")
    if predictor is not None and predictor.guess is not None:
        lines.append("  " + guess_line(predictor, "digit|photo"))
    from dlkit.classroom.class_photos import MODEL_NAME

    if session.model == MODEL_NAME and not session.retrains():
        classes = ", ".join(predictor.card.classes) if predictor is not None else "the class's classes"
        lines.append(f"  photos of {classes}: until \"learn from us\", the head knows nothing and every "
                     "answer is a guess")
    return "\n".join(lines)


def end_feeds(app) -> None:
    """Before the server stops: projectors' feeds end, so it need not wait for them."""
    app.state.broadcast.stopping.set()


class RunningClassroom(RunningServer):
    """A classroom serving in a background thread; ``stop()`` ends it (projector feeds first, also
    on leaving a ``with``) and closes the session."""

    def __init__(self, predictor: Predictor, session: Session, host: str, port: int,
                 rate_limit: RateLimit | None, max_upload_bytes: int, limits: ConnectionLimits | None = None):
        self.session = session
        super().__init__(lambda url: _app(predictor, session, url, rate_limit, max_upload_bytes), host, port,
                         "the classroom", on_stop=end_feeds, limits=limits)

    @property
    def student_url(self) -> str:
        return f"{self.url}?code={self.session.join_code}"

    @property
    def projector_url(self) -> str:
        return f"{self.url}projector?key={self.session.instructor_key}"

    def stop(self) -> None:
        """Stop serving (projector feeds end first), free the port and close the session."""
        super().stop()
        self.session.close()


def _predictor_and_session(model: str | Path | Predictor, session: str | Path,
                           input_kind: str | None = None,
                           classes: tuple[str, ...] | None = None) -> tuple[Predictor, Session]:
    """The model that answers and the session it stores into (reopened if it exists). With
    ``classes``, the session's class photo model for them, built on first start."""
    from dlkit.deploy.predictors import Predictor, load_predictor

    if classes is None:
        predictor = model if isinstance(model, Predictor) else load_predictor(model, input_kind=input_kind)
        return predictor, open_session(session, model=predictor.card.name)
    from dlkit.classroom.class_photos import BASE, MODEL_NAME, first_photo_model

    if isinstance(model, Predictor) or str(model).lower().replace("-", "_") != BASE or input_kind == "digit":
        raise DlkitError(f"--classes names classes of photos the class takes, learned on {BASE}'s "
                         f"features: dlkit classroom serve {BASE} --classes mug,keys,phone")
    opened = open_session(session, model=MODEL_NAME)
    try:
        return load_predictor(first_photo_model(opened.folder, tuple(classes))), opened
    except BaseException:
        opened.close()
        raise


def start_classroom(
    model: str | Path | Predictor,
    session: str | Path = DEFAULT_SESSION,
    host: str = DEFAULT_HOST,
    port: int = 0,
    rate_limit: RateLimit | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    connection_limits: ConnectionLimits | None = None,
    classes: tuple[str, ...] | None = None,
) -> RunningClassroom:
    """Serve a classroom for ``model`` in the background, storing into the ``session`` folder
    (reopened if it exists). ``port=0`` takes a free port; call ``stop()`` when done.
    ``connection_limits``: how many connections, from whom, how slow (``ConnectionLimits()``).
    ``classes``: the class's own classes of photos, for ``model="efficientnet_lite0"``
    (``dlkit.classroom.class_photos``)."""
    predictor, opened = _predictor_and_session(model, session, classes=classes)
    try:
        return RunningClassroom(predictor, opened, host, port, rate_limit, max_upload_bytes,
                                connection_limits)
    except BaseException:
        opened.close()
        raise


def serve_classroom(
    model: str | Path,
    session: str | Path = DEFAULT_SESSION,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    rate_limit: RateLimit | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    input_kind: str | None = None,
    classes: tuple[str, ...] | None = None,
) -> None:
    """Serve a classroom until Ctrl+C (``dlkit classroom serve MODEL``)."""
    predictor, opened = _predictor_and_session(model, session, input_kind, classes)
    try:
        sock = listen_on(host, port)
        url = f"http://{reachable_host(host)}:{sock.getsockname()[1]}/"
        app = _app(predictor, opened, url, rate_limit, max_upload_bytes)
        print(startup_lines(opened, url, host, predictor), flush=True)
        serve_until_interrupted(app, sock, on_stop=end_feeds)
    finally:
        opened.close()
    print(f"dlkit classroom: stopped; the session is kept in {opened.folder}", flush=True)
