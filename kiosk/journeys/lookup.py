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

The status is one of the ten of :data:`DOSSIER_STATUSES`, as the centre says it; the
history is the centre's when it sends one, else what is known here (registered at the
kiosk, sent to the centre, the centre's status now).  The fee and its payment state come
only from the centre: the dossier says "to pay", and only the centre knows it was paid.
An answer from the centre is remembered for this kiosk's run, keyed by code and ID
number together, so when the centre cannot be asked the citizen sees the
last known status and when it was known, never a guess.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import threading
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from kiosk.base.central import Accepted, Refused
from kiosk.base.dossier import CODE_PATTERN
from kiosk.base.events import Signal
from kiosk.journeys.base import Journey, JourneyContext
from kiosk.runtime.flow import Step, Transition
from kiosk.scan.qr import QrScanner

# The ten dossier statuses (one provincial system's numbering), by the names the centre
# sends; each has the message key ``dossier_status.<name>``.  The reference centre's
# "received" is the first.
DOSSIER_STATUSES = (
    "registered",  # 1 Mới đăng ký
    "accepted",  # 2 Được tiếp nhận
    "not_accepted",  # 3 Không được tiếp nhận
    "processing",  # 4 Đang xử lý
    "supplement_requested",  # 5 Yêu cầu bổ sung giấy tờ
    "payment_requested",  # 6 Yêu cầu thực hiện nghĩa vụ tài chính
    "withdrawn",  # 7 Công dân yêu cầu rút hồ sơ
    "stopped",  # 8 Dừng xử lý
    "done",  # 9 Đã xử lý xong
    "returned",  # 10 Đã trả kết quả
)
_ALIASES = {"received": "registered", "queued": "registered"}
_CACHE_SIZE = 200


def status_name(value: object) -> str | None:
    """The centre's status (a name, an alias or the number 1-10) as one of the ten names."""
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        number = int(value)
        return DOSSIER_STATUSES[number - 1] if 1 <= number <= 10 else None
    name = _ALIASES.get(str(value), str(value))
    return name if name in DOSSIER_STATUSES else None


def _when(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


@dataclass(frozen=True)
class LookupResult:
    found: bool
    status_key: str
    code: str
    appointment: date | None = None  # only for a found dossier: the ID number matched
    status: str | None = None  # one of DOSSIER_STATUSES
    history: tuple[tuple[str, datetime | None], ...] = ()  # (status, when), oldest first
    payment: str | None = None  # the centre's word on the fee: "to_pay", "paid" or None
    fee_vnd: int | None = None  # the fee's amount in đồng, when the centre says it
    known_at: datetime | None = None  # set when this is the last known answer, not a live one


class LookupJourney(Journey):
    steps = frozenset({Step.LOOKUP})

    def __init__(self, context: JourneyContext) -> None:
        super().__init__(context)
        self.client: Any = None  # kiosk.central.client.CentralClient (used on the task thread)
        self.finished = Signal("lookup_finished")  # (LookupResult)
        self.code_scanned = Signal("lookup_code_scanned")  # (code, or None: not a receipt's QR)
        # () the step was left or the session wiped: the screen forgets the ID number typed.
        self.closed = Signal("lookup_closed")
        self._qr: QrScanner | None = None
        # The centre's last answers, for when it cannot be asked (this run only; keyed by a
        # keyed hash of code and ID number, so nothing here names a person).
        self._known: dict[str, LookupResult] = {}
        self._known_lock = threading.Lock()
        self._key = os.urandom(32)

    def left(self, transition: Transition) -> None:
        self.stop_scan()
        self.closed.emit()

    def wiped(self) -> None:
        self.stop_scan()
        self.closed.emit()

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
        key = hmac.new(self._key, f"{code}:{id_number}".encode(), hashlib.sha256).hexdigest()
        if self.client is not None:
            outcome = self.client.dossier_status(code, id_number)
            if isinstance(outcome, Accepted):
                result = self._from_centre(code, outcome.payload)
                with self._known_lock:
                    self._known[key] = result
                    while len(self._known) > _CACHE_SIZE:
                        self._known.pop(next(iter(self._known)))
                return result
            answered = isinstance(outcome, Refused)  # 404: not there for this ID number
            if not answered:
                with self._known_lock:
                    known = self._known.get(key)
                if known is not None:
                    return replace(
                        known, status_key="lookup.status.last_known", known_at=known.known_at
                    )
        if self.context.outbox.submitted_by(code, id_number):
            return LookupResult(
                True,
                "lookup.status.queued",
                code,
                self._appointment(code),
                status="registered",
                history=self._local_history(code),
            )
        if not answered:
            return LookupResult(False, "lookup.status.unavailable", code)
        return LookupResult(False, "lookup.status.not_found", code)

    def _from_centre(self, code: str, payload: dict[str, Any]) -> LookupResult:
        status = status_name(payload.get("status", "received")) or "registered"
        history: list[tuple[str, datetime | None]] = []
        for entry in payload.get("history") or ():
            if isinstance(entry, dict) and status_name(entry.get("status")):
                history.append((str(status_name(entry.get("status"))), _when(entry.get("at"))))
        now = self.context.now()
        if not history:
            history = list(self._local_history(code))
            if not history or history[-1][0] != status:
                history.append((status, now))
        appointment = _when(payload.get("appointment"))
        payment = payload.get("payment")
        payment = payment if isinstance(payment, dict) else {}
        amount = payment.get("amount_vnd")
        valid = isinstance(amount, int) and not isinstance(amount, bool) and amount > 0
        return LookupResult(
            True,
            "lookup.status.received",
            code,
            appointment.date() if appointment else self._appointment(code),
            status=status,
            history=tuple(history),
            payment=str(payment["status"]) if payment.get("status") else None,
            fee_vnd=amount if valid else None,
            known_at=now,  # shown only when this answer is repeated as the last known one
        )

    def _local_history(self, code: str) -> tuple[tuple[str, datetime | None], ...]:
        """What this kiosk knows: registered when it took the dossier."""
        meta = self.context.outbox.find(code)
        return (("registered", meta.received_at),) if meta is not None else ()

    def _appointment(self, code: str) -> date | None:
        """The return date printed on the receipt, when this kiosk took the dossier."""
        meta = self.context.outbox.find(code)
        return meta.appointment if meta is not None else None
