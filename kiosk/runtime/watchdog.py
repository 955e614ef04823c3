"""The systemd watchdog: a hung kiosk is restarted, not left frozen in front of a citizen.

The unit (``packaging/kiosk.service``) has ``Type=notify`` and ``WatchdogSec=``;
systemd kills and restarts the kiosk when no ``WATCHDOG=1`` arrives in that time.
The notification is sent from :meth:`Watchdog.pet`, which :meth:`KioskCore.tick`
calls on the thread that runs the core and the screens (the GUI's one-second timer):
a background thread would keep petting a kiosk whose screen is frozen.

Outside systemd (no ``NOTIFY_SOCKET``) every call is a no-op.  Messages are
rate-limited to one per third of ``WATCHDOG_USEC`` (sd_watchdog_enabled(3) advises
half; a third leaves room for one late tick).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)


class Watchdog:
    """Thread contract: ``ready``, ``pet`` and ``stopping`` from the core's thread."""

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        env = os.environ if environ is None else environ
        self.socket_path = env.get("NOTIFY_SOCKET", "")
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        # WATCHDOG_PID names the process systemd watches: cage, whose child the kiosk is
        # (the unit has NotifyAccess=all), or the kiosk itself.  A helper the kiosk spawns
        # inherits the environment and must not pet on the kiosk's behalf.
        mine = not pid or pid in (str(os.getpid()), str(os.getppid()))
        self.interval_s = int(usec) / 1_000_000 / 3 if usec.isdigit() and mine else None
        self._clock = clock
        self._last: float | None = None
        self._notifier = None
        if self.socket_path:
            import sdnotify

            self._notifier = sdnotify.SystemdNotifier()

    @property
    def enabled(self) -> bool:
        return self.interval_s is not None and self._notifier is not None

    def _send(self, message: str) -> None:
        if self._notifier is not None:
            self._notifier.notify(message)

    def ready(self) -> None:
        """The kiosk is up (systemd's ``Type=notify`` start ends here)."""
        self._send("READY=1")
        self._last = None
        self.pet()
        log.info("watchdog_ready", extra={"fields": {"interval_s": self.interval_s}})

    def pet(self) -> None:
        """The core's thread is alive: tell systemd, at most once per interval."""
        if self.interval_s is None:
            return
        now = self._clock()
        if self._last is not None and now - self._last < self.interval_s:
            return
        self._last = now
        self._send("WATCHDOG=1")

    def stopping(self) -> None:
        self._send("STOPPING=1")
