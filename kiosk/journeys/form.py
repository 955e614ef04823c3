"""The form: one question a page, then the citizen checks the answers.

Steps: ``fill_form`` ⇄ ``check_answers`` (and ``capture_papers`` in between when a
paper is still needed).  The form engine (:class:`kiosk.forms.engine.FormSession`)
computes the pages from the answers; this controller turns the citizen's
Continue, Back and Change into engine calls and flow triggers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from kiosk.base.events import Signal
from kiosk.catalogue.model import FormField
from kiosk.forms.engine import FormSession
from kiosk.journeys.base import Journey, JourneyContext
from kiosk.journeys.papers import papers_to_capture
from kiosk.runtime.flow import Step, Transition, Trigger
from kiosk.runtime.logs import SCRUBBER
from kiosk.runtime.session import CitizenSession


def prefilled(session: CitizenSession, field: FormField) -> str:
    """The answer the card gives for ``field`` ('' when it is not from the card)."""
    identity = session.identity
    if identity is None or field.source is None:
        return ""
    value: Any = getattr(identity, field.source)
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value or "")


class FormJourney(Journey):
    steps = frozenset({Step.FILL_FORM, Step.CHECK_ANSWERS})

    def __init__(self, context: JourneyContext) -> None:
        super().__init__(context)
        self.errors = Signal("form_errors")  # (dict[input key, message key])
        self.page_changed = Signal("form_page_changed")  # (): the form shows another page

    @property
    def form(self) -> FormSession | None:
        form = self.session.form
        return form if isinstance(form, FormSession) else None

    def entered(self, transition: Transition) -> None:
        if (
            transition.target is Step.FILL_FORM
            and transition.trigger is Trigger.BACK
            and self.form is not None
        ):
            self.form.go_to_last()  # back from the check answers or the papers: the last page

    def answer(self, field: FormField) -> str:
        """What the check-answers page shows for ``field``."""
        if field.from_card:
            return prefilled(self.session, field)
        return self.session.answers.get(field.key, "")

    def start(self) -> None:
        """Continue on the requirements screen: the form's first page."""
        form = self.form
        if form is not None:
            form.position = 0
            form.returning = False
        self.context.fire(Trigger.FORM_STARTED)

    def answer_page(self, value: str | dict[str, str]) -> dict[str, str]:
        """Continue on a form page: keep the answer and move on, or report its problems."""
        form = self.form
        if form is None or self.context.step is not Step.FILL_FORM:
            return {}
        self.context.touch()
        problems = form.submit(value)
        self._register_answers(form)
        self.errors.emit(problems)
        if not problems:
            self._after_page(form)
        return problems

    def back(self) -> None:
        """ "Back" on a form page: the previous page, or the requirements screen."""
        form = self.form
        if form is not None and form.back():
            self.context.touch()
            self.page_changed.emit()
        else:
            self.context.fire(Trigger.BACK)

    def complete(self, answers: dict[str, Any]) -> dict[str, str]:
        """Answer every page at once (scripts and tests); go on when all are fine."""
        form = self.form
        if form is None:
            return {}
        if self.context.step is Step.REQUIREMENTS:
            self.start()
        problems = form.fill(answers)
        self._register_answers(form)
        self.errors.emit(form.errors)
        if problems:
            self.page_changed.emit()
        else:
            self._after_page(form)
        return problems

    def _register_answers(self, form: FormSession) -> None:
        for value in form.values.values():
            SCRUBBER.register(value)

    def _after_page(self, form: FormSession) -> None:
        if not form.complete:
            self.page_changed.emit()
        elif papers_to_capture(self.session):
            self.context.fire(Trigger.PAPERS_NEEDED)
        else:
            self.context.fire(Trigger.FORM_COMPLETED)

    def request_change(self, key: str) -> None:
        """'Change' beside an answer: back to the form, at that question."""
        form = self.form
        if form is None:
            return
        form.go_to(key)
        self.context.fire(Trigger.CHANGE_REQUESTED)

    def confirm_answers(self) -> None:
        """'Send' on the check-answers page: submit, unless something is missing."""
        form = self.form
        if form is not None:
            problems = form.problems()
            if problems:
                key = next(iter(problems))
                self.session.error_key = None
                form.go_to(key)
                self.context.fire(Trigger.CHANGE_REQUESTED)
                self.errors.emit({key: problems[key]})
                return
            if papers_to_capture(self.session):
                self.context.fire(Trigger.PAPERS_NEEDED)
                return
        self.context.fire(Trigger.ANSWERS_CONFIRMED)
