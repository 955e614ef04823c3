"""Identify: the card on the reader, its access key, the chip read and what can go wrong.

Steps: ``insert_card`` → ``access_key`` → ``reading_card``.  The access key comes
from the QR code on the card's front (read by the camera, which starts looking as
soon as a new card is placed: nothing to touch), the numbers printed on the card,
the CAN, or an MRZ typed by a keyboard-wedge scanner.  Each insertion has
three attempts (ICAO 9303 chips may slow down after failed BAC, so the count is per
insertion, not per session).  A chip that is not genuine is never accepted silently:
a person looks at the card.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from devices.card.access import AccessKey
from devices.card.base import (
    AccessDeniedError,
    CardError,
    CardReadResult,
    CardRemovedError,
    CardTimeoutError,
    NotGenuineError,
    NotIdCardError,
    ReaderState,
    ReaderStatus,
)
from devices.card.mrtd.mrz import parse_mrz
from devices.card.qr import NO_EXPIRY, expiry_candidates, parse_card_qr
from kiosk.base.events import Signal
from kiosk.journeys.base import Journey, JourneyContext
from kiosk.runtime.flow import Step, Transition, Trigger
from kiosk.runtime.logs import SCRUBBER
from kiosk.runtime.tasks import deliver
from kiosk.scan.qr import QrScanner

log = logging.getLogger(__name__)

MAX_CARD_ATTEMPTS = 3


class UnverifiableCardError(CardError):
    """The chip has no EF.SOD (or no signer certificate): its data cannot be checked.

    Never accepted, since nothing says the data is the state's; but not a sign of
    forgery either (some chips simply lack it): no attempt counted, no alarm, and
    the citizen is sent to the counter.
    """

    message_key = "card.error.unverifiable"


def refusal(result: CardReadResult, require_trusted_signer: bool) -> CardError | None:
    """Why a read chip cannot be accepted, or None when it can (`kiosk card read` asks too)."""
    refused = (
        # No EF.SOD, nothing to check the data against: never accepted either.
        result.authenticity in ("data_altered", "not_checked")
        or result.active_authentication == "failed"  # a cloned chip
        or result.chip_authentication == "failed"
        or (result.authenticity == "signer_not_trusted" and require_trusted_signer)
    )
    if not refused:
        # A genuine document, but not the CCCD (a passport): no DG13, nothing to serve with.
        return None if result.citizen_data else NotIdCardError(result.document_code)
    clone = "failed" in (result.active_authentication, result.chip_authentication)
    if result.authenticity == "not_checked" and not clone:
        return UnverifiableCardError(result.detail or "the card's data cannot be verified")
    error = NotGenuineError(result.detail)
    if result.authenticity == "signer_not_trusted" and "failed" not in (
        result.active_authentication,
        result.chip_authentication,
    ):
        error.message_key = "card.error.untrusted"
    return error


class IdentifyJourney(Journey):
    steps = frozenset({Step.INSERT_CARD, Step.ACCESS_KEY, Step.READING_CARD})

    def __init__(self, context: JourneyContext) -> None:
        super().__init__(context)
        self.reader_status: ReaderStatus | None = None
        self._read_in_flight = False
        self._qr: QrScanner | None = None
        # The staff journey's check for a staff member's own card (True: it took it).
        self.staff_card: Callable[[CardReadResult], bool] | None = None
        self.card_progress = Signal("card_progress")  # (ReadStep)
        self.reader_status_changed = Signal("reader_status_changed")  # (ReaderStatus)
        self.qr_result = Signal("qr_result")  # (message key or None)
        reader, post = context.devices.reader, context.dispatcher.post
        reader.card_inserted.connect(lambda s: post(self._on_card_inserted, s))
        reader.card_removed.connect(lambda s: post(self._on_card_removed, s))
        reader.status_changed.connect(lambda s: post(self._on_reader_status, s))
        reader.read_progress.connect(lambda s: post(self.card_progress.emit, s))

    # Flow hooks ------------------------------------------------------------------------
    def entered(self, transition: Transition) -> None:
        target = transition.target
        if target is Step.READING_CARD:
            self._start_read()
        elif target is Step.ACCESS_KEY and transition.trigger is Trigger.CARD_INSERTED:
            # A new card: the camera above the reader looks for its QR code at once.
            self._start_qr_scan()
        elif target is Step.INSERT_CARD and transition.source in (Step.ATTRACT, Step.BROWSE):
            self.session.error_key = None
            status = self.reader_status
            if status is not None and status.state is ReaderState.CARD_PRESENT:
                # The card was placed before the tile was touched (or left there by the
                # last citizen): no insertion event will come, so take it as placed now.
                self.context.dispatcher.post(self._on_card_inserted, status)

    def left(self, transition: Transition) -> None:
        if transition.source is Step.ACCESS_KEY:
            self.stop_qr_scan()

    def wiped(self) -> None:
        self.stop_qr_scan()

    # The reader ------------------------------------------------------------------------
    def _on_reader_status(self, status: ReaderStatus) -> None:
        self.reader_status = status
        self.reader_status_changed.emit(status)

    def _on_card_inserted(self, status: ReaderStatus) -> None:
        self.context.touch()
        if self.context.machine.can_fire(Trigger.CARD_INSERTED):
            # A new insertion: three fresh attempts.
            self.session.card_attempts = 0
            self.session.error_key = None
            self.session.access_key = None
            self.context.machine.fire(Trigger.CARD_INSERTED)  # the table says where

    def _on_card_removed(self, status: ReaderStatus) -> None:
        self.session.access_key = None
        if self.context.step in (Step.READING_CARD, Step.ACCESS_KEY) or (
            self.session.identified and self.context.config.session.end_on_card_removal
        ):
            self.context.machine.fire(Trigger.CARD_REMOVED)

    # The access key --------------------------------------------------------------------
    def _key_entered(self, key: AccessKey, *, keep_candidates: bool = False) -> None:
        self.session.access_key = key
        if not keep_candidates:
            self.session.key_candidates.clear()
        self.session.error_key = None
        self.context.machine.fire(Trigger.KEY_ENTERED)

    def submit_access_key(self, id_number: str, birth: str, expiry: str) -> dict[str, str]:
        """The citizen typed the key: 12-digit ID number, date of birth, date of expiry."""
        self.context.touch()
        errors: dict[str, str] = {}
        id_number = id_number.strip().replace(" ", "")
        if not (id_number.isdigit() and len(id_number) == 12):
            errors["id_number"] = "access.error.id"
        dates = {}
        for name, text in (("birth", birth), ("expiry", expiry)):
            try:
                dates[name] = datetime.strptime(text.strip(), "%d/%m/%Y").date()
            except ValueError:
                errors[name] = "access.error.date"
        if not errors:
            key = AccessKey.from_cccd(id_number, dates["birth"], dates["expiry"])
            self._key_entered(key, keep_candidates=True)
        return errors

    def submit_can(self, can: str) -> dict[str, str]:
        """The 6-digit card access number printed on the card (PACE cards only)."""
        self.context.touch()
        can = can.strip()
        if not (can.isdigit() and len(can) == 6):
            return {"can": "access.error.can"}
        self._key_entered(AccessKey(can=can))
        return {}

    def submit_mrz(self, text: str) -> str | None:
        """An MRZ typed by a keyboard-wedge scanner; returns a message key when unreadable."""
        self.context.touch()
        try:
            info = parse_mrz(text)
        except CardError:
            return "access.error.mrz"
        self._key_entered(AccessKey(info.document_number, info.date_of_birth, info.date_of_expiry))
        return None

    # The QR code on the card's front -----------------------------------------------------
    def scan_qr(self) -> None:
        """Look for the card's QR code with the camera (until found or the step ends)."""
        if self.context.step is not Step.ACCESS_KEY or self._qr is not None:
            return
        self.context.touch()
        self._start_qr_scan()

    def _start_qr_scan(self) -> None:
        if self._qr is not None:
            return
        camera = self.context.devices.camera
        camera.start()
        self._qr = QrScanner(camera, lambda text: self.context.dispatcher.post(self._on_qr, text))
        self._qr.start()

    def stop_qr_scan(self) -> None:
        if self._qr is not None:
            self._qr.stop()
            self._qr = None
            self.context.devices.camera.stop()

    def _on_qr(self, text: str) -> None:
        self.stop_qr_scan()
        if self.context.step is not Step.ACCESS_KEY:
            return
        try:
            qr = parse_card_qr(text)
        except CardError:
            self.session.error_key = "access.error.qr"
            self.qr_result.emit(self.session.error_key)
            return
        # The QR has no expiry date: try the likely ones, then ask the citizen.
        keys = [
            AccessKey.from_cccd(qr.id_number, qr.date_of_birth, expiry or NO_EXPIRY)
            for expiry in expiry_candidates(qr.date_of_birth, qr.date_of_issue)
        ]
        self.session.key_prefill = (qr.id_number, qr.date_of_birth.strftime("%d/%m/%Y"))
        self.session.key_candidates = list(keys[1:])
        self.session.error_key = None
        self.qr_result.emit(None)
        self._key_entered(keys[0], keep_candidates=True)

    # Reading the chip --------------------------------------------------------------------
    def _start_read(self) -> None:
        key = self.session.access_key
        if self._read_in_flight or not isinstance(key, AccessKey):
            return
        self._read_in_flight = True
        self.session.error_key = None
        deliver(
            self.context.devices.reader.read_card(key),
            self.context.dispatcher,
            self._on_card_read,
            self._on_card_error,
        )

    def _on_card_read(self, result: CardReadResult) -> None:
        self._read_in_flight = False
        self.session.access_key = None  # the chip is read: the key has done its job
        if self.context.step is not Step.READING_CARD:
            result.identity.wipe()  # the session moved on (card pulled, timeout)
            return
        log.info(
            "card_read",
            extra={
                "fields": {
                    "authenticity": result.authenticity,
                    "active_authentication": result.active_authentication,
                    "chip_authentication": result.chip_authentication,
                    "access_control": result.access_control,
                    "apdus": result.apdus,
                    **{f"{k}_ms": round(v, 1) for k, v in result.timings_ms.items()},
                }
            },
        )
        error = refusal(result, self.context.config.devices.require_trusted_signer)
        if error is not None:
            result.identity.wipe()
            self._on_card_error(error)
            return
        if self.staff_card is not None and self.staff_card(result):
            return  # read and checked like a citizen's; staff mode takes it from here
        SCRUBBER.register(*result.identity.scrub_values())
        self.session.identity = result.identity
        self.session.authenticity = result.authenticity
        self.session.active_authentication = result.active_authentication
        self.context.machine.fire(Trigger.CARD_READ)

    def _on_card_error(self, error: BaseException) -> None:
        self._read_in_flight = False
        if self.context.step is not Step.READING_CARD:
            return
        if not isinstance(error, CardError):
            self.context.recover(error)
            return
        session, machine = self.session, self.context.machine
        log.info(
            "card_read_failed",
            extra={
                "fields": {
                    "error": type(error).__name__,
                    "where": error.where,  # a file or step name ("DG2"), never data
                    "attempt": session.card_attempts,
                }
            },
        )
        session.error_key = error.message_key
        if isinstance(
            error, CardRemovedError | CardTimeoutError | NotIdCardError | UnverifiableCardError
        ):
            # Not a wrong key: no attempt counted.  A chip that stopped answering: the
            # reader gave up on it, the citizen places the card again (or asks staff).
            # A passport: its holder is told the kiosk needs the ID card; staff can help.
            # A chip with nothing to verify its data against: the counter serves them.
            machine.fire(Trigger.CARD_FAILED)
            return
        if isinstance(error, NotGenuineError):
            # Never accepted silently: a person looks at the card.
            machine.fire(Trigger.CARD_FAILED)
            machine.fire(Trigger.STAFF_CALLED)
            return
        session.card_attempts += 1
        if session.card_attempts >= MAX_CARD_ATTEMPTS:
            session.error_key = "card.error.too_many"
            machine.fire(Trigger.CARD_FAILED)
            machine.fire(Trigger.STAFF_CALLED)
        elif isinstance(error, AccessDeniedError):
            machine.fire(Trigger.KEY_REJECTED)
            if session.key_candidates:
                # Another expiry date the QR code allows: try it (still within 3 attempts).
                session.access_key = session.key_candidates.pop(0)
                machine.fire(Trigger.KEY_ENTERED)
            elif session.key_prefill is not None:
                session.error_key = "access.error.qr_expiry"
        else:
            machine.fire(Trigger.CARD_FAILED)
