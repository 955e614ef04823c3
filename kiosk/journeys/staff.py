"""Staff help: "Gọi nhân viên" from any screen, and what a staff member decides there.

Step: ``staff_help`` (a side journey from anywhere; it returns to the step it was
called from).  The face journey's staff fallback lands here: a staff member who
checked the citizen against the card by eye confirms them with their ID and a reason.
"""

from __future__ import annotations

import logging

from kiosk.journeys.base import Journey, JourneyContext
from kiosk.journeys.face import FaceJourney
from kiosk.runtime.flow import Step, Trigger

log = logging.getLogger(__name__)


class StaffJourney(Journey):
    steps = frozenset({Step.STAFF_HELP})

    def __init__(self, context: JourneyContext, face: FaceJourney) -> None:
        super().__init__(context)
        self._face = face

    def call(self) -> None:
        """The citizen asked for a staff member."""
        source = self.context.step
        if self.context.fire(Trigger.STAFF_CALLED) is not None:
            log.info("staff_called", extra={"fields": {"step": source.value}})

    def confirm_face(self, staff_id: str, reason: str) -> None:
        """A staff member checked the citizen against the card by eye (ValueError without
        an ID or a reason)."""
        self._face.staff_override(staff_id, reason)
        machine = self.context.machine
        if self.active:
            machine.fire(Trigger.STAFF_DONE)
        machine.fire(Trigger.FACE_MATCHED)
