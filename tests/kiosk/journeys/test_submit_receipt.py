"""The receipt's journey: the appointment in working days, a fee to pay by VietQR, and a
receipt that does not print (the dossier untouched, the staff alerted)."""

from __future__ import annotations

import json
from datetime import date, datetime

from kiosk.base.identity import CitizenIdentity
from kiosk.journeys.form import FormJourney
from kiosk.journeys.service import ServiceJourney
from kiosk.journeys.submit import SubmitJourney
from kiosk.payment import parse_payload, vietqr_payload
from kiosk.runtime.flow import Step
from offline_cache.sealing import open_sealed
from tests.conftest import BIRTH_ANSWERS
from tests.kiosk.journeys.conftest import Rig
from ui.tour_parts.payment import CRIMINAL_RECORD  # the demo's answers, once


def submit(
    rig: Rig, procedure: str, answers: dict[str, str], journey: SubmitJourney | None = None
) -> SubmitJourney:
    service, forms = ServiceJourney(rig.context), FormJourney(rig.context)
    journey = journey or SubmitJourney(rig.context)
    rig.context.session.identity = CitizenIdentity(
        "001190012345",
        "Trần Thị Lan",
        date(1990, 5, 17),
        place_of_residence="Hà Nội",
        sex="Nữ",
        nationality="Việt Nam",
    )
    rig.route(service, forms, journey, at=Step.CHOOSE_SERVICE)
    service.choose(procedure)
    assert forms.complete(dict(answers)) == {}
    forms.confirm_answers()
    rig.wait_for(Step.RECEIPT)
    return journey


def sealed_content(rig: Rig) -> dict[str, object]:
    [queued] = rig.outbox.pending()
    code = queued.meta.code
    return json.loads(open_sealed(queued.sealed, rig.central_key, code.encode()).decode())


def test_a_receipt_that_does_not_print_alerts_the_staff_and_leaves_the_dossier_queued(
    rig: Rig,
) -> None:
    rig.printer.paper_out = True
    alerts: list[tuple[str, str]] = []
    journey = SubmitJourney(rig.context)
    journey.print_failed.connect(lambda code, key: alerts.append((code, key)))
    submit(rig, "LT-KS-TT-BHYT", BIRTH_ANSWERS, journey)
    assert rig.dispatcher.drain_until(lambda: alerts != [], 30)
    code = rig.context.session.dossier_code
    assert alerts == [(code, "printer.error.paper_out")]
    assert journey.print_error_key == "printer.error.paper_out"
    assert rig.step is Step.RECEIPT  # the citizen still sees the code, as a QR to photograph
    [queued] = rig.outbox.pending()
    assert queued.meta.code == code and sealed_content(rig)["code"] == code


def test_the_appointment_skips_tet_and_counts_a_make_up_saturday(rig: Rig) -> None:
    # Received Thursday 12/2/2026 at 9:30; the centre is also off Friday 13/2 and works
    # Saturday 28/2.  Three working days: Monday 23, Tuesday 24, Wednesday 25/2.
    rig.context.config = rig.context.config.replace(
        calendar={"days_off": "2026-02-13", "workdays": "2026-02-28"}
    )
    rig.context.now = lambda: datetime(2026, 2, 12, 9, 30)
    submit(rig, "LT-KS-TT-BHYT", BIRTH_ANSWERS)
    assert rig.context.session.appointment == date(2026, 2, 25)
    [queued] = rig.outbox.pending()
    assert queued.meta.appointment == date(2026, 2, 25)  # what the look-up shows


def test_a_fee_is_recorded_to_pay_and_offered_as_vietqr(rig: Rig) -> None:
    rig.context.config = rig.context.config.replace(
        payment={"bank_bin": "970436", "account": "0011001234567"}
    )
    journey = submit(rig, "TP-LLTP", CRIMINAL_RECORD)
    code = rig.context.session.dossier_code
    assert journey.fee_vnd == 200000
    payment = sealed_content(rig)["payment"]
    assert payment == {"status": "to_pay", "amount_vnd": 200000, "reference": code}
    assert journey.payment is not None
    fields = parse_payload(vietqr_payload(journey.payment))
    assert fields["54"] == "200000" and fields["62"] == {"08": code}


def test_no_account_configured_means_no_fee_code_but_still_to_pay(rig: Rig) -> None:
    journey = submit(rig, "TP-LLTP", CRIMINAL_RECORD)
    assert journey.payment is None
    assert sealed_content(rig)["payment"]["status"] == "to_pay"


def test_a_free_procedure_has_nothing_to_pay(rig: Rig) -> None:
    rig.context.config = rig.context.config.replace(payment={"account": "0011001234567"})
    journey = submit(rig, "LT-KS-TT-BHYT", BIRTH_ANSWERS)
    assert journey.payment is None and sealed_content(rig)["payment"]["status"] == "none"


def test_a_receipt_still_in_the_printer_when_the_session_ends_never_comes_out(rig: Rig) -> None:
    rig.printer.hold_s = 30  # a printer that takes its time
    submit(rig, "LT-KS-TT-BHYT", BIRTH_ANSWERS)
    code = rig.context.session.dossier_code
    assert rig.journeys is not None
    rig.journeys.wipe()  # the citizen left; the next one comes
    assert rig.dispatcher.drain_until(lambda: rig.printer.cancelled != [], 30)
    assert rig.printer.cancelled == [f"receipt-{code}"] and rig.printer.jobs == []
    assert [q.meta.code for q in rig.outbox.pending()] == [code]
