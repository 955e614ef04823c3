"""Look-up: a dossier's status by its code and the submitter's ID number.

Step: ``lookup``.  The centre knows every dossier and checks the ID number against
it; offline, or before the dossier reaches the centre, the kiosk answers from its
own queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.base.central import Accepted
from kiosk.base.dossier import CODE_PATTERN
from kiosk.base.events import Signal
from kiosk.journeys.base import Journey, JourneyContext
from kiosk.runtime.flow import Step


@dataclass(frozen=True)
class LookupResult:
    found: bool
    status_key: str
    code: str


class LookupJourney(Journey):
    steps = frozenset({Step.LOOKUP})

    def __init__(self, context: JourneyContext) -> None:
        super().__init__(context)
        self.client: Any = None  # kiosk.central.client.CentralClient (used on the task thread)
        self.finished = Signal("lookup_finished")  # (LookupResult)

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
        if self.client is not None:
            if isinstance(self.client.dossier_status(code, id_number), Accepted):
                return LookupResult(True, "lookup.status.received", code)
        entry = self.context.outbox.entry(code)
        if entry is None or entry.state == "sent":
            return LookupResult(False, "lookup.status.not_found", code)
        return LookupResult(True, "lookup.status.queued", code)
