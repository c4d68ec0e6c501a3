"""Running a dlkit web app with uvicorn: the listening socket, uvicorn's configuration, and the
two ways to run, in the background (``RunningServer``: a notebook, the tests, the benchmarks) or
until Ctrl+C (``serve_until_interrupted``: ``dlkit serve``, ``dlkit classroom``).

A server binds to 127.0.0.1 unless told otherwise: only this computer can reach it.
"""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
import time
from collections.abc import Callable

from dlkit.errors import DlkitError
from dlkit.web.connections import ACCEPT_BACKLOG, ConnectionGuard, ConnectionLimits, guarded_protocol

__all__ = [
    "CLASSROOM_PORT",
    "DEFAULT_HOST",
    "SERVE_PORT",
    "RunningServer",
    "is_loopback",
    "listen_on",
    "reachable_host",
    "serve_until_interrupted",
    "uvicorn_server",
]

DEFAULT_HOST = "127.0.0.1"
SERVE_PORT = 8000  # dlkit serve
CLASSROOM_PORT = 8001  # dlkit classroom, beside it
START_TIMEOUT_SECONDS = 30
GRACEFUL_SHUTDOWN_SECONDS = 3  # a projector's feed never ends by itself: stop waiting for it


def listen_on(host: str, port: int) -> socket.socket:
    """A TCP socket listening on ``host:port`` (``port=0``: a free one), or a one-line error."""
    if not 0 <= port <= 65535:
        raise DlkitError(f"port {port} is not a port: use 0 (any free one) to 65535")
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
    sock.listen(ACCEPT_BACKLOG)
    return sock


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def reachable_host(host: str) -> str:
    """The address people type: 127.0.0.1 for a loopback server; this computer's address on its
    network when listening on all of them (found by asking the OS which interface it would route
    through; nothing is sent)."""
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


def uvicorn_server(app, limits: ConnectionLimits | None = None):
    """uvicorn, configured once for every dlkit server: connections guarded (``connections``: how
    many, from whom, how slow), no access log (a class's traffic is not the instructor's to read), a
    short graceful shutdown, and asyncio's complaints logged one line a period."""
    import uvicorn

    guard = ConnectionGuard(limits)
    app.state.connections = guard
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                            backlog=ACCEPT_BACKLOG, http=guarded_protocol(guard),
                            timeout_keep_alive=guard.limits.keep_alive_seconds,
                            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS)

    class Server(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            import asyncio

            def quietly(loop, context) -> None:  # e.g. "socket.accept() out of system resource"
                guard.log.note(f"asyncio: {context.get('message', 'an error')}")

            asyncio.get_running_loop().set_exception_handler(quietly)
            await super().startup(sockets)

    return Server(config)


class RunningServer:
    """An app served in a background thread on ``host:port`` (0: a free port); ``stop()`` ends it
    (also on leaving a ``with``), after ``on_stop`` (e.g. ending a projector's feed).

    ``app_for`` makes the app from the address it is served at (a classroom's QR code shows it),
    known once the port is; ``limits`` bound its connections (``ConnectionLimits()`` by default)."""

    def __init__(self, app_for: Callable[[str], object], host: str, port: int, name: str,
                 on_stop: Callable[[object], None] | None = None, limits: ConnectionLimits | None = None):
        self.host = host
        self._socket = listen_on(host, port)
        self.port = self._socket.getsockname()[1]
        self._on_stop = on_stop
        try:
            self.app = app_for(self.url)
        except BaseException:
            self._socket.close()
            raise
        self._server = uvicorn_server(self.app, limits)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._socket]},
                                        name=f"{name}-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise DlkitError(f"{name} did not start on {host}:{self.port}")
            time.sleep(0.02)

    @property
    def url(self) -> str:
        return f"http://{reachable_host(self.host)}:{self.port}/"

    def stop(self) -> None:
        """Stop serving and free the port (waits for requests in flight)."""
        if self._on_stop is not None:
            self._on_stop(self.app)
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def serve_until_interrupted(
    app, sock: socket.socket, on_stop: Callable[[object], None] | None = None
) -> None:
    """Serve ``app`` on ``sock`` in the foreground until Ctrl+C, then ``on_stop(app)`` and close."""
    try:
        uvicorn_server(app).run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn shuts down cleanly on Ctrl+C, then passes the signal on
        pass
    finally:
        if on_stop is not None:
            on_stop(app)
        sock.close()
