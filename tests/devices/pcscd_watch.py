"""A PC/SC context of its own, blocked on a reader: when pcscd reports each card.

Through vsmartcard's vpcd, pcscd learns of a card only when it next polls the driver
(every 400 ms: vpcd has no event thread), so how fast the kiosk sees a card is timed
from pcscd's own report, which this notes (``time.monotonic``, shared by processes).
"""

from __future__ import annotations

import threading
import time

from smartcard import scard


class PcscdWatch:
    def __init__(self, reader: str) -> None:
        self.reader = reader
        self.reported: list[float] = []  # each time pcscd reported a card present
        self._stop = threading.Event()
        _hresult, self.context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        self._thread = threading.Thread(target=self._run, name="pcscd-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        known = scard.SCARD_STATE_UNAWARE
        while not self._stop.is_set():
            hresult, states = scard.SCardGetStatusChange(self.context, 1000, [(self.reader, known)])
            now = time.monotonic()
            if hresult != scard.SCARD_S_SUCCESS or not states:
                continue
            known = states[0][1] & ~scard.SCARD_STATE_CHANGED
            if known & scard.SCARD_STATE_PRESENT:
                self.reported.append(now)

    def first_report_after(self, moment: float, timeout: float = 5.0) -> float | None:
        """When pcscd first reported a card after ``moment`` (this thread may be woken a
        little after the kiosk's, so it is given ``timeout`` to note it)."""
        deadline = time.monotonic() + timeout
        while True:
            found = next((t for t in self.reported if t >= moment), None)
            if found is not None or time.monotonic() > deadline:
                return found
            time.sleep(0.005)

    def close(self) -> None:
        self._stop.set()
        scard.SCardCancel(self.context)
        self._thread.join(3)
        scard.SCardReleaseContext(self.context)
