"""The citizen session as an explicit state machine (no Qt, no I/O).

The whole navigation lives in :data:`TRANSITIONS` and :data:`SESSION_WIDE`,
so a reviewer reads one table to know where any button or device event can
lead.  Screens never decide where to go next: they fire a :class:`Trigger`
and render whatever :class:`Step` the machine is in.

Threading: a :class:`FlowMachine` is used from one thread only (the core's,
which is the GUI thread in the application); device events reach it through
the core's dispatcher.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from kiosk.base.events import Signal

log = logging.getLogger(__name__)


class Step(StrEnum):
    ATTRACT = "attract"
    INSERT_CARD = "insert_card"
    ACCESS_KEY = "access_key"
    READING_CARD = "reading_card"
    FACE_CHECK = "face_check"
    CHOOSE_SERVICE = "choose_service"
    REQUIREMENTS = "requirements"
    FILL_FORM = "fill_form"
    CAPTURE_PAPERS = "capture_papers"
    CHECK_ANSWERS = "check_answers"
    SUBMITTING = "submitting"
    RECEIPT = "receipt"
    RATING = "rating"
    GOODBYE = "goodbye"
    # Side journeys
    LOOKUP = "lookup"
    QUEUE_TICKET = "queue_ticket"
    BROWSE = "browse"
    STAFF_HELP = "staff_help"
    # Staff mode (a hidden gesture or a staff member's own card; never a visible button)
    STAFF_SIGN_IN = "staff_sign_in"
    STAFF_DASHBOARD = "staff_dashboard"


class Trigger(StrEnum):
    # Tiles on the attract screen
    SUBMIT_CHOSEN = "submit_chosen"
    LOOKUP_CHOSEN = "lookup_chosen"
    QUEUE_CHOSEN = "queue_chosen"
    BROWSE_CHOSEN = "browse_chosen"
    RATING_CHOSEN = "rating_chosen"
    # Card and face
    CARD_INSERTED = "card_inserted"
    KEY_ENTERED = "key_entered"
    KEY_REJECTED = "key_rejected"
    CARD_READ = "card_read"
    CARD_FAILED = "card_failed"
    CARD_REMOVED = "card_removed"
    FACE_MATCHED = "face_matched"
    FACE_REJECTED = "face_rejected"
    # Procedure
    SERVICE_CHOSEN = "service_chosen"
    FORM_STARTED = "form_started"
    FORM_COMPLETED = "form_completed"
    PAPERS_NEEDED = "papers_needed"
    PAPERS_DONE = "papers_done"
    CHANGE_REQUESTED = "change_requested"
    ANSWERS_CONFIRMED = "answers_confirmed"
    SUBMITTED = "submitted"
    SUBMIT_FAILED = "submit_failed"
    RECEIPT_DONE = "receipt_done"
    RATED = "rated"
    RATING_SKIPPED = "rating_skipped"
    # Navigation and session end
    BACK = "back"
    FINISHED = "finished"
    GOODBYE_ELAPSED = "goodbye_elapsed"
    STAFF_CALLED = "staff_called"
    STAFF_DONE = "staff_done"
    STAFF_MODE = "staff_mode"  # the hidden gesture
    STAFF_CARD_READ = "staff_card_read"  # a staff member's own card, read and verified
    STAFF_SIGNED_IN = "staff_signed_in"
    STAFF_SIGNED_OUT = "staff_signed_out"  # signed out, timed out or the card taken away
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    CRASHED = "crashed"


class EndReason(StrEnum):
    """Why a session ended; shown (without personal data) on the next screen."""

    FINISHED = "finished"
    CANCELLED = "cancelled"
    TIMED_OUT = "timed_out"
    CARD_REMOVED = "card_removed"
    CRASHED = "crashed"


RETURN = "<return>"
"""Target meaning 'back to the step the side journey was opened from'."""

S, T = Step, Trigger

TRANSITIONS: dict[Step, dict[Trigger, Step | str]] = {
    S.ATTRACT: {
        T.SUBMIT_CHOSEN: S.INSERT_CARD,
        # Placing the card on the reader is the quickest way in ("login by card").
        T.CARD_INSERTED: S.ACCESS_KEY,
        T.LOOKUP_CHOSEN: S.LOOKUP,
        T.QUEUE_CHOSEN: S.QUEUE_TICKET,
        T.BROWSE_CHOSEN: S.BROWSE,
        T.RATING_CHOSEN: S.RATING,
        T.STAFF_MODE: S.STAFF_SIGN_IN,
    },
    S.INSERT_CARD: {T.CARD_INSERTED: S.ACCESS_KEY, T.BACK: S.ATTRACT},
    # The chip opens only with its access key (ID number and dates, or the QR code).
    S.ACCESS_KEY: {T.KEY_ENTERED: S.READING_CARD, T.CARD_REMOVED: S.INSERT_CARD, T.BACK: S.ATTRACT},
    S.READING_CARD: {
        T.CARD_READ: S.FACE_CHECK,
        T.KEY_REJECTED: S.ACCESS_KEY,
        T.CARD_FAILED: S.INSERT_CARD,
        T.CARD_REMOVED: S.INSERT_CARD,
        T.STAFF_CARD_READ: S.STAFF_SIGN_IN,
    },
    S.FACE_CHECK: {T.FACE_MATCHED: S.CHOOSE_SERVICE, T.FACE_REJECTED: S.STAFF_HELP},
    S.CHOOSE_SERVICE: {T.SERVICE_CHOSEN: S.REQUIREMENTS},
    # What the card fills in, which papers are no longer needed, fee and time: then the form.
    S.REQUIREMENTS: {T.FORM_STARTED: S.FILL_FORM, T.BACK: S.CHOOSE_SERVICE},
    # BACK here is "back" on the form's first page; the form pages among themselves.
    S.FILL_FORM: {
        T.FORM_COMPLETED: S.CHECK_ANSWERS,
        T.PAPERS_NEEDED: S.CAPTURE_PAPERS,
        T.BACK: S.REQUIREMENTS,
    },
    # A paper the state holds no data for: photographed here, or brought to the counter.
    S.CAPTURE_PAPERS: {T.PAPERS_DONE: S.CHECK_ANSWERS, T.BACK: S.FILL_FORM},
    S.CHECK_ANSWERS: {
        T.ANSWERS_CONFIRMED: S.SUBMITTING,
        T.CHANGE_REQUESTED: S.FILL_FORM,
        T.PAPERS_NEEDED: S.CAPTURE_PAPERS,
        T.BACK: S.FILL_FORM,
    },
    S.SUBMITTING: {T.SUBMITTED: S.RECEIPT, T.SUBMIT_FAILED: S.CHECK_ANSWERS},
    S.RECEIPT: {T.RECEIPT_DONE: S.RATING},
    S.RATING: {T.RATED: S.GOODBYE, T.RATING_SKIPPED: S.GOODBYE},
    # The session is already wiped on the goodbye screen; a card placed now starts afresh.
    S.GOODBYE: {
        T.GOODBYE_ELAPSED: S.ATTRACT,
        T.FINISHED: S.ATTRACT,
        T.CARD_INSERTED: S.READING_CARD,
    },
    S.LOOKUP: {T.FINISHED: S.ATTRACT, T.BACK: S.ATTRACT},
    S.QUEUE_TICKET: {T.FINISHED: S.ATTRACT, T.BACK: S.ATTRACT},
    S.BROWSE: {T.FINISHED: S.ATTRACT, T.BACK: S.ATTRACT, T.SUBMIT_CHOSEN: S.INSERT_CARD},
    S.STAFF_HELP: {T.STAFF_DONE: RETURN},
    # The staff card is read like a citizen's (access key, chip, forgery checks).
    S.STAFF_SIGN_IN: {
        T.STAFF_SIGNED_IN: S.STAFF_DASHBOARD,
        T.CARD_INSERTED: S.ACCESS_KEY,
        T.BACK: S.ATTRACT,
        T.STAFF_SIGNED_OUT: S.ATTRACT,
    },
    # An assisted session starts from the dashboard: the citizen's card, as usual.
    S.STAFF_DASHBOARD: {T.SUBMIT_CHOSEN: S.INSERT_CARD, T.STAFF_SIGNED_OUT: S.ATTRACT},
}

IDENTIFIED_STEPS: frozenset[Step] = frozenset(
    {
        S.FACE_CHECK,
        S.CHOOSE_SERVICE,
        S.REQUIREMENTS,
        S.FILL_FORM,
        S.CAPTURE_PAPERS,
        S.CHECK_ANSWERS,
    }
)
"""Steps in which the citizen's card data is on screen or in use.

Removing the card here ends the session.  From SUBMITTING on, the dossier is
already sealed and queued and the personal data dropped, so taking the card
back is expected and harmless.
"""

UNINTERRUPTIBLE_STEPS: frozenset[Step] = frozenset({S.SUBMITTING})
"""Steps that neither time out nor can be cancelled: a dossier is being written."""

SESSION_WIDE: dict[Trigger, Step] = {
    T.CANCELLED: S.GOODBYE,
    T.TIMED_OUT: S.ATTRACT,
    T.CRASHED: S.ATTRACT,
    T.STAFF_CALLED: S.STAFF_HELP,
}
"""Triggers accepted in every step of a session (never in UNINTERRUPTIBLE_STEPS).

STAFF_CALLED is accepted on the start screen too; the others are not accepted
in SESSION_END_STEPS, where there is no session left to end.
"""

END_REASONS: dict[Trigger, EndReason] = {
    T.CANCELLED: EndReason.CANCELLED,
    T.TIMED_OUT: EndReason.TIMED_OUT,
    T.CRASHED: EndReason.CRASHED,
    T.CARD_REMOVED: EndReason.CARD_REMOVED,
    T.RATED: EndReason.FINISHED,
    T.RATING_SKIPPED: EndReason.FINISHED,
    T.GOODBYE_ELAPSED: EndReason.FINISHED,
    T.FINISHED: EndReason.FINISHED,
    T.BACK: EndReason.FINISHED,
}

SESSION_END_STEPS: frozenset[Step] = frozenset({S.ATTRACT, S.GOODBYE})
"""Entering one of these ends the citizen session: the core wipes everything personal."""


def _card_removed_target(step: Step) -> Step | None:
    if step in IDENTIFIED_STEPS:
        return S.ATTRACT
    return None


@dataclass(frozen=True)
class Transition:
    source: Step
    trigger: Trigger
    target: Step

    @property
    def end_reason(self) -> EndReason | None:
        """Why the session ended, if this transition ends it."""
        if self.target not in SESSION_END_STEPS or self.source in SESSION_END_STEPS:
            return None
        return END_REASONS.get(self.trigger, EndReason.FINISHED)


class FlowMachine:
    """Holds the current step and applies triggers according to the table.

    ``step_changed`` fires with the :class:`Transition` after every change.
    An unknown trigger for the current step (a late device event, a double
    tap) changes nothing and returns ``None``.
    """

    def __init__(self, initial: Step = Step.ATTRACT) -> None:
        self._step = initial
        self._return_to: list[Step] = []
        self.step_changed = Signal("step_changed")

    @property
    def step(self) -> Step:
        return self._step

    def target_for(self, trigger: Trigger) -> Step | None:
        """Where ``trigger`` would lead from the current step, or ``None``."""
        step = self._step
        target: Step | str | None = TRANSITIONS.get(step, {}).get(trigger)
        if target is None and trigger is T.CARD_REMOVED:
            target = _card_removed_target(step)
            if target is None and step is S.STAFF_HELP and self._return_to:
                target = _card_removed_target(self._return_to[-1])
        if target is None and trigger in SESSION_WIDE and step not in UNINTERRUPTIBLE_STEPS:
            if trigger is T.STAFF_CALLED:
                # Help can be asked for from anywhere, the start screen included.
                applicable = step is not S.STAFF_HELP
            else:
                applicable = step not in SESSION_END_STEPS
            if applicable:
                target = SESSION_WIDE[trigger]
        if target == RETURN:
            return self._return_to[-1] if self._return_to else S.ATTRACT
        return target if target is None else Step(target)

    def can_fire(self, trigger: Trigger) -> bool:
        return self.target_for(trigger) is not None

    def fire(self, trigger: Trigger) -> Transition | None:
        target = self.target_for(trigger)
        if target is None:
            log.debug("trigger_ignored", extra={"fields": {"step": self._step, "trigger": trigger}})
            return None
        source = self._step
        if target is S.STAFF_HELP and source is not S.STAFF_HELP:
            self._return_to.append(source)
        elif source is S.STAFF_HELP and self._return_to:
            self._return_to.pop()
        if target in SESSION_END_STEPS:
            self._return_to.clear()
        self._step = target
        transition = Transition(source, trigger, target)
        log.info(
            "step_changed",
            extra={"fields": {"from": source.value, "trigger": trigger.value, "to": target.value}},
        )
        self.step_changed.emit(transition)
        return transition


def reachable_steps(start: Step = Step.ATTRACT) -> set[Step]:
    """All steps reachable from ``start`` through the tables (for tests and docs)."""
    seen = {start}
    frontier = [start]
    while frontier:
        step = frontier.pop()
        targets = [t for t in TRANSITIONS.get(step, {}).values() if t != RETURN]
        targets += list(SESSION_WIDE.values())
        for target in targets:
            target = Step(target)
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    return seen
