"""Staff: "Gọi nhân viên" from any screen, staff mode (sign-in, dashboard), assisted
sessions and the face override, each action written to the audit trail.

Steps: ``staff_help`` (a side journey from anywhere, back to the step it was called
from), ``staff_sign_in`` and ``staff_dashboard`` (staff mode).  Staff mode is reached by
a hidden gesture on the start screen (:meth:`staff_mode`) or by a staff member's own
card, read and checked like a citizen's by the identify journey, which hands it over
through :meth:`take_staff_card`; never by a visible button.

The call: :meth:`call` queues an alert for the centre (kiosk, step, time) in the
kiosk's database, sent by the staff relay like a dossier; once the centre's staff
acknowledge it the citizen is told help is coming (``call_changed``).

Threading contract: every method and signal on the core thread; PINs (Argon2id) and
the database run on the task thread.  Without a staff desk (:meth:`attach` not called:
tests of other journeys) staff mode stays closed and the call is only shown.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devices.card.base import CardReadResult
from kiosk.base.dossier import DossierMeta
from kiosk.base.events import Signal
from kiosk.journeys.base import Journey, JourneyContext
from kiosk.journeys.face import FaceJourney
from kiosk.runtime.flow import Step, Transition, Trigger
from kiosk.staff.desk import SignInResult, StaffDesk
from kiosk.staff.directory import card_digest
from offline_cache.staff_store import DossierLine

log = logging.getLogger(__name__)

# Why a staff member confirmed a person by eye (the short list; free text is optional).
OVERRIDE_REASONS = ("photo_matches", "camera_trouble", "appearance_changed", "disability")


@dataclass(frozen=True)
class Dashboard:
    """What the staff dashboard shows: never a citizen's data, only codes and states."""

    dossiers: list[DossierLine]
    counts: dict[str, int]
    tickets: int
    devices: dict[str, str]
    open_calls: int = 0


@dataclass
class _Assist:
    staff_id: str = ""  # the staff member who started the session or confirmed the face
    override_reason: str = ""
    codes: list[str] = field(default_factory=list)


class StaffJourney(Journey):
    steps = frozenset({Step.STAFF_HELP, Step.STAFF_SIGN_IN, Step.STAFF_DASHBOARD})

    def __init__(self, context: JourneyContext, face: FaceJourney) -> None:
        super().__init__(context)
        self._face = face
        self.desk: StaffDesk | None = None
        self.relay: Any = None  # kiosk.staff.relay.StaffRelay when the kiosk talks to a centre
        self.device_status: Callable[[], dict[str, str]] = dict
        self.call_state: str | None = None  # queued | sent | acknowledged
        self.call_id: str | None = None
        self.card_sha256: str | None = None  # a staff card read, waiting for its PIN
        self.busy = False
        self._assist = _Assist()
        self.sign_in_failed = Signal("sign_in_failed")  # (SignInResult)
        self.dashboard_loaded = Signal("dashboard_loaded")  # (Dashboard)
        self.action_done = Signal("action_done")  # (message key)
        self.override_failed = Signal("override_failed")  # (SignInResult | message key)
        self.call_changed = Signal("call_changed")  # (state)
        reader, post = context.devices.reader, context.dispatcher.post
        reader.card_removed.connect(lambda _s: post(self._on_card_removed))

    def attach(self, desk: StaffDesk, relay: Any = None) -> None:
        """Open staff mode: the desk (sign-in, audit) and the relay to the centre."""
        self.desk = desk
        self.relay = relay
        if relay is not None:
            relay.acknowledged = self.acknowledged

    @property
    def operator(self) -> Any:
        return self.desk.operator if self.desk else None

    # Flow hooks ------------------------------------------------------------------------
    def entered(self, transition: Transition) -> None:
        if transition.target is Step.STAFF_DASHBOARD:
            self.refresh()

    def left(self, transition: Transition) -> None:
        if transition.source is Step.STAFF_SIGN_IN and transition.target is not Step.ACCESS_KEY:
            if transition.target is not Step.STAFF_DASHBOARD:
                self.card_sha256 = None

    def wiped(self) -> None:
        self._assist = _Assist()
        self.call_state = self.call_id = None
        self.card_sha256 = None
        self._end_staff_session("ended")

    def tick(self) -> None:
        """About once a second (the core's tick): the staff session's idle timeout."""
        desk = self.desk
        if desk is not None and desk.expired():
            self._end_staff_session("timeout")
            self.context.machine.fire(Trigger.STAFF_SIGNED_OUT)
        if self.call_state == "sent" and self.relay is not None:
            self.relay.kick()  # ask the centre whether someone acknowledged

    def touched(self) -> None:
        if self.desk is not None:
            self.desk.touch()

    # The call ----------------------------------------------------------------------------
    def call(self) -> None:
        """The citizen asked for a staff member: the centre is told (queued when offline)."""
        source = self.context.step
        if self.context.fire(Trigger.STAFF_CALLED) is None:
            return
        log.info("staff_called", extra={"fields": {"step": source.value}})
        if self.context.config.devices.call_chime:  # heard by staff nearby at once
            self.context.devices.speaker.chime()
        if self.desk is None:
            return
        call_id = secrets.token_hex(16)
        self.call_id, self.call_state = call_id, "queued"
        store, now = self.desk.store, self.context.now()

        def queue() -> None:
            store.add_call(call_id, source.value, now)
            if self.relay is not None:
                self.relay.kick()

        self._in_background(queue)
        self.call_changed.emit("queued")

    def withdraw(self) -> None:
        """ "Quay lại" on the help screen: the citizen no longer needs help and goes back to
        the step they were at, nothing lost.  A call still waiting in the kiosk is never
        sent; the centre's protocol has no withdrawal, so a call it already holds stays
        open there until a staff member acknowledges it."""
        call_id, state = self.call_id, self.call_state
        self.call_id = self.call_state = None
        if call_id and state in ("queued", "sent") and self.desk is not None:
            store, now = self.desk.store, self.context.now()
            self._in_background(store.mark_call, call_id, "withdrawn", now)
        log.info("staff_call_withdrawn", extra={"fields": {"state": state or "none"}})
        self.context.fire(Trigger.STAFF_DONE)

    def receipt_not_printed(self, code: str, message_key: str) -> None:
        """The citizen's receipt did not print: the staff are alerted like a call (queued
        when offline) with the printer's reason and the dossier code, never citizen data;
        the citizen's screen stays where it is.  The dashboard marks the dossier."""
        log.info("receipt_alert", extra={"fields": {"reason": message_key}})
        if self.context.config.devices.call_chime:  # staff nearby hear it at once
            self.context.devices.speaker.chime()
        if self.desk is None:
            return
        store, now, relay = self.desk.store, self.context.now(), self.relay
        detail = message_key.rsplit(".", 1)[-1]

        def queue() -> None:
            store.add_call(
                secrets.token_hex(16),
                Step.RECEIPT.value,
                now,
                reason="receipt_not_printed",
                detail=detail,
                dossier_code=code,
            )
            if relay is not None:
                relay.kick()

        self._in_background(queue)

    def acknowledged(self, call_id: str) -> None:
        """A staff member at the centre acknowledged the call (any thread)."""
        self.context.dispatcher.post(self._on_acknowledged, call_id)

    def _on_acknowledged(self, call_id: str) -> None:
        if call_id == self.call_id and self.call_state != "acknowledged":
            self.call_state = "acknowledged"
            self.call_changed.emit("acknowledged")

    def call_sent(self, call_id: str) -> None:
        """The relay delivered the call (any thread)."""
        self.context.dispatcher.post(self._on_sent, call_id)

    def _on_sent(self, call_id: str) -> None:
        if call_id == self.call_id and self.call_state == "queued":
            self.call_state = "sent"
            self.call_changed.emit("sent")

    # Staff mode --------------------------------------------------------------------------
    def staff_mode(self) -> None:
        """The hidden gesture on the start screen."""
        if self.desk is not None:
            self.context.fire(Trigger.STAFF_MODE)

    def take_staff_card(self, result: CardReadResult) -> bool:
        """The identify journey read a genuine card: True when it is a staff member's own
        (their ID number is then wiped at once; only its digest waits for the PIN)."""
        if self.desk is None:
            return False
        digest = card_digest(result.identity.id_number or "")
        try:
            known = self.desk.store.account_by_card(digest) is not None
        except Exception as exc:  # the staff tables unreadable: the citizen goes on as usual
            self.context.log_error(exc)
            return False
        if not known:
            return False
        result.identity.wipe()
        self.card_sha256 = digest
        self.context.machine.fire(Trigger.STAFF_CARD_READ)
        return True

    def sign_in(self, pin: str, staff_id: str = "") -> None:
        """The PIN after the staff card, or staff ID + PIN (where the centre allows)."""
        desk = self.desk
        if desk is None or self.busy or self.context.step is not Step.STAFF_SIGN_IN:
            return
        self.context.touch()
        self.busy = True
        digest = self.card_sha256
        if digest is not None:
            job: Callable[[], SignInResult] = lambda: desk.sign_in_digest(digest, pin)  # noqa: E731
        else:
            job = lambda: desk.sign_in_pin(staff_id, pin)  # noqa: E731
        self.context.tasks.run(job, on_done=self._signed_in, on_error=self._failed)

    def _signed_in(self, result: SignInResult) -> None:
        self.busy = False
        if result.ok and self.context.step is Step.STAFF_SIGN_IN:
            self.context.machine.fire(Trigger.STAFF_SIGNED_IN)
        elif not result.ok:
            self.sign_in_failed.emit(result)

    def _failed(self, error: BaseException) -> None:
        self.busy = False
        self.context.recover(error)

    def sign_out(self) -> None:
        self._end_staff_session("signed_out")
        self.context.fire(Trigger.STAFF_SIGNED_OUT)

    def _end_staff_session(self, reason: str) -> None:
        """The staff session ends now; its audit entry is written on the task thread."""
        desk = self.desk
        session = desk.session if desk else None
        if desk is None or session is None:
            return
        desk.session = None
        op = session.operator
        self._in_background(
            lambda: desk.trail.record(op.staff_id, op.role.value, "sign_out", reason=reason)
        )

    def _on_card_removed(self) -> None:
        desk = self.desk
        if desk is None or self.context.step not in (Step.STAFF_SIGN_IN, Step.STAFF_DASHBOARD):
            return
        by_card = desk.session is not None and desk.session.by_card
        if by_card or self.card_sha256 is not None:
            self._end_staff_session("card_removed")
            self.card_sha256 = None
            self.context.machine.fire(Trigger.STAFF_SIGNED_OUT)

    # The dashboard -----------------------------------------------------------------------
    def refresh(self) -> None:
        desk = self.desk
        if desk is None:
            return
        desk.touch()
        day = self.context.now().date()
        devices = self.device_status()
        outbox = self.context.outbox

        def load() -> Dashboard:
            status = outbox.status(self.context.now())
            return Dashboard(
                desk.store.dossiers_on(day),
                dict(status["counts"]),  # type: ignore[call-overload]
                desk.store.tickets_issued(day),
                devices,
                len(desk.store.calls_in("pending", "sent")),
            )

        self.context.tasks.run(load, on_done=self.dashboard_loaded.emit, on_error=self._failed)

    def retry(self, code: str) -> None:
        """Send a refused dossier again (the centre's reason stays visible until then)."""
        desk = self.desk
        if desk is None or desk.operator is None:
            return

        def job() -> bool:
            done = self.context.outbox.retry(code)
            desk.record("retry", code, queued=done)
            return done

        def finished(done: bool) -> None:
            if done and self.relay is not None:
                self.relay.kick_sync()
            self.action_done.emit("staff.done.retry" if done else "staff.done.retry_none")
            self.refresh()

        self.context.tasks.run(job, on_done=finished, on_error=self._failed)

    def reprint(self, code: str) -> None:
        """A receipt again, marked as a copy (no citizen data: the kiosk no longer has it)."""
        desk, context = self.desk, self.context
        if desk is None or desk.operator is None:
            return
        catalogue, language = context.catalogue, context.tr.language

        def job() -> bytes | None:
            meta = context.outbox.find(code)
            if meta is None:
                return None
            try:
                name = catalogue.procedure(meta.procedure_code).name(language)
            except KeyError:
                name = meta.procedure_code
            desk.record("reprint", code)
            return render_copy(context, meta, name)

        def printed(ok: bool) -> None:
            if not ok:
                self.action_done.emit("staff.done.reprint_failed")
                return

            def record() -> None:  # the dashboard's "receipt not printed" mark goes
                context.outbox.mark_receipt(code, True, context.now())

            def recorded(_none: object) -> None:
                self.action_done.emit("staff.done.reprint")
                self.refresh()

            context.tasks.run(record, on_done=recorded, on_error=context.log_error)

        def print_it(pdf: bytes | None) -> None:
            if pdf is None:
                return
            future = context.devices.printer.print_pdf(pdf, f"copy-{code}")
            future.add_done_callback(
                lambda f: context.dispatcher.post(printed, f.exception() is None)
            )

        context.tasks.run(job, on_done=print_it, on_error=self._failed)

    def start_assisted(self) -> None:
        """Start a session for a walk-in: the dossier records this staff member's ID."""
        desk = self.desk
        if desk is None or desk.operator is None:
            return
        op = desk.operator
        staff_id = op.staff_id
        self._in_background(lambda: desk.trail.record(staff_id, op.role.value, "assisted_session"))
        self._end_staff_session("assisted_session")
        self.context.fire(Trigger.SUBMIT_CHOSEN)
        self._assist.staff_id = staff_id  # after the flow moved: nothing wipes it now

    # The face override -------------------------------------------------------------------
    def override_face(self, staff_id: str, pin: str, reason: str, note: str = "") -> None:
        """On the staff help screen after a failed face check: a staff member (ID + PIN)
        confirms the citizen against the card photo, with a reason from the short list."""
        desk = self.desk
        if desk is None or self.busy or reason not in OVERRIDE_REASONS:
            self.override_failed.emit("staff.override.reason_needed")
            return
        self.busy = True
        self.context.touch()
        text = self.context.tr(f"staff.reason.{reason}") + (f": {note.strip()}" if note else "")

        def check() -> SignInResult:
            result = desk.check(staff_id.strip(), pin)
            if result.ok and result.operator is not None:
                op = result.operator
                desk.trail.record(
                    op.staff_id,
                    op.role.value,
                    "face_override",
                    reason=reason,
                    note_length=len(note.strip()),
                )
            return result

        def done(result: SignInResult) -> None:
            self.busy = False
            if not result.ok or result.operator is None:
                self.override_failed.emit(result)
                return
            self._assist.staff_id = self._assist.staff_id or result.operator.staff_id
            self._assist.override_reason = reason
            self.confirm_face(result.operator.staff_id, text)

        self.context.tasks.run(check, on_done=done, on_error=self._failed)

    def confirm_face(self, staff_id: str, reason: str) -> None:
        """A staff member checked the citizen against the card by eye (ValueError without
        an ID or a reason)."""
        self._face.staff_override(staff_id, reason)
        self.session.error_key = None  # the face step's problem is settled
        machine = self.context.machine
        if self.active:
            machine.fire(Trigger.STAFF_DONE)
        machine.fire(Trigger.FACE_MATCHED)

    def dossier_queued(self, meta: DossierMeta) -> None:
        """The submit journey queued a dossier: an assisted one records by whom."""
        staff_id = self._assist.staff_id
        if self.desk is None or not staff_id:
            return
        desk = self.desk

        def record() -> None:
            desk.store.set_assisted(meta.code, staff_id)
            desk.trail.record(staff_id, "staff", "assisted_dossier", meta.code)

        self._in_background(record)

    # Helpers -----------------------------------------------------------------------------
    def _in_background(self, job: Callable[..., object], *args: object) -> None:
        self.context.tasks.run(job, *args, on_done=_ignore, on_error=self.context.log_error)


def render_copy(context: JourneyContext, meta: DossierMeta, procedure_name: str) -> bytes:
    """The receipt of a queued dossier again, marked as a copy, without the citizen's name."""
    from kiosk.printing.receipt import ReceiptData, render_receipt

    centre = context.config.centre
    values: dict[str, Any] = {
        "centre_name": centre.name,
        "centre_address": centre.address,
        "dossier_code": meta.code,
        "procedure_name": procedure_name,
        "submitter_name": "",
        "received_at": meta.received_at,
        "appointment": meta.appointment,
        "copy": True,
        "kiosk_number": centre.kiosk_number,
    }
    return render_receipt(ReceiptData(**values), context.tr)


def _ignore(_result: object) -> None:
    pass


__all__ = ["OVERRIDE_REASONS", "Dashboard", "StaffJourney", "render_copy"]
