"""One thread per device: every call to the hardware runs there.

``DeviceThread.call(fn, ...)`` queues ``fn`` and returns a
``concurrent.futures.Future``; callers never block on the hardware.  The
thread survives a failing job (the exception goes into that job's future),
so a flaky device cannot kill it silently.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

log = logging.getLogger(__name__)
R = TypeVar("R")

_STOP = object()


class DeviceThread:
    """``tick`` (optional) runs on the thread every ``tick_s`` seconds between jobs:
    the place for short, non-blocking polls of the hardware."""

    def __init__(
        self, name: str, tick: Callable[[], None] | None = None, tick_s: float = 0.5
    ) -> None:
        self.name = name
        self.tick = tick
        self.tick_s = tick_s
        self._jobs: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if not self._started:
                self._started = True
                self._thread.start()

    def call(self, fn: Callable[..., R], *args: Any) -> Future[R]:
        future: Future[R] = Future()
        self.start()
        self._jobs.put((fn, args, future))
        return future

    def stop(self, timeout: float = 2.0) -> None:
        if self._started:
            self._jobs.put(_STOP)
            if threading.current_thread() is not self._thread:
                self._thread.join(timeout)

    @property
    def is_current(self) -> bool:
        return threading.current_thread() is self._thread

    def _run(self) -> None:
        next_tick = time.monotonic()
        while True:
            if self.tick is not None:
                now = time.monotonic()
                if now >= next_tick:
                    try:
                        self.tick()
                    except Exception:
                        log.exception("device_tick_failed", extra={"fields": {"device": self.name}})
                    next_tick = time.monotonic() + self.tick_s
                try:
                    item = self._jobs.get(timeout=max(0.0, next_tick - time.monotonic()))
                except queue.Empty:
                    continue
            else:
                item = self._jobs.get()
            if item is _STOP:
                return
            fn, args, future = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # the job's problem, not the thread's
                future.set_exception(exc)
            # Drop this job's references now: an idle thread must not keep the last
            # job's arguments or result (a citizen's data) alive until the next job.
            del item, fn, args, future
