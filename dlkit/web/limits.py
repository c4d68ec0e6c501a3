"""A per-client rate limit: a token bucket per client address, so one phone (or one script on the
Wi-Fi) cannot flood a server (the class's session and its projector), nor guess its join code or
instructor key (``GUESSES``: wrong ones are counted, and past the limit not even checked)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

__all__ = ["GUESSES_AT_ONCE", "GUESSES_PER_MINUTE", "RateLimit"]

GUESSES_AT_ONCE = 10  # wrong join codes or keys from one device before it must wait
GUESSES_PER_MINUTE = 6  # then this many a minute: 23**6 join codes take a device 47 years


@dataclass
class RateLimit:
    """At most ``burst`` drawings at once from one client, refilled at ``per_minute`` a minute."""

    per_minute: float = 60.0
    burst: int = 20
    max_clients: int = 10_000  # past this many addresses, the oldest are forgotten

    def __post_init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)
        self._lock = threading.Lock()

    def wait_seconds(self, client: str, take: bool = True) -> float:
        """0 and one drawing taken from ``client``'s bucket (none with ``take=False``: only asking),
        or how long it must wait for the next."""
        now = time.monotonic()
        with self._lock:
            tokens, when = self._buckets.get(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - when) * self.per_minute / 60.0)
            if tokens >= 1.0 and not take:
                return 0.0
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                if len(self._buckets) > self.max_clients:
                    self._buckets.pop(next(iter(self._buckets)))
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) * 60.0 / self.per_minute

    def describe(self) -> str:
        return f"at most {self.per_minute:g} drawings a minute from one device ({self.burst} at once)"
