"""Look-up: a dossier's status by its code and the submitter's ID number.

Step: ``lookup``.  The centre knows every dossier and checks the ID number against
it.  Before the dossier reaches the centre, the kiosk answers "queued" only when
the ID number is the submitter's: the sealed content cannot be opened here, so the
store checks a keyed hash kept at submission (``SqlOutbox.submitted_by``).  Any
other case is "not found" when the centre said so, or "cannot check now" when the
centre could not be asked, the same whether the code is queued here or not, so a
wrong ID number never confirms a code.

The code may be typed, or read from the receipt's QR code by the camera
(:meth:`LookupJourney.scan_code`, as the identify journey reads the card's).  A found
dossier comes with its return date when this kiosk took it (``DossierMeta.appointment``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from kiosk.base.central import Accepted, Refused
from kiosk.base.dossier import CODE_PATTERN
from kiosk.base.events import Signal
from kiosk.journeys.base import Journey, JourneyContext
from kiosk.runtime.flow import Step, Transition
from kiosk.scan.qr import QrScanner


@dataclass(frozen=True)
class LookupResult:
    found: bool
    status_key: str
    code: str
    appointment: date | None = None  # only for a found dossier: the ID number matched


class LookupJourney(Journey):
    steps = frozenset({Step.LOOKUP})

    def __init__(self, context: JourneyContext) -> None:
        super().__init__(context)
        self.client: Any = None  # kiosk.central.client.CentralClient (used on the task thread)
        self.finished = Signal("lookup_finished")  # (LookupResult)
        self.code_scanned = Signal("lookup_code_scanned")  # (code, or None: not a receipt's QR)
        self._qr: QrScanner | None = None

    def left(self, transition: Transition) -> None:
        self.stop_scan()

    def wiped(self) -> None:
        self.stop_scan()

    # The receipt's QR code -----------------------------------------------------------
    def scan_code(self) -> None:
        """Look for a receipt's QR code with the camera (until read or the step ends)."""
        if self.context.step is not Step.LOOKUP or self._qr is not None:
            return
        self.context.touch()
        camera = self.context.devices.camera
        camera.start()
        self._qr = QrScanner(camera, lambda text: self.context.dispatcher.post(self._on_qr, text))
        self._qr.start()

    @property
    def scanning(self) -> bool:
        return self._qr is not None

    def stop_scan(self) -> None:
        if self._qr is not None:
            self._qr.stop()
            self._qr = None
            self.context.devices.camera.stop()

    def _on_qr(self, text: str) -> None:
        """A receipt's QR code holds its dossier code; another code is said and looked past."""
        if self.context.step is not Step.LOOKUP or self._qr is None:
            return
        self.stop_scan()  # the scanner has ended with the code it read
        self.context.touch()
        code = text.strip().upper()
        if CODE_PATTERN.match(code):
            self.code_scanned.emit(code)
        else:
            self.code_scanned.emit(None)  # not a receipt (the ID card's QR, say)
            self.scan_code()

    def request(self, code: str, id_number: str) -> str | None:
        """Look a dossier up; returns a message key when the input is wrong."""
        code = code.strip().upper()
        if not CODE_PATTERN.match(code):
            return "lookup.error.code"
        if not (id_number.isdigit() and len(id_number) == 12):
            return "lookup.error.id"
        self.context.touch()
        self.context.tasks.run(
            self._job,
            code,
            id_number,
            on_done=self.finished.emit,
            on_error=self.context.recover,
        )
        return None

    def _job(self, code: str, id_number: str) -> LookupResult:
        """On the task thread: ask the centre, then this kiosk's own queue."""
        answered = True  # no centre to ask: this kiosk's queue is the whole answer
        if self.client is not None:
            outcome = self.client.dossier_status(code, id_number)
            if isinstance(outcome, Accepted):
                return LookupResult(True, "lookup.status.received", code, self._appointment(code))
            answered = isinstance(outcome, Refused)  # 404: not there for this ID number
        if self.context.outbox.submitted_by(code, id_number):
            return LookupResult(True, "lookup.status.queued", code, self._appointment(code))
        if not answered:
            return LookupResult(False, "lookup.status.unavailable", code)
        return LookupResult(False, "lookup.status.not_found", code)

    def _appointment(self, code: str) -> date | None:
        """The return date printed on the receipt, when this kiosk took the dossier."""
        meta = self.context.outbox.find(code)
        return meta.appointment if meta is not None else None
