"""``dlkit serve``: one model's service (``dlkit.deploy.service``) run by the shared web layer
(``dlkit.web.server``), in the background from a notebook (``start_service``) or in the foreground
from the command line (``serve_forever``).

It binds to 127.0.0.1 unless told otherwise: only this computer can reach it. Serving a classroom
needs ``host="0.0.0.0"`` (``--host 0.0.0.0``), and the start-up line then says what that exposes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dlkit.deploy.requirements import INSTALL_HINT
from dlkit.errors import DlkitError
from dlkit.web.connections import ConnectionLimits
from dlkit.web.server import (
    DEFAULT_HOST,
    SERVE_PORT,
    RunningServer,
    is_loopback,
    listen_on,
    serve_until_interrupted,
)
from dlkit.web.uploads import DEFAULT_MAX_UPLOAD_BYTES

if TYPE_CHECKING:  # the predictors need numpy and a runtime: loaded when a model is
    from dlkit.deploy.predictors import Predictor

__all__ = [
    "DEFAULT_HOST", "DEFAULT_PORT", "RunningService", "guess_line", "serve_forever", "start_service",
    "startup_line",
]

DEFAULT_PORT = SERVE_PORT


def _app(predictor: Predictor, max_upload_bytes: int):
    """The service's app (FastAPI and uvicorn come with the deploy extra)."""
    try:
        from dlkit.deploy.service import create_app
    except ImportError as error:
        raise DlkitError(f"serving needs {error.name}, which is not installed: {INSTALL_HINT}") from None
    return create_app(predictor, max_upload_bytes=max_upload_bytes)


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
    """What ``dlkit serve`` prints first: the model, the address (the port really listened on), and
    who can reach it."""
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


class RunningService(RunningServer):
    """A service running in a background thread; ``stop()`` ends it (also on leaving a ``with``)."""

    def __init__(self, predictor: Predictor, host: str, port: int, max_upload_bytes: int,
                 limits: ConnectionLimits | None = None):
        self.predictor = predictor
        super().__init__(lambda url: _app(predictor, max_upload_bytes), host, port, "the service",
                         limits=limits)

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

    def __repr__(self) -> str:
        return f"<dlkit service {self.predictor.card.name} at {self.url}>"


def start_service(
    model: str | Path | Predictor,
    host: str = DEFAULT_HOST,
    port: int = 0,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    connection_limits: ConnectionLimits | None = None,
):
    """Serve ``model`` (a file ``load_predictor`` reads, a pretrained network's name, or a loaded
    predictor) in the background.

    ``port=0`` takes a free port; ``service.url`` says which. Call ``service.stop()`` when done.
    ``connection_limits``: how many connections, from whom, how slow (``ConnectionLimits()``).

    Example:
        >>> service = start_service("exported/mnist_convnet.keras")
        >>> service.url
        'http://127.0.0.1:41877/'
        >>> service.stop()
    """
    from dlkit.deploy.predictors import Predictor, load_predictor

    predictor = model if isinstance(model, Predictor) else load_predictor(model)
    return RunningService(predictor, host, port, max_upload_bytes, connection_limits)


def serve_forever(
    model: str | Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    input_kind: str | None = None,
) -> None:
    """Serve ``model`` until Ctrl+C (``dlkit serve``); ``input_kind`` as ``load_predictor``'s."""
    from dlkit.deploy.predictors import load_predictor

    predictor = load_predictor(model, input_kind=input_kind)
    app = _app(predictor, max_upload_bytes)
    sock = listen_on(host, port)
    print(startup_line(predictor, host, sock.getsockname()[1]), flush=True)
    serve_until_interrupted(app, sock)
    print("dlkit serve: stopped", flush=True)
