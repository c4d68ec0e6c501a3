"""Run the service with uvicorn: in the background from a notebook (``start_service``), or in the
foreground from the command line (``serve_forever``, what ``dlkit serve`` runs).

It binds to 127.0.0.1 unless told otherwise: only this computer can reach it. Serving a classroom
needs ``host="0.0.0.0"`` (``--host 0.0.0.0``), and the start-up line then says what that exposes.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
import time
from pathlib import Path

from dlkit.deploy.inputs import DEFAULT_MAX_UPLOAD_BYTES
from dlkit.deploy.predictors import Predictor, load_predictor
from dlkit.deploy.requirements import INSTALL_HINT
from dlkit.errors import DlkitError

__all__ = [
    "DEFAULT_HOST", "DEFAULT_PORT", "RunningService", "guess_line", "is_loopback", "listen_on",
    "serve_forever", "start_service", "startup_line",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
START_TIMEOUT_SECONDS = 30


def listen_on(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (``port=0``: a free one), or a one-line error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP said out loud: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets
    # that name it, and with Nagle on, every keep-alive answer waits 40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE or getattr(error, "winerror", None) == 10048:  # WSAEADDRINUSE
            raise DlkitError(f"port {port} on {host} is in use: choose another with --port") from None
        raise DlkitError(f"cannot listen on {host}:{port} ({error.strerror})") from None
    sock.listen(128)
    return sock


def _server(predictor: Predictor, max_upload_bytes: int):
    """A uvicorn server for the service (FastAPI and uvicorn come with the deploy extra)."""
    try:
        import uvicorn

        from dlkit.deploy.service import create_app
    except ImportError as error:
        raise DlkitError(f"serving needs {error.name}, which is not installed: {INSTALL_HINT}") from None
    app = create_app(predictor, max_upload_bytes=max_upload_bytes)
    return uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def guess_line(predictor: Predictor, choices: str) -> str:
    """What was guessed of a model served without a serving card, and the two ways to correct it
    (``--input`` with ``choices``, or a card); "" when a card (or ``--input``) said."""
    guess = predictor.guess
    if guess is None:
        return ""
    return (
        f"no serving card: {'guessed' if not guess.sure else 'taken for'} a {guess.kind} model because "
        f"{guess.why}; classes are output indices. Otherwise: --input {choices}, or save "
        "the model with dlkit.deploy.save_with_card(model, path, classes)"
    )


def startup_line(predictor: Predictor, host: str, port: int) -> str:
    """What ``dlkit serve`` prints first: the model, the address, and who can reach it."""
    card = predictor.card
    shown = "localhost" if is_loopback(host) else host
    line = f"dlkit serve: {card.name} ({card.format}, {card.quantization}) on http://{shown}:{port}/"
    guessed = "" if predictor.guess is None else "\n  " + guess_line(predictor, "digit|photo|values")
    if is_loopback(host):
        return line + " (only this computer can reach it; --host 0.0.0.0 opens it to your network)" + guessed
    return line + guessed + (
        f"\n  WARNING: listening on {host}: anyone on this computer's networks can open the page, send "
        "pictures and read the model's classes. Serve a classroom only on a network you trust; "
        "stop with Ctrl+C."
    )


class RunningService:
    """A service running in a background thread; ``stop()`` ends it (also on leaving a ``with``)."""

    def __init__(self, predictor: Predictor, host: str, port: int, max_upload_bytes: int):
        self.predictor = predictor
        self._server = _server(predictor, max_upload_bytes)
        self._socket = listen_on(host, port)
        self.host = host
        self.port = self._socket.getsockname()[1]
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"dlkit-serve-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise DlkitError(f"the service did not start on {host}:{self.port}")
            time.sleep(0.02)

    @property
    def url(self) -> str:
        shown = "127.0.0.1" if is_loopback(self.host) else self.host
        return f"http://{shown}:{self.port}/"

    def page(self, height: int = 620):
        """The service's page, to show in a notebook: in Colab through Colab's own port proxy
        (the browser there cannot reach the runtime's 127.0.0.1), elsewhere as an IFrame."""
        import sys

        if "google.colab" in sys.modules:
            from google.colab import output  # Colab's documented way to show a server's page

            output.serve_kernel_port_as_iframe(self.port, height=height)
            return None
        from IPython.display import IFrame

        return IFrame(self.url, width="100%", height=height)

    def stop(self) -> None:
        """Stop serving and free the port (waits for requests in flight)."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> RunningService:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<dlkit service {self.predictor.card.name} at {self.url}>"


def start_service(
    model: str | Path | Predictor,
    host: str = DEFAULT_HOST,
    port: int = 0,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> RunningService:
    """Serve ``model`` (a file ``load_predictor`` reads, or a loaded predictor) in the background.

    ``port=0`` takes a free port; ``service.url`` says which. Call ``service.stop()`` when done.

    Example:
        >>> service = start_service("exported/mnist_convnet.keras")
        >>> service.url
        'http://127.0.0.1:41877/'
        >>> service.stop()
    """
    predictor = model if isinstance(model, Predictor) else load_predictor(model)
    return RunningService(predictor, host, port, max_upload_bytes)


def serve_forever(
    model: str | Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    input_kind: str | None = None,
) -> None:
    """Serve ``model`` until Ctrl+C (``dlkit serve``); ``input_kind`` as ``load_predictor``'s."""
    predictor = load_predictor(model, input_kind=input_kind)
    server = _server(predictor, max_upload_bytes)
    sock = listen_on(host, port)
    print(startup_line(predictor, host, port), flush=True)
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn shuts down cleanly on Ctrl+C, then passes the signal on
        pass
    finally:
        sock.close()
    print("dlkit serve: stopped", flush=True)
