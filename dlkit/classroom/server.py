"""Run the classroom with uvicorn: in the background (``start_classroom``: tests, a notebook, the
benchmark) or in the foreground (``serve_classroom``: what ``dlkit classroom MODEL`` runs).

As ``dlkit serve``, it listens on 127.0.0.1 unless told otherwise; a class on the Wi-Fi needs
``--host 0.0.0.0``. Starting prints the student URL (with the join code) and the projector URL
(with the instructor key), each on its own line.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

from dlkit.classroom.limits import RateLimit
from dlkit.classroom.session import Session, open_session
from dlkit.deploy.inputs import DEFAULT_MAX_UPLOAD_BYTES
from dlkit.deploy.predictors import Predictor, load_predictor
from dlkit.deploy.requirements import INSTALL_HINT
from dlkit.deploy.server import DEFAULT_HOST, guess_line, is_loopback, listen_on
from dlkit.errors import DlkitError

__all__ = ["DEFAULT_SESSION", "RunningClassroom", "serve_classroom", "start_classroom", "startup_lines"]

DEFAULT_SESSION = Path("dlkit-classroom")
DEFAULT_PORT = 8001  # beside dlkit serve's 8000
START_TIMEOUT_SECONDS = 30


def reachable_host(host: str) -> str:
    """The address students type: this computer's address on its network when listening on all of
    them (found by asking the OS which interface it would route through; nothing is sent)."""
    if host not in ("0.0.0.0", "::", ""):
        return "127.0.0.1" if is_loopback(host) else host
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.255.255.255", 1))
        return probe.getsockname()[0]
    except OSError:
        return socket.gethostname()
    finally:
        probe.close()


def _server(app):
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            timeout_graceful_shutdown=3)
    return uvicorn.Server(config)


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
    return "\n".join(lines)


class RunningClassroom:
    """A classroom serving in a background thread; ``stop()`` ends it (also on leaving a ``with``)."""

    def __init__(self, predictor: Predictor, session: Session, host: str, port: int,
                 rate_limit: RateLimit | None, max_upload_bytes: int):
        self.session = session
        self._socket = listen_on(host, port)
        self.host, self.port = host, self._socket.getsockname()[1]
        self.url = f"http://{reachable_host(host)}:{self.port}/"
        self.app = _app(predictor, session, self.url, rate_limit, max_upload_bytes)
        self._server = _server(self.app)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name=f"dlkit-classroom-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise DlkitError(f"the classroom did not start on {host}:{self.port}")
            time.sleep(0.02)

    @property
    def student_url(self) -> str:
        return f"{self.url}?code={self.session.join_code}"

    @property
    def projector_url(self) -> str:
        return f"{self.url}projector?key={self.session.instructor_key}"

    def stop(self) -> None:
        """Stop serving (projector feeds end first), free the port and close the session."""
        if hasattr(self, "app"):
            self.app.state.broadcast.stopping.set()
        if hasattr(self, "_server"):
            self._server.should_exit = True
        if hasattr(self, "_thread") and self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()
        self.session.close()

    def __enter__(self) -> RunningClassroom:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def start_classroom(
    model: str | Path | Predictor,
    session: str | Path = DEFAULT_SESSION,
    host: str = DEFAULT_HOST,
    port: int = 0,
    rate_limit: RateLimit | None = None,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> RunningClassroom:
    """Serve a classroom for ``model`` in the background, storing into the ``session`` folder
    (reopened if it exists). ``port=0`` takes a free port; call ``stop()`` when done."""
    predictor = model if isinstance(model, Predictor) else load_predictor(model)
    opened = open_session(session, model=predictor.card.name)
    try:
        return RunningClassroom(predictor, opened, host, port, rate_limit, max_upload_bytes)
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
) -> None:
    """Serve a classroom until Ctrl+C (``dlkit classroom MODEL``)."""
    predictor = load_predictor(model, input_kind=input_kind)
    opened = open_session(session, model=predictor.card.name)
    try:
        sock = listen_on(host, port)
        url = f"http://{reachable_host(host)}:{sock.getsockname()[1]}/"
        app = _app(predictor, opened, url, rate_limit, max_upload_bytes)
        print(startup_lines(opened, url, host, predictor), flush=True)
        try:
            _server(app).run(sockets=[sock])
        except KeyboardInterrupt:
            pass
        finally:
            app.state.broadcast.stopping.set()
            sock.close()
    finally:
        opened.close()
    print(f"dlkit classroom: stopped; the session is kept in {opened.folder}", flush=True)
