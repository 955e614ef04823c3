"""A minimal, thread-safe observer used by the core and the devices.

A :class:`Signal` may be emitted from any thread; its handlers run on the
emitting thread.  The UI never connects widgets directly: it goes through
``ui.bridge``, which re-posts each call onto the GUI thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

Handler = Callable[..., Any]


class Signal:
    """A named event with any number of handlers.

    Handlers are called in connection order.  A failing handler is logged and
    does not stop the others (a background thread must never die silently
    because a listener raised).
    """

    def __init__(self, name: str, on_error: Callable[[BaseException], Any] | None = None) -> None:
        self.name = name
        self.on_error = on_error  # told about a failing handler (the core recovers)
        self._handlers: list[Handler] = []
        self._lock = threading.Lock()

    def connect(self, handler: Handler) -> Handler:
        with self._lock:
            self._handlers.append(handler)
        return handler

    def disconnect(self, handler: Handler) -> None:
        with self._lock:
            if handler in self._handlers:
                self._handlers.remove(handler)

    def emit(self, *args: Any) -> None:
        with self._lock:
            handlers = list(self._handlers)
        for handler in handlers:
            try:
                handler(*args)
            except Exception as exc:
                log.exception("handler_failed", extra={"fields": {"signal": self.name}})
                if self.on_error is not None:
                    self.on_error(exc)


class Dispatcher(Protocol):
    """Runs callables on the thread that owns the core (the GUI thread in the app).

    ``post`` may be called from any thread.  The Qt implementation lives in
    ``ui.bridge``; tests use :class:`QueueDispatcher`.
    """

    def post(self, fn: Callable[..., Any], *args: Any) -> None: ...


class QueueDispatcher:
    """Collects posted calls; the owner thread runs them with :meth:`drain`."""

    def __init__(self) -> None:
        self._calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        self._cond = threading.Condition()

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        with self._cond:
            self._calls.append((fn, args))
            self._cond.notify_all()

    def drain(self, timeout: float = 0.0) -> int:
        """Run what has been posted (waiting up to ``timeout`` s for the first call)."""
        with self._cond:
            if not self._calls and timeout > 0:
                self._cond.wait(timeout)
            calls, self._calls = self._calls, []
        for fn, args in calls:
            fn(*args)
        return len(calls)

    def drain_until(self, predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
        """Run posted calls until ``predicate()`` holds or ``timeout`` s pass.

        The default deadline is generous: it is an upper bound, reached only on failure,
        and a loaded machine may take seconds for what takes milliseconds here.
        """
        import time

        deadline = time.monotonic() + timeout
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self.drain(min(remaining, 0.05))
        return True
