"""Connections a hostile network cannot use to stall a server.

uvicorn, as it comes, keeps a connection that sends nothing, or trickles its headers, open for as
long as the client likes, and takes as many of them as the network sends: 300 silent connections
from one address exhausted a process's file descriptors (macOS's default limit is 256), and every
page, drawing and projector timed out while asyncio logged "Too many open files" tracebacks in a
flood. Here every dlkit server runs uvicorn's own HTTP protocol with a guard around it:

- a connection is admitted only while its client has fewer than ``per_client`` open (past that it
  gets a short ``429`` and is closed at once); the server holds at most ``total`` (never more than
  the process can open: ``total`` is cut to the file limit, whose soft value is raised to the hard
  one where the OS allows), and when it is full a new connection takes the place of the one that
  has waited longest without sending a request (it gets ``503``): silent connections from many
  addresses cannot crowd out a student whose request comes at once. Only when none is waiting is
  the new one refused (``503``);
- a request's line and headers must arrive within ``header_seconds`` of the connection opening or
  of the previous response (a ``408`` and the connection closed otherwise); its body must arrive
  within ``body_seconds`` (``dlkit.web.uploads.read_body``); an idle keep-alive connection closes
  after ``keep_alive_seconds``;
- refusals and asyncio's own complaints (a full file table) are logged as one line a period, with
  counts, never a traceback per connection.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass

__all__ = [
    "ACCEPT_BACKLOG",
    "ConnectionGuard",
    "ConnectionLimits",
    "ThrottledLog",
    "guarded_protocol",
    "raise_file_limit",
]

LOG_PERIOD_SECONDS = 10.0
FILE_RESERVE = 64  # descriptors kept for the server's own files: its database, model, pictures, logs
# asyncio accepts up to the listening backlog's worth of connections at a time before the guard sees
# any of them, each a descriptor: a small backlog keeps that burst small, and it is reserved too.
ACCEPT_BACKLOG = 64


@dataclass(frozen=True)
class ConnectionLimits:
    """How many connections a server takes, and how long it waits for a slow one."""

    per_client: int = 16  # a browser opens at most 6 to a host; a projector adds its feed
    total: int = 512
    header_seconds: float = 10.0
    body_seconds: float = 30.0
    keep_alive_seconds: float = 5.0


def raise_file_limit() -> int:
    """Raise this process's soft limit of open files to its hard limit where the OS allows (macOS
    starts a terminal's programs at 256), and return the soft limit now in force (a large number
    where the OS keeps no such limit)."""
    try:
        import resource
    except ImportError:  # Windows: no per-process descriptor limit of this kind
        return 1 << 20
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        except (ValueError, OSError):  # macOS refuses values past OPEN_MAX; keep what there is
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class ThrottledLog:
    """At most one line a period on a logger, counting what happened in between."""

    def __init__(self, logger: logging.Logger, period: float = LOG_PERIOD_SECONDS):
        self.logger = logger
        self.period = period
        self.counts: Counter[str] = Counter()
        self.last = 0.0
        self.lock = threading.Lock()

    def note(self, what: str) -> None:
        with self.lock:
            self.counts[what] += 1
            now = time.monotonic()
            if now - self.last < self.period:
                return
            summary = "; ".join(f"{count} x {reason}" for reason, count in self.counts.most_common())
            self.counts.clear()
            self.last = now
        self.logger.warning("dlkit: %s (in the last %.0f s at most)", summary, self.period)


class ConnectionGuard:
    """The open connections of one server, by client address, and what may be admitted."""

    def __init__(self, limits: ConnectionLimits | None = None, logger: logging.Logger | None = None):
        limits = limits or ConnectionLimits()
        room = max(8, raise_file_limit() - FILE_RESERVE - ACCEPT_BACKLOG)
        self.limits = limits
        self.total = min(limits.total, room)
        self.per_client = min(limits.per_client, self.total)
        self.open: Counter[str] = Counter()
        self.waiting: dict[object, None] = {}  # connections with no request in, the longest waiting first
        self.lock = threading.Lock()
        self.log = ThrottledLog(logger or logging.getLogger("uvicorn.error"))

    def admit(self, client: str) -> tuple[int, str] | None:
        """None, the connection counted; or (status, reason) it is refused with. Called on the
        server's event loop, as ``waits`` and ``stops_waiting`` are."""
        with self.lock:
            if self.open[client] >= self.per_client:
                refusal = (429, f"too many connections from this device ({self.per_client} open)")
            elif sum(self.open.values()) >= self.total and not self.waiting:
                refusal = (503, f"the server is full ({self.total} connections open): try again in a moment")
            else:
                evicted = next(iter(self.waiting)) if sum(self.open.values()) >= self.total else None
                self.open[client] += 1
                refusal = None
        if refusal is not None:
            self.log.note(f"connections refused ({refusal[1].split(':')[0].split(' (')[0]})")
            return refusal
        if evicted is not None:  # its release makes the room back
            self.log.note("idle connections closed to make room (the server was full)")
            evicted.evict()  # type: ignore[attr-defined]
        return None

    def waits(self, connection: object) -> None:
        """``connection`` is waiting for a request (again): last in line for eviction."""
        self.waiting.pop(connection, None)
        self.waiting[connection] = None

    def stops_waiting(self, connection: object) -> None:
        self.waiting.pop(connection, None)

    def release(self, client: str) -> None:
        with self.lock:
            self.open[client] -= 1
            if self.open[client] <= 0:
                del self.open[client]

    def connections(self) -> int:
        with self.lock:
            return sum(self.open.values())


def _answer(status: int, reason: str) -> bytes:
    import json

    body = json.dumps({"error": reason}).encode()
    phrase = {408: "Request Timeout", 429: "Too Many Requests", 503: "Service Unavailable"}[status]
    head = (f"HTTP/1.1 {status} {phrase}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n")
    return head.encode() + body


def guarded_protocol(guard: ConnectionGuard):
    """uvicorn's h11 protocol, admitting connections through ``guard`` and closing slow ones."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class GuardedH11Protocol(H11Protocol):
        refused = False
        deadline: asyncio.TimerHandle | None = None
        address = "unknown"

        def connection_made(self, transport) -> None:  # type: ignore[override]
            peer = transport.get_extra_info("peername")
            self.address = str(peer[0]) if peer else "unknown"
            refusal = guard.admit(self.address)
            if refusal is not None:
                self.refused = True
                transport.write(_answer(*refusal))
                transport.close()
                return
            super().connection_made(transport)
            self._arm()

        def _arm(self) -> None:
            self._disarm()
            self.deadline = self.loop.call_later(guard.limits.header_seconds, self._too_slow)
            guard.waits(self)

        def _disarm(self) -> None:
            guard.stops_waiting(self)
            if self.deadline is not None:
                self.deadline.cancel()
                self.deadline = None

        def evict(self) -> None:
            """Closed to make room for a new connection while the server is full."""
            self._disarm()
            if not self.transport.is_closing():
                self.transport.write(_answer(503, "the server is full: this idle connection was closed"))
                self.transport.close()

        def _too_slow(self) -> None:
            self.deadline = None
            if self.cycle is not None and not self.cycle.response_complete:
                return  # the request arrived and is being answered
            guard.log.note("slow requests closed (headers not sent in time)")
            if not self.transport.is_closing():
                self.transport.write(_answer(408, "the request did not arrive in time"))
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            if self.refused:
                return
            super().data_received(data)
            if self.cycle is not None and not self.cycle.response_complete:
                self._disarm()  # a whole request line and headers came: the app has it now

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()  # the next request on this connection has as long as the first

        def connection_lost(self, exc: Exception | None) -> None:
            if self.refused:
                return
            self._disarm()
            guard.release(self.address)
            super().connection_lost(exc)

    return GuardedH11Protocol
