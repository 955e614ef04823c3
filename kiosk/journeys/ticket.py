"""Queue ticket: choose an area, get the day's next number on paper.

Step: ``queue_ticket``.  The number is taken durably (one counter per area and
day) off the GUI thread; a second touch while a ticket is on its way does nothing,
and a citizen who left before the number came gets nothing printed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from kiosk.base.events import Signal
from kiosk.journeys.base import Journey, JourneyContext
from kiosk.runtime.flow import Step
from kiosk.runtime.tasks import deliver


@dataclass(frozen=True)
class QueueTicket:
    number: str
    area_code: str
    issued_at: datetime
    printed: bool | None  # None while the printer works


class TicketJourney(Journey):
    steps = frozenset({Step.QUEUE_TICKET})

    def __init__(self, context: JourneyContext) -> None:
        super().__init__(context)
        self.last: QueueTicket | None = None
        self._in_flight = False
        self.issued = Signal("ticket_issued")  # (QueueTicket)
        self.printed = Signal("ticket_printed")  # (QueueTicket)

    def take(self, area_code: str) -> None:
        """Number and print a ticket for the area ``area_code``."""
        if self._in_flight or not self.active:
            return
        context = self.context
        area = next(a for a in context.catalogue.queue_areas if a.code == area_code)
        context.touch()
        self._in_flight = True
        area_name = area.name(context.tr.language)

        def job() -> tuple[QueueTicket, bytes]:
            from kiosk.printing.receipt import render_queue_ticket

            issued_at = context.now()
            serial = context.outbox.next_number("queue-" + area.code, issued_at.date())
            number = f"{area.code}{serial:03d}"
            pdf = render_queue_ticket(
                number, area_name, issued_at, context.config.centre.name, context.tr
            )
            return QueueTicket(number, area.code, issued_at, None), pdf

        context.tasks.run(job, on_done=self._numbered, on_error=self._failed)

    def _numbered(self, result: tuple[QueueTicket, bytes]) -> None:
        self._in_flight = False
        ticket, pdf = result
        if not self.active:
            return  # the citizen left before the number came: print nothing
        self.last = ticket
        self.issued.emit(ticket)

        def printed(ok: bool) -> None:
            self.last = replace(ticket, printed=ok)
            self.printed.emit(self.last)

        deliver(
            self.context.devices.printer.print_pdf(pdf, f"ticket-{ticket.number}"),
            self.context.dispatcher,
            lambda _job: printed(True),
            lambda _exc: printed(False),
        )

    def _failed(self, error: BaseException) -> None:
        self._in_flight = False
        self.context.recover(error)
