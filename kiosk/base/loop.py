"""A background loop: one daemon thread that runs passes until stopped, woken early on demand.

The sync worker (``offline_cache.sync``) and the staff relay (``kiosk.staff.relay``) are
both one: each pass sends what is waiting and says how long to sleep before the next;
``kick`` ends the sleep when something new was queued.  Never the GUI thread.
"""

from __future__ import annotations

import threading


class BackgroundLoop:
    """Runs :meth:`_pass` on a daemon thread named :attr:`thread_name` until :meth:`stop`.

    A subclass implements ``_pass``, which returns the seconds to wait before the next
    pass and must not raise (it logs what failed and asks to be called again later).  A
    long pass may check ``self._stop`` to end sooner once ``stop`` was called.
    """

    thread_name = "background-loop"

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=self.thread_name, daemon=True)
        self._thread.start()

    def kick(self) -> None:
        """Run the next pass now (from any thread)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """End the loop after the current pass; wait for it up to ``timeout`` seconds."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._pass())
            self._wake.clear()

    def _pass(self) -> float:
        raise NotImplementedError


__all__ = ["BackgroundLoop"]
