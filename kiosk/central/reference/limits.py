"""The reference centre's limits: connections, deadlines and rates.

Each number here is part of the API's contract (``docs/central-api.md``, "Limits"):
a province's own centre must enforce the same, or tighter, so that one kiosk
credential, one slow client or one malformed request cannot take the service down
or guess its way into citizens' dossiers.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Limits:
    # Connections -----------------------------------------------------------------------
    max_connections: int = 64  # more at once get 503 with Retry-After, then are closed
    # A new connection must deliver its request line and headers within this long, and a
    # kept-alive one within ``idle_timeout_s`` of the last answer plus this long for the
    # rest of the head once it has begun: a half-sent request is dropped after a deadline,
    # however slowly its bytes trickle in (slowloris).
    header_timeout_s: float = 10.0
    idle_timeout_s: float = 30.0
    # The body must arrive within this long plus its length at ``min_body_rate`` bytes/s.
    body_timeout_s: float = 10.0
    min_body_rate: int = 32 * 1024
    write_timeout_s: float = 30.0  # a client that does not read its answer is dropped
    max_head_bytes: int = 32 * 1024  # request line and headers
    max_target_length: int = 256  # the request target (path and query)
    # After an early refusal (a bad length, too large), the rest of what the client is
    # sending is read and thrown away for this long, so it sees the answer, not a reset.
    linger_s: float = 1.0
    # Rates -----------------------------------------------------------------------------
    # Status look-ups per kiosk: a burst, refilled evenly over the period.
    lookups_per_kiosk: int = 30
    lookups_per_kiosk_period_s: float = 60.0
    # Look-ups of one dossier code that did not match (wrong ID number, no such code):
    # after this many within the period every further look-up of that code gets 429,
    # right ID number or not, until the count has refilled.
    failed_lookups_per_code: int = 5
    failed_lookups_per_code_period_s: float = 3600.0
    max_rate_keys: int = 100_000  # buckets kept in memory (least recently used dropped)


class TokenBuckets:
    """One token bucket per key: ``capacity`` tokens, refilled over ``period_s``.

    Thread-safe; a bounded number of keys (the least recently used are dropped, which
    only ever forgives).
    """

    def __init__(
        self,
        capacity: int,
        period_s: float,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.rate = capacity / period_s
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _level(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.capacity), now))
        return min(float(self.capacity), tokens + (now - at) * self.rate)

    def wait_s(self, key: str) -> float:
        """0 when a token is there; otherwise the seconds until one is."""
        with self._lock:
            level = self._level(key, self.clock())
            return 0.0 if level >= 1 else (1 - level) / self.rate

    def take(self, key: str) -> float:
        """Take a token: 0 when taken, otherwise the seconds until one is (none taken)."""
        with self._lock:
            now = self.clock()
            level = self._level(key, now)
            if level < 1:
                return (1 - level) / self.rate
            self._buckets[key] = (level - 1, now)
            self._buckets.move_to_end(key)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return 0.0


def retry_after(wait_s: float) -> str:
    """A Retry-After value in whole seconds (RFC 9110 §10.2.3), at least 1."""
    return str(max(1, math.ceil(wait_s)))


__all__ = ["Limits", "TokenBuckets", "retry_after"]
