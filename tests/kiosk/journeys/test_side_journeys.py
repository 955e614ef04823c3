"""Rating, look-up and queue ticket journeys, each driven without the core."""

from __future__ import annotations

from kiosk.journeys.lookup import LookupJourney, LookupResult
from kiosk.journeys.rating import RatingJourney
from kiosk.journeys.ticket import QueueTicket, TicketJourney
from kiosk.runtime.flow import Step, Trigger
from offline_cache.sealing import open_sealed
from tests.kiosk.journeys.conftest import Rig


def test_not_satisfied_needs_a_reason_which_is_queued_sealed(rig: Rig) -> None:
    rating = RatingJourney(rig.context)
    errors: list[str] = []
    rating.errors.connect(errors.append)
    rig.route(rating, at=Step.RATING)
    assert not rating.rate("dissatisfied", "  ")
    assert errors == ["rating.error.reason_required"] and rig.step is Step.RATING
    assert rating.rate("dissatisfied", "Phải chờ quá lâu")
    assert rig.step is Step.GOODBYE
    assert rig.dispatcher.drain_until(lambda: bool(rig.outbox.pending_ratings()), 30)
    [queued] = rig.outbox.pending_ratings()
    assert queued.level == "dissatisfied"
    reason = open_sealed(queued.sealed_reason, rig.central_key, b"rating")
    assert reason.decode("utf-8") == "Phải chờ quá lâu"


def test_a_lookup_checks_the_input_then_answers_from_the_kiosks_queue(rig: Rig) -> None:
    lookup = LookupJourney(rig.context)
    results: list[LookupResult] = []
    lookup.finished.connect(results.append)
    rig.route(lookup, at=Step.LOOKUP)
    assert lookup.request("nonsense", "001190012345") == "lookup.error.code"
    assert lookup.request("000.00.01.H01-261120-K010001", "12") == "lookup.error.id"
    assert lookup.request("000.00.01.H01-261120-k010001", "001190012345") is None
    assert rig.dispatcher.drain_until(lambda: bool(results), 30)
    assert results == [
        LookupResult(False, "lookup.status.not_found", "000.00.01.H01-261120-K010001")
    ]


def test_each_ticket_takes_the_next_number_of_its_area_and_is_printed(rig: Rig) -> None:
    tickets = TicketJourney(rig.context)
    printed: list[QueueTicket] = []
    tickets.printed.connect(printed.append)
    rig.route(tickets, at=Step.QUEUE_TICKET)
    area = rig.context.catalogue.queue_areas[0].code
    for expected in (1, 2):
        tickets.take(area)
        tickets.take(area)  # a second touch while the first is on its way: nothing
        assert rig.dispatcher.drain_until(lambda n=expected: len(printed) == n, 30)
    assert [t.number for t in printed] == [f"{area}001", f"{area}002"]
    assert all(t.printed for t in printed) and len(rig.printer.jobs) == 2


def test_a_citizen_who_leaves_before_the_number_comes_gets_nothing_printed(rig: Rig) -> None:
    tickets = TicketJourney(rig.context)
    rig.route(tickets, at=Step.QUEUE_TICKET)
    tickets.take(rig.context.catalogue.queue_areas[0].code)
    rig.context.fire(Trigger.BACK)
    # One task worker, answers run in order: once a marker queued now is back, the
    # number has come (after the citizen left).
    marker: list[bool] = []
    rig.context.tasks.run(lambda: True, on_done=marker.append, on_error=lambda e: None)
    assert rig.dispatcher.drain_until(lambda: bool(marker), 20)
    rig.dispatcher.drain_until(lambda: False, 0.5)  # a print job, were one started, shows
    assert tickets.last is None and rig.printer.jobs == []
