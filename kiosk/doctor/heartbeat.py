"""The doctor's summary in every heartbeat, so the centre's fleet page sees failing checks.

Only the light checks (:data:`~kiosk.doctor.checks.LIGHT`) run inside the kiosk: the
camera is in use, and the centre and clock are what the heartbeat itself proves.  They
run at most every ``every_s`` seconds, on the sync worker's thread that asks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.doctor.checks import LIGHT
from kiosk.runtime.config import KioskConfig


class HealthSummary:
    """Callable: the latest light checks' summary (thread-safe; recomputed when stale)."""

    def __init__(
        self,
        config: KioskConfig,
        data_dir: Path,
        every_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config, self.data_dir, self.every_s, self._clock = config, data_dir, every_s, clock
        self._lock = threading.Lock()
        self._summary: dict[str, Any] | None = None
        self._at = 0.0

    def __call__(self) -> dict[str, Any]:
        from kiosk.doctor import run_checks

        with self._lock:
            if self._summary is None or self._clock() - self._at >= self.every_s:
                self._summary = run_checks(self.config, self.data_dir, LIGHT).summary()
                self._at = self._clock()
            return self._summary
