"""The kiosk core: state machine, session, devices and background work, wired.

Threading contract: every public method and every signal of
:class:`KioskCore` belongs to one thread, the *core thread* (the GUI thread
in the application, the test's thread in tests).  Devices and the task
runner report from their own threads; the core re-posts those reports
through its :class:`~kiosk.base.events.Dispatcher` before touching any state.
Nothing here blocks on a device, the database or the network.
"""

from __future__ import annotations

import base64
import gc
import json
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from devices.camera.base import Camera
from devices.card.base import (
    AccessDeniedError,
    CardError,
    CardReader,
    CardReadResult,
    CardRemovedError,
    NotGenuineError,
    ReaderState,
    ReaderStatus,
    ReadStep,
)
from devices.card.mrtd.mrz import parse_mrz
from devices.card.mrtd.reader import AccessKey
from devices.card.qr import NO_EXPIRY, expiry_candidates, parse_card_qr
from devices.printer.base import Printer, PrinterError, PrintJob
from kiosk.base.central import Accepted
from kiosk.base.dossier import CODE_PATTERN, DossierCodes, DossierMeta
from kiosk.base.events import Dispatcher, Signal
from kiosk.base.paths import sweep_private_tmp
from kiosk.catalogue.admin_units import AdminUnits, load_admin_units
from kiosk.catalogue.model import Catalogue, Document, FormField, Procedure
from kiosk.forms.engine import FormSession
from kiosk.journeys.face import FaceOutcome, FaceStep
from kiosk.printing.receipt import ReceiptData, render_queue_ticket, render_receipt
from kiosk.runtime.config import KioskConfig
from kiosk.runtime.flow import SESSION_END_STEPS, FlowMachine, Step, Transition, Trigger
from kiosk.runtime.i18n import Translator
from kiosk.runtime.idle import IdleGuard, IdlePhase
from kiosk.runtime.logs import SCRUBBER
from kiosk.runtime.session import CitizenSession
from kiosk.runtime.tasks import TaskRunner, deliver
from kiosk.scan.pages import CapturedPage, PaperScanner
from kiosk.scan.qr import QrScanner
from offline_cache.outbox import Outbox, OutboxFullError, QueuedRating
from offline_cache.sealing import seal

log = logging.getLogger(__name__)

MAX_CARD_ATTEMPTS = 3
NOT_IDLE_STEPS = frozenset({Step.ATTRACT, Step.SUBMITTING, Step.GOODBYE})
RATING_LEVELS = ("very_satisfied", "satisfied", "dissatisfied")


@dataclass
class Devices:
    reader: CardReader
    camera: Camera
    printer: Printer

    def start(self) -> None:
        self.reader.start()

    def stop(self) -> None:
        self.camera.stop()
        self.reader.stop()
        self.printer.stop()


@dataclass(frozen=True)
class QueueTicket:
    number: str
    area_code: str
    issued_at: datetime
    printed: bool | None  # None while the printer works


@dataclass(frozen=True)
class LookupResult:
    found: bool
    status_key: str
    code: str


def _papers_content(papers: dict[str, Any]) -> list[dict[str, Any]]:
    """The papers for the sealed dossier: photographed ones as JPEG (base64), others deferred."""
    result: list[dict[str, Any]] = []
    for key, page in papers.items():
        if page is None:
            result.append({"key": key, "delivery": "at_counter"})
        else:
            result.append(
                {
                    "key": key,
                    "delivery": "attached",
                    "jpeg_base64": base64.b64encode(page.jpeg).decode("ascii"),
                    "sha256": page.sha256,
                    "width": page.width,
                    "height": page.height,
                }
            )
    return result


class KioskCore:
    def __init__(
        self,
        config: KioskConfig,
        translator: Translator,
        dispatcher: Dispatcher,
        devices: Devices,
        catalogue: Catalogue,
        outbox: Outbox,
        central_key: X25519PublicKey,
        data_dir: Path,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.config = config
        self.tr = translator
        self.dispatcher = dispatcher
        self.devices = devices
        self.catalogue = catalogue
        self.outbox = outbox
        self.central_key = central_key
        self.data_dir = data_dir
        self.clock = clock
        self.now = now
        self.codes = DossierCodes(config.centre.unit_code, config.centre.kiosk_number)
        self.tasks = TaskRunner(dispatcher)
        self.machine = FlowMachine()
        self.session = CitizenSession()
        self.idle = IdleGuard(config.session.idle_timeout_s, config.session.idle_warning_s, clock)
        # Started after the devices, stopped before them (the sync worker, the demo centre).
        self.services: list[Any] = []
        self.sync: Any = None  # offline_cache.sync.SyncWorker when the kiosk syncs
        self._next_catalogue: Catalogue | None = None
        self.lookup_client: Any = None  # kiosk.central.client.CentralClient (task thread)
        self.reader_status: ReaderStatus | None = None
        self.last_end_reason: str | None = None
        self.last_ticket: QueueTicket | None = None
        self.print_error_key: str | None = None
        self._warning_shown = False
        self._goodbye_deadline: float | None = None
        self._read_in_flight = False
        self._ticket_in_flight = False
        self.change_field: str | None = None  # the question "Change" asked for
        self._qr: QrScanner | None = None
        self._units: AdminUnits | None = None
        # The camera watchdog runs on real time (the idle clock is moved by tests and the tour).
        self.face = FaceStep(config.face, devices.camera, dispatcher)
        self.face.finished.connect(self._on_face_finished)
        self._paper_scanner: PaperScanner | None = None
        self.paper_key: str | None = None  # the paper being photographed
        self.paper_taken: CapturedPage | None = None  # its photo, awaiting "use" or "retake"

        # Signals, all emitted on the core thread.
        self.step_changed = Signal("step_changed")  # (Transition)
        self.idle_warning = Signal("idle_warning")  # (seconds_left)
        self.idle_cleared = Signal("idle_cleared")  # ()
        self.session_wiped = Signal("session_wiped")  # ()
        self.card_progress = Signal("card_progress")  # (ReadStep)
        self.reader_status_changed = Signal("reader_status_changed")  # (ReaderStatus)
        self.form_errors = Signal("form_errors")  # (dict[input key, message key])
        self.form_page_changed = Signal("form_page_changed")  # (): the form shows another page
        self.paper_progress = Signal("paper_progress")  # (PageDetection, frame size)
        self.paper_changed = Signal("paper_changed")  # (): capture started, taken, kept, ended
        self.qr_result = Signal("qr_result")  # (message key or None)
        self.ticket_issued = Signal("ticket_issued")  # (QueueTicket)
        self.ticket_printed = Signal("ticket_printed")  # (QueueTicket)
        self.receipt_printed = Signal("receipt_printed")  # (message key or None)
        self.lookup_finished = Signal("lookup_finished")  # (LookupResult)
        self.rating_errors = Signal("rating_errors")  # (message key)
        self.catalogue_changed = Signal("catalogue_changed")  # (version)
        self.dossier_queued = Signal("dossier_queued")  # (DossierMeta): the sync worker wakes
        self.rating_queued = Signal("rating_queued")  # (): the sync worker wakes

        # A failing listener (a bug in a screen) is a crash: recover, which wipes.
        for value in vars(self).values():
            if isinstance(value, Signal):
                value.on_error = self._listener_failed

        self.machine.step_changed.connect(self._on_transition)
        reader = devices.reader
        reader.card_inserted.connect(lambda s: dispatcher.post(self._on_card_inserted, s))
        reader.card_removed.connect(lambda s: dispatcher.post(self._on_card_removed, s))
        reader.status_changed.connect(lambda s: dispatcher.post(self._on_reader_status, s))
        reader.read_progress.connect(lambda s: dispatcher.post(self.card_progress.emit, s))
        camera_signal = getattr(devices.camera, "state_changed", None)
        if camera_signal is not None:
            camera_signal.connect(lambda s: dispatcher.post(self._on_camera_state, s))

    # Lifecycle -------------------------------------------------------------
    def start(self) -> None:
        # A previous run may have crashed mid-session: nothing of it may survive.
        swept = sweep_private_tmp(self.data_dir)
        if swept:
            log.warning("crash_leftovers_removed", extra={"fields": {"count": swept}})
        self.devices.start()
        for service in self.services:
            service.start()

    def stop(self) -> None:
        self._end_session(None)
        self.face.shutdown()
        for service in reversed(self.services):
            service.stop()
        self.devices.stop()
        self.tasks.shutdown()

    @property
    def step(self) -> Step:
        return self.machine.step

    def fire(self, trigger: Trigger) -> Transition | None:
        """Apply a trigger from the UI (a tile, Back, Continue …)."""
        self.idle.touch()
        return self.machine.fire(trigger)

    # Transitions -------------------------------------------------------------
    def _on_transition(self, transition: Transition) -> None:
        source, target = transition.source, transition.target
        if source is Step.ATTRACT:
            self.last_end_reason = None  # a new visit: the last one's notice goes
        if source is Step.CAPTURE_PAPERS:
            self.stop_paper_capture()
        if source is Step.FACE_CHECK:
            self.face.leave()
        if source is Step.ACCESS_KEY and self._qr is not None:
            self.stop_qr_scan()
            self.devices.camera.stop()
        reason = transition.end_reason
        if target in SESSION_END_STEPS and reason is not None:
            self._end_session(reason.value)
        if target in NOT_IDLE_STEPS:
            self.idle.disarm()
        else:
            self.idle.arm()
        self._clear_warning()
        self._goodbye_deadline = (
            self.clock() + self.config.session.goodbye_s if target is Step.GOODBYE else None
        )
        if target is Step.READING_CARD:
            self._start_read()
        elif target is Step.FACE_CHECK and self.face.outcome is None:
            identity = self.session.identity
            photo = identity.photo if identity is not None else None
            self.face.enter(bytes(photo) if photo else b"")
        elif target is Step.SUBMITTING:
            self._start_submit()
        elif target is Step.FILL_FORM and transition.trigger is Trigger.BACK and self.form:
            self.form.go_to_last()  # back from the check answers or the papers: the last page
        elif target is Step.INSERT_CARD and source in (Step.ATTRACT, Step.BROWSE):
            self.session.error_key = None
            status = self.reader_status
            if status is not None and status.state is ReaderState.CARD_PRESENT:
                # The card was placed before the tile was touched (or left there by the
                # last citizen): no insertion event will come, so take it as placed now.
                self.dispatcher.post(self._on_card_inserted, status)
        self.step_changed.emit(transition)

    def _end_session(self, reason: str | None) -> None:
        """The one wipe behind finish, cancel, timeout, card removal and crash."""
        self.stop_paper_capture()
        self.face.wipe()
        self.devices.camera.stop()
        old = self.session
        old.wipe()
        self.session = CitizenSession()
        self.print_error_key = None
        SCRUBBER.forget_all()
        del old
        # The disk sweep takes time: not on the GUI thread.  The collection that frees the
        # session's last objects runs back on this thread: a collection on another thread
        # can finalise Qt wrappers there and deadlock against the GUI thread.
        self.tasks.run(self._after_wipe, on_done=lambda _: gc.collect(), on_error=self._log_error)
        if reason is not None:
            self.last_end_reason = reason
            log.info("session_ended", extra={"fields": {"reason": reason}})
        self.session_wiped.emit()
        if self._next_catalogue is not None:  # the session is gone: switch now
            self.catalogue, self._next_catalogue = self._next_catalogue, None
            self.catalogue_changed.emit(self.catalogue.version)

    def offer_catalogue(self, catalogue: Catalogue) -> None:
        """A verified catalogue update (any thread): used from the next session on."""
        self.dispatcher.post(self._take_catalogue, catalogue)

    def _take_catalogue(self, catalogue: Catalogue) -> None:
        if self.step is Step.ATTRACT:
            self.catalogue = catalogue
            self._next_catalogue = None
            self.catalogue_changed.emit(catalogue.version)
        else:  # a citizen is in a session: not under their feet
            self._next_catalogue = catalogue

    def _after_wipe(self) -> None:
        sweep_private_tmp(self.data_dir)

    def _log_error(self, error: BaseException) -> None:
        log.error("background_task_failed", exc_info=(type(error), error, error.__traceback__))

    # Idle ------------------------------------------------------------------
    def user_activity(self) -> None:
        """Any touch or key press (the UI calls this from its event filter)."""
        self.idle.touch()

    def continue_session(self) -> None:
        """The one-touch answer to the idle warning."""
        self.idle.touch()
        self._clear_warning()

    def _clear_warning(self) -> None:
        if self._warning_shown:
            self._warning_shown = False
            self.idle_cleared.emit()

    def tick(self) -> None:
        """Called about once a second by the UI's timer (or a test)."""
        if self._goodbye_deadline is not None and self.clock() >= self._goodbye_deadline:
            self.machine.fire(Trigger.GOODBYE_ELAPSED)
            return
        if self.step is Step.FACE_CHECK:
            self.face.tick()
        status = self.idle.poll()
        if status.phase is IdlePhase.EXPIRED:
            self.machine.fire(Trigger.TIMED_OUT)
        elif status.phase is IdlePhase.WARNING:
            self._warning_shown = True
            self.idle_warning.emit(status.seconds_left)
        else:
            self._clear_warning()

    # Session-wide actions --------------------------------------------------
    def cancel(self) -> None:
        self.fire(Trigger.CANCELLED)

    def call_staff(self) -> None:
        source = self.step
        if self.fire(Trigger.STAFF_CALLED) is not None:
            log.info("staff_called", extra={"fields": {"step": source.value}})

    def _listener_failed(self, error: BaseException) -> None:
        # Posted, not called: the failing emit may be in the middle of a transition.
        self.dispatcher.post(self.recover, error)

    def recover(self, error: BaseException) -> None:
        """An unexpected error: log it (scrubbed), wipe, and start over."""
        log.error("unexpected_error", exc_info=(type(error), error, error.__traceback__))
        if self.machine.fire(Trigger.CRASHED) is None:
            self._end_session("crashed")

    # Card ------------------------------------------------------------------
    def _on_reader_status(self, status: ReaderStatus) -> None:
        self.reader_status = status
        self.reader_status_changed.emit(status)

    def _on_card_inserted(self, status: ReaderStatus) -> None:
        self.idle.touch()
        if self.machine.can_fire(Trigger.CARD_INSERTED):
            # A new insertion: three fresh attempts (9303 chips may slow down after
            # failed BAC, so the count is per insertion, not per session).
            self.session.card_attempts = 0
            self.session.error_key = None
            self.session.access_key = None
            self.machine.fire(Trigger.CARD_INSERTED)  # the table says where a card is welcome

    def _on_card_removed(self, status: ReaderStatus) -> None:
        self.session.access_key = None
        if self.step in (Step.READING_CARD, Step.ACCESS_KEY) or (
            self.session.identified and self.config.session.end_on_card_removal
        ):
            self.machine.fire(Trigger.CARD_REMOVED)

    def submit_access_key(self, id_number: str, birth: str, expiry: str) -> dict[str, str]:
        """The citizen typed the key: 12-digit ID number, date of birth, date of expiry."""
        self.idle.touch()
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
            self.session.access_key = AccessKey.from_cccd(
                id_number, dates["birth"], dates["expiry"]
            )
            self.session.error_key = None
            self.machine.fire(Trigger.KEY_ENTERED)
        return errors

    def submit_can(self, can: str) -> dict[str, str]:
        """The 6-digit card access number printed on the card (PACE cards only)."""
        self.idle.touch()
        can = can.strip()
        if not (can.isdigit() and len(can) == 6):
            return {"can": "access.error.can"}
        self.session.access_key = AccessKey(can=can)
        self.session.key_candidates.clear()
        self.session.error_key = None
        self.machine.fire(Trigger.KEY_ENTERED)
        return {}

    def submit_mrz(self, text: str) -> str | None:
        """An MRZ typed by a keyboard-wedge scanner; returns a message key when unreadable."""
        self.idle.touch()
        try:
            info = parse_mrz(text)
        except CardError:
            return "access.error.mrz"
        self.session.access_key = AccessKey(
            info.document_number, info.date_of_birth, info.date_of_expiry
        )
        self.session.key_candidates.clear()
        self.session.error_key = None
        self.machine.fire(Trigger.KEY_ENTERED)
        return None

    # QR code on the card's front -------------------------------------------------
    def scan_qr(self) -> None:
        """Look for the card's QR code with the camera (until found or the step ends)."""
        if self.step is not Step.ACCESS_KEY or self._qr is not None:
            return
        self.idle.touch()
        self.devices.camera.start()
        self._qr = QrScanner(
            self.devices.camera, lambda text: self.dispatcher.post(self._on_qr, text)
        )
        self._qr.start()

    def stop_qr_scan(self) -> None:
        if self._qr is not None:
            self._qr.stop()
            self._qr = None
            self.devices.camera.stop()

    def _on_qr(self, text: str) -> None:
        self.stop_qr_scan()
        if self.step is not Step.ACCESS_KEY:
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
        self.session.access_key = keys[0]
        self.session.key_candidates = list(keys[1:])
        self.session.error_key = None
        self.qr_result.emit(None)
        self.machine.fire(Trigger.KEY_ENTERED)

    def _start_read(self) -> None:
        key = self.session.access_key
        if self._read_in_flight or not isinstance(key, AccessKey):
            return
        self._read_in_flight = True
        self.session.error_key = None
        deliver(
            self.devices.reader.read_card(key),
            self.dispatcher,
            self._on_card_read,
            self._on_card_error,
        )

    def _on_card_read(self, result: CardReadResult) -> None:
        self._read_in_flight = False
        self.session.access_key = None  # the chip is read: the key has done its job
        if self.step is not Step.READING_CARD:
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
        refused = (
            # No EF.SOD, nothing to check the data against: never accepted either.
            result.authenticity in ("data_altered", "not_checked")
            or result.active_authentication == "failed"  # a cloned chip
            or result.chip_authentication == "failed"
            or (
                result.authenticity == "signer_not_trusted"
                and self.config.devices.require_trusted_signer
            )
        )
        if refused:
            result.identity.wipe()
            error = NotGenuineError(result.detail)
            if result.authenticity == "signer_not_trusted" and "failed" not in (
                result.active_authentication,
                result.chip_authentication,
            ):
                error.message_key = "card.error.untrusted"
            self._on_card_error(error)
            return
        SCRUBBER.register(*result.identity.scrub_values())
        self.session.identity = result.identity
        self.session.authenticity = result.authenticity
        self.session.active_authentication = result.active_authentication
        self.machine.fire(Trigger.CARD_READ)

    def _on_card_error(self, error: BaseException) -> None:
        self._read_in_flight = False
        if self.step is not Step.READING_CARD:
            return
        if not isinstance(error, CardError):
            self.recover(error)
            return
        log.info(
            "card_read_failed",
            extra={
                "fields": {"error": type(error).__name__, "attempt": self.session.card_attempts}
            },
        )
        self.session.error_key = error.message_key
        if isinstance(error, CardRemovedError):
            self.machine.fire(Trigger.CARD_FAILED)
            return
        if isinstance(error, NotGenuineError):
            # Never accepted silently: a person looks at the card.
            self.machine.fire(Trigger.CARD_FAILED)
            self.machine.fire(Trigger.STAFF_CALLED)
            return
        self.session.card_attempts += 1
        if self.session.card_attempts >= MAX_CARD_ATTEMPTS:
            self.session.error_key = "card.error.too_many"
            self.machine.fire(Trigger.CARD_FAILED)
            self.machine.fire(Trigger.STAFF_CALLED)
        elif isinstance(error, AccessDeniedError):
            self.machine.fire(Trigger.KEY_REJECTED)
            if self.session.key_candidates:
                # Another expiry date the QR code allows: try it (still within 3 attempts).
                self.session.access_key = self.session.key_candidates.pop(0)
                self.machine.fire(Trigger.KEY_ENTERED)
            elif self.session.key_prefill is not None:
                self.session.error_key = "access.error.qr_expiry"
        else:
            self.machine.fire(Trigger.CARD_FAILED)

    # Face --------------------------------------------------------------------
    def face_confirmed(self) -> None:
        """Skip the face step as passed (tests, and the demo operator's panel only)."""
        self.fire(Trigger.FACE_MATCHED)

    def retry_face(self) -> None:
        """ "Try again" on the face-check screen."""
        if self.step is Step.FACE_CHECK:
            self.idle.touch()
            self.face.retry()

    def staff_confirm_face(self, staff_id: str, reason: str) -> None:
        """A staff member checked the citizen against the card by eye (the staff hook)."""
        self.face.staff_override(staff_id, reason)
        if self.step is Step.STAFF_HELP:
            self.machine.fire(Trigger.STAFF_DONE)
        self.machine.fire(Trigger.FACE_MATCHED)

    def _on_face_finished(self, matched: bool, key: str | None) -> None:
        if self.step is not Step.FACE_CHECK:
            return
        if matched:
            self.machine.fire(Trigger.FACE_MATCHED)
            return
        self.session.error_key = (
            key if key and key.startswith("face.error.") else ("face.result.staff")
        )
        self.machine.fire(Trigger.FACE_REJECTED)

    def _on_camera_state(self, state: Any) -> None:
        if str(state) == "unavailable" and self.step is Step.FACE_CHECK:
            self.face.camera_lost()

    # Procedure and form ------------------------------------------------------
    @property
    def procedure(self) -> Procedure | None:
        code = self.session.procedure_code
        return self.catalogue.procedure(code) if code else None

    def preload(self) -> None:
        """Before the first citizen, off the GUI thread: the face models (checked by sha256)
        and the administrative units (about 60 ms to read)."""
        self.face.preload()
        if self._units is None:
            self.tasks.run(
                load_admin_units,
                on_done=lambda units: setattr(self, "_units", self._units or units),
                on_error=self._log_error,
            )

    @property
    def units(self) -> AdminUnits:
        """The administrative units for address pages (preloaded; else read on first use)."""
        if self._units is None:
            self._units = load_admin_units()
        return self._units

    @property
    def form(self) -> FormSession | None:
        form = self.session.form
        return form if isinstance(form, FormSession) else None

    def choose_service(self, code: str) -> None:
        procedure = self.catalogue.procedure(code)  # KeyError for an unknown code
        self.session.procedure_code = code
        self.session.form = FormSession(
            procedure,
            self.prefilled,
            lambda: self.now().date(),
            self.units if any(f.kind == "address" for f in procedure.fields) else None,
            values=self.session.answers,
        )
        self.session.papers.clear()
        self.fire(Trigger.SERVICE_CHOSEN)

    def start_form(self) -> None:
        """Continue on the requirements screen: the form's first page."""
        form = self.form
        if form is not None:
            form.position = 0
            form.returning = False
        self.fire(Trigger.FORM_STARTED)

    def prefilled(self, field: FormField) -> str:
        """The answer the card gives for ``field`` ('' when it is not from the card)."""
        identity = self.session.identity
        if identity is None or field.source is None:
            return ""
        value: Any = getattr(identity, field.source)
        if isinstance(value, date):
            return value.strftime("%d/%m/%Y")
        return str(value or "")

    def answer(self, field: FormField) -> str:
        if field.from_card:
            return self.prefilled(field)
        return self.session.answers.get(field.key, "")

    def answer_page(self, value: str | dict[str, str]) -> dict[str, str]:
        """Continue on a form page: keep the answer and move on, or report its problems."""
        form = self.form
        if form is None or self.step is not Step.FILL_FORM:
            return {}
        self.idle.touch()
        problems = form.submit(value)
        self._register_answers(form)
        self.form_errors.emit(problems)
        if not problems:
            self._after_page(form)
        return problems

    def form_back(self) -> None:
        """ "Back" on a form page: the previous page, or the requirements screen."""
        form = self.form
        if form is not None and form.back():
            self.idle.touch()
            self.form_page_changed.emit()
        else:
            self.fire(Trigger.BACK)

    def complete_form(self, answers: dict[str, Any]) -> dict[str, str]:
        """Answer every page at once (scripts and tests); go on when all are fine."""
        form = self.form
        if form is None:
            return {}
        if self.step is Step.REQUIREMENTS:
            self.start_form()
        problems = form.fill(answers)
        self._register_answers(form)
        self.form_errors.emit(form.errors)
        if problems:
            self.form_page_changed.emit()
        else:
            self._after_page(form)
        return problems

    def _register_answers(self, form: FormSession) -> None:
        for value in form.values.values():
            SCRUBBER.register(value)

    def _after_page(self, form: FormSession) -> None:
        if not form.complete:
            self.form_page_changed.emit()
        elif self.papers_to_capture():
            self.fire(Trigger.PAPERS_NEEDED)
        else:
            self.fire(Trigger.FORM_COMPLETED)

    def request_change(self, key: str) -> None:
        """'Change' beside an answer: back to the form, at that question."""
        form = self.form
        if form is None:
            return
        form.go_to(key)
        self.fire(Trigger.CHANGE_REQUESTED)

    # Papers still needed -------------------------------------------------------
    def papers_needed(self) -> list[Document]:
        """The papers the state holds no data for, given the answers."""
        form = self.form
        return [d for d in form.documents() if d.still_needed] if form else []

    def papers_to_capture(self) -> list[Document]:
        """Papers still needed that the citizen has neither photographed nor deferred."""
        return [d for d in self.papers_needed() if d.key not in self.session.papers]

    def attach_paper(self, key: str, page: Any) -> None:
        """A photographed paper (a :class:`kiosk.scan.pages.CapturedPage`)."""
        self.idle.touch()
        self.session.papers[key] = page

    def start_paper_capture(self, key: str) -> None:
        """Photograph the paper ``key``: the camera looks for the page until it is taken."""
        if self.step is not Step.CAPTURE_PAPERS:
            return
        self.idle.touch()
        self.stop_paper_capture()
        self.paper_key, self.paper_taken = key, None
        self.devices.camera.start()
        scanner = PaperScanner(
            self.devices.camera,
            lambda detection, size: self.dispatcher.post(self._on_paper_progress, detection, size),
            lambda page: self.dispatcher.post(self._on_paper_taken, scanner, page),
            max_bytes=self.config.storage.paper_max_kb * 1000,
        )
        self._paper_scanner = scanner
        scanner.start()
        self.paper_changed.emit()

    def _on_paper_progress(self, detection: Any, size: tuple[int, int]) -> None:
        if self._paper_scanner is not None:
            self.paper_progress.emit(detection, size)

    def _on_paper_taken(self, scanner: PaperScanner, page: CapturedPage) -> None:
        if scanner is not self._paper_scanner:
            return  # a late photo from a capture that was cancelled
        self._paper_scanner = None
        self.devices.camera.stop()
        self.paper_taken = page
        self.paper_changed.emit()

    def keep_paper(self) -> None:
        """ "Use this photo": it goes into the dossier."""
        if self.paper_key is not None and self.paper_taken is not None:
            self.attach_paper(self.paper_key, self.paper_taken)
        self.paper_key, self.paper_taken = None, None
        self.paper_changed.emit()

    def stop_paper_capture(self) -> None:
        """Cancel or end a capture (the photo not kept is dropped)."""
        if self._paper_scanner is not None:
            self._paper_scanner.stop()
            self._paper_scanner = None
            self.devices.camera.stop()
        changed = self.paper_key is not None
        self.paper_key, self.paper_taken = None, None
        if changed:
            self.paper_changed.emit()

    def paper_at_counter(self, key: str) -> None:
        """The citizen will hand this paper in at the counter instead."""
        self.idle.touch()
        self.session.papers[key] = None

    def papers_done(self) -> None:
        for document in self.papers_to_capture():
            self.session.papers[document.key] = None
        self.fire(Trigger.PAPERS_DONE)

    def confirm_answers(self) -> None:
        form = self.form
        if form is not None:
            problems = form.problems()
            if problems:
                key = next(iter(problems))
                self.session.error_key = None
                form.go_to(key)
                self.fire(Trigger.CHANGE_REQUESTED)
                self.form_errors.emit({key: problems[key]})
                return
            if self.papers_to_capture():
                self.fire(Trigger.PAPERS_NEEDED)
                return
        self.fire(Trigger.ANSWERS_CONFIRMED)

    # Submission ----------------------------------------------------------------
    def _start_submit(self) -> None:
        procedure = self.procedure
        identity = self.session.identity
        form = self.form
        if procedure is None or identity is None or form is None or not form.complete:
            self.session.error_key = "submit.error.incomplete"
            self.machine.fire(Trigger.SUBMIT_FAILED)
            return
        content: dict[str, Any] = form.draft().as_content()
        content.update(
            {
                "card_authenticity": self.session.authenticity,
                "card_active_authentication": self.session.active_authentication,
                "citizen": {
                    "id_number": identity.id_number,
                    "full_name": identity.full_name,
                    "date_of_birth": identity.date_of_birth.isoformat(),
                    "place_of_residence": identity.place_of_residence,
                },
                "papers": _papers_content(self.session.papers),
                "face_check": (
                    self.face.outcome or FaceOutcome("not_checked", self.face.attempts)
                ).as_content(),
            }
        )
        receipt_name = identity.full_name
        self.tasks.run(
            self._submit_job,
            procedure,
            content,
            receipt_name,
            on_done=self._on_submitted,
            on_error=self._on_submit_error,
        )

    def _submit_job(
        self, procedure: Procedure, content: dict[str, Any], receipt_name: str
    ) -> tuple[DossierMeta, bytes | None]:
        """Runs on the task thread: number, seal, queue; then render the receipt.

        Queuing is the last step that can fail the submission.  Anything after it
        (rendering, printing) only affects the paper: the dossier stays queued
        and the citizen keeps its code, so a retry can never queue it twice.
        """
        received_at = self.now()

        def build(code: str) -> tuple[DossierMeta, bytes]:
            content["code"] = code
            content["received_at"] = received_at.isoformat(timespec="seconds")
            sealed = seal(
                json.dumps(content, ensure_ascii=False).encode("utf-8"),
                self.central_key,
                code.encode("ascii"),
            )
            meta = DossierMeta(
                code=code,
                procedure_code=procedure.code,
                received_at=received_at,
                appointment=procedure.processing_time.due(received_at),
            )
            return meta, sealed

        try:
            meta = self.outbox.submit(
                received_at.date(), lambda n: self.codes.code(received_at, n), build
            )
        finally:
            content.clear()
        code = meta.code
        try:
            pdf: bytes | None = render_receipt(
                ReceiptData(
                    centre_name=self.config.centre.name,
                    centre_address=self.config.centre.address,
                    dossier_code=code,
                    procedure_name=procedure.name(self.tr.language),
                    submitter_name=receipt_name,
                    received_at=received_at,
                    appointment=meta.appointment,
                ),
                self.tr,
            )
        except Exception:
            log.exception("receipt_render_failed")
            pdf = None
        return meta, pdf

    def _on_submitted(self, result: tuple[DossierMeta, bytes | None]) -> None:
        meta, pdf = result
        self.session.dossier_code = meta.code
        self.session.appointment = meta.appointment
        # The dossier is sealed and queued: the session no longer needs personal data.
        self.session.drop_personal_data()
        log.info("dossier_queued", extra={"fields": {"procedure": meta.procedure_code}})
        self.dossier_queued.emit(meta)
        self.print_error_key = None
        if pdf is None:
            self._on_print_failed(PrinterError("receipt could not be rendered"))
        else:
            deliver(
                self.devices.printer.print_pdf(pdf, f"receipt-{meta.code}"),
                self.dispatcher,
                self._on_printed,
                self._on_print_failed,
            )
        self.machine.fire(Trigger.SUBMITTED)

    def _on_printed(self, job: PrintJob) -> None:
        self.print_error_key = None
        self.receipt_printed.emit(None)

    def _on_print_failed(self, error: BaseException) -> None:
        self.print_error_key = (
            error.message_key if isinstance(error, PrinterError) else "printer.error.failed"
        )
        log.warning("receipt_not_printed", extra={"fields": {"error": type(error).__name__}})
        self.receipt_printed.emit(self.print_error_key)

    def _on_submit_error(self, error: BaseException) -> None:
        if isinstance(error, OutboxFullError) or isinstance(error, OSError):
            self.session.error_key = "submit.error.storage"
        else:
            log.error("submit_failed", exc_info=(type(error), error, error.__traceback__))
            self.session.error_key = "submit.error.failed"
        self.machine.fire(Trigger.SUBMIT_FAILED)

    def receipt_done(self) -> None:
        self.fire(Trigger.RECEIPT_DONE)

    # Rating --------------------------------------------------------------------
    def rate(self, level: str, reason: str = "") -> bool:
        if level not in RATING_LEVELS:
            raise ValueError(level)
        if level == "dissatisfied" and not reason.strip():
            self.rating_errors.emit("rating.error.reason_required")
            return False
        # The reason is free text a citizen typed (it may name them): sealed like a dossier.
        sealed = (
            seal(reason.strip().encode("utf-8"), self.central_key, b"rating")
            if reason.strip()
            else None
        )
        rating = QueuedRating(
            secrets.token_hex(16), level, self.session.procedure_code, sealed, self.now()
        )
        # Queued durably off the GUI thread; the sync worker sends it after the dossiers.
        self.tasks.run(
            self.outbox.put_rating,
            rating,
            on_done=lambda _: self.rating_queued.emit(),
            on_error=self._log_error,
        )
        log.info("rated", extra={"fields": {"level": level}})
        self.fire(Trigger.RATED)
        return True

    # Queue tickets -------------------------------------------------------------
    def take_queue_number(self, area_code: str) -> None:
        """Number and print a ticket; a second touch while one is on its way does nothing."""
        if self._ticket_in_flight or self.step is not Step.QUEUE_TICKET:
            return
        area = next(a for a in self.catalogue.queue_areas if a.code == area_code)
        self.idle.touch()
        self._ticket_in_flight = True

        def job() -> tuple[QueueTicket, bytes]:
            issued_at = self.now()
            serial = self.outbox.next_number("queue-" + area.code, issued_at.date())
            number = f"{area.code}{serial:03d}"
            pdf = render_queue_ticket(
                number, area.name(self.tr.language), issued_at, self.config.centre.name, self.tr
            )
            return QueueTicket(number, area.code, issued_at, None), pdf

        def numbered(result: tuple[QueueTicket, bytes]) -> None:
            self._ticket_in_flight = False
            ticket, pdf = result
            if self.step is not Step.QUEUE_TICKET:
                return  # the citizen left before the number came: print nothing
            self.last_ticket = ticket
            self.ticket_issued.emit(ticket)

            def printed(ok: bool) -> None:
                self.last_ticket = replace(ticket, printed=ok)
                self.ticket_printed.emit(self.last_ticket)

            deliver(
                self.devices.printer.print_pdf(pdf, f"ticket-{ticket.number}"),
                self.dispatcher,
                lambda _job: printed(True),
                lambda _exc: printed(False),
            )

        def failed(error: BaseException) -> None:
            self._ticket_in_flight = False
            self.recover(error)

        self.tasks.run(job, on_done=numbered, on_error=failed)

    # Lookup ----------------------------------------------------------------------
    def lookup(self, code: str, id_number: str) -> str | None:
        """Look a dossier up; returns a message key when the input is wrong."""
        code = code.strip().upper()
        if not CODE_PATTERN.match(code):
            return "lookup.error.code"
        if not (id_number.isdigit() and len(id_number) == 12):
            return "lookup.error.id"
        self.idle.touch()

        def job() -> LookupResult:
            # The centre knows every dossier and can check the ID number against it.
            if self.lookup_client is not None:
                outcome = self.lookup_client.dossier_status(code, id_number)
                if isinstance(outcome, Accepted):
                    return LookupResult(True, "lookup.status.received", code)
            # Offline, or not at the centre yet: what this kiosk still holds.
            entry = self.outbox.entry(code)
            if entry is None or entry.state == "sent":
                return LookupResult(False, "lookup.status.not_found", code)
            return LookupResult(True, "lookup.status.queued", code)

        def done(result: LookupResult) -> None:
            self.lookup_finished.emit(result)

        self.tasks.run(job, on_done=done, on_error=self.recover)
        return None


__all__ = ["Devices", "KioskCore", "LookupResult", "QueueTicket", "ReadStep"]
