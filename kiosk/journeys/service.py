"""Choose a service: find the procedure, then read its requirements before the form.

Steps: ``choose_service`` → ``requirements``; ``browse`` is the same catalogue read
without a card (the citizen can then go on to submit the procedure read about).
Choosing a procedure starts its form over the session's answers.
"""

from __future__ import annotations

from kiosk.catalogue.model import Procedure
from kiosk.forms.engine import FormSession
from kiosk.journeys.base import Journey
from kiosk.journeys.form import prefilled
from kiosk.runtime.flow import Step, Trigger


class ServiceJourney(Journey):
    steps = frozenset({Step.CHOOSE_SERVICE, Step.REQUIREMENTS, Step.BROWSE})

    @property
    def procedure(self) -> Procedure | None:
        """The procedure chosen in this session."""
        code = self.session.procedure_code
        return self.context.catalogue.procedure(code) if code else None

    def choose(self, code: str) -> None:
        """The citizen picked a procedure: its requirements come next."""
        context = self.context
        procedure = context.catalogue.procedure(code)  # KeyError for an unknown code
        session = self.session
        session.procedure_code = code
        session.form = FormSession(
            procedure,
            lambda field: prefilled(session, field),
            lambda: context.now().date(),
            context.units if any(f.kind == "address" for f in procedure.fields) else None,
            values=session.answers,
        )
        session.papers.clear()
        context.fire(Trigger.SERVICE_CHOSEN)
