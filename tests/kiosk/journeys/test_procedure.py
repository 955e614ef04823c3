"""Service, form, papers and submit journeys, each driven without the core."""

from __future__ import annotations

import json
from datetime import date

from kiosk.base.identity import CitizenIdentity
from kiosk.journeys.form import FormJourney
from kiosk.journeys.papers import PapersJourney
from kiosk.journeys.service import ServiceJourney
from kiosk.journeys.submit import SubmitJourney
from kiosk.runtime.flow import Step, Trigger
from offline_cache.sealing import open_sealed
from tests.conftest import BIRTH_ANSWERS
from tests.kiosk.journeys.conftest import Rig

PROCEDURE = "LT-KS-TT-BHYT"


def _identified(rig: Rig) -> CitizenIdentity:
    identity = CitizenIdentity(
        "001190012345", "Trần Thị Lan", date(1990, 5, 17), place_of_residence="Hà Nội"
    )
    rig.context.session.identity = identity
    return identity


def test_choosing_a_procedure_shows_its_requirements_and_starts_its_form(rig: Rig) -> None:
    service, forms = ServiceJourney(rig.context), FormJourney(rig.context)
    _identified(rig)
    rig.route(service, forms, at=Step.CHOOSE_SERVICE)
    service.choose(PROCEDURE)
    assert rig.step is Step.REQUIREMENTS
    assert service.procedure is not None and service.procedure.code == PROCEDURE
    forms.start()
    assert rig.step is Step.FILL_FORM
    assert forms.form is not None and forms.form.position == 0


def test_the_form_opens_on_its_first_question_and_a_choice_answers_its_page(rig: Rig) -> None:
    """The card's values were confirmed on the requirements screen: no page repeats them."""
    service, forms = ServiceJourney(rig.context), FormJourney(rig.context)
    _identified(rig)
    rig.route(service, forms, at=Step.CHOOSE_SERVICE)
    service.choose(PROCEDURE)
    forms.start()
    assert forms.form is not None and forms.form.page_key == "declarant_role"
    shown: list[str | None] = []
    forms.page_changed.connect(lambda: shown.append(forms.form.page_key if forms.form else None))
    assert forms.answer_page("mother") == {}
    assert shown == ["born_in_facility"]


def test_a_home_birth_is_never_asked_the_60_day_question_and_the_dossier_says_why(
    rig: Rig,
) -> None:
    service, forms = ServiceJourney(rig.context), FormJourney(rig.context)
    submit = SubmitJourney(rig.context)
    _identified(rig)
    rig.route(service, forms, PapersJourney(rig.context), submit, at=Step.CHOOSE_SERVICE)
    service.choose(PROCEDURE)
    forms.start()
    asked: list[str] = []
    home = {"province": "01", "commune": "00070", "detail": "Số 5"}
    answers = {
        **BIRTH_ANSWERS,
        "born_in_facility": "no",
        "child_sex": "male",
        "child_dob": "01/08/2026",  # 111 days before 20/11/2026: late
        "child_birthplace": home,
    }
    while rig.step is Step.FILL_FORM and forms.form is not None and forms.form.page_key:
        key = forms.form.page_key
        asked.append(key)
        assert forms.answer_page(answers.get(key, "")) == {}, key
    assert "late_registration" not in asked
    assert rig.step is Step.CAPTURE_PAPERS
    form = forms.form
    assert form is not None and form.values["late_registration"] == "yes"
    assert form.fee()[0] is None  # late: the province's fee, said on the check page
    assert form.draft().as_content()["derived"] == {"late_registration": "child_dob"}


def test_a_wrong_answer_keeps_the_page_and_names_the_problem(rig: Rig) -> None:
    service, forms = ServiceJourney(rig.context), FormJourney(rig.context)
    _identified(rig)
    rig.route(service, forms, at=Step.CHOOSE_SERVICE)
    service.choose(PROCEDURE)
    problems = forms.complete({**BIRTH_ANSWERS, "phone": "12"})
    assert "phone" in problems
    assert rig.step is Step.FILL_FORM


def test_answers_that_need_no_paper_go_straight_to_checking_and_change_returns(
    rig: Rig,
) -> None:
    service, forms = ServiceJourney(rig.context), FormJourney(rig.context)
    _identified(rig)
    rig.route(service, forms, at=Step.CHOOSE_SERVICE)
    service.choose(PROCEDURE)
    assert forms.complete(dict(BIRTH_ANSWERS)) == {}
    assert rig.step is Step.CHECK_ANSWERS
    forms.request_change("phone")
    assert rig.step is Step.FILL_FORM and forms.form is not None
    assert forms.form.page_key == "phone"
    assert forms.answer_page("0987654321") == {}
    assert rig.step is Step.CHECK_ANSWERS
    forms.confirm_answers()
    assert rig.step is Step.SUBMITTING


def test_a_paper_still_needed_is_asked_for_and_may_be_left_for_the_counter(rig: Rig) -> None:
    service, forms = ServiceJourney(rig.context), FormJourney(rig.context)
    papers = PapersJourney(rig.context)
    _identified(rig)
    rig.route(service, forms, papers, at=Step.CHOOSE_SERVICE)
    service.choose(PROCEDURE)
    units = rig.context.units
    hanoi = units.find_provinces("ha noi")[0]
    cua_nam = units.find_communes(hanoi.code, "cua nam")[0]
    home_birth = {
        **BIRTH_ANSWERS,
        "born_in_facility": "no",
        "child_sex": "female",
        "child_birthplace": {"province": hanoi.code, "commune": cua_nam.code, "detail": "Số 5"},
    }
    assert forms.complete(home_birth) == {}
    assert rig.step is Step.CAPTURE_PAPERS
    assert [d.key for d in papers.to_capture()] == ["witness_statement"]
    papers.at_counter("witness_statement")
    assert papers.to_capture() == []
    papers.done()
    assert rig.step is Step.CHECK_ANSWERS
    assert rig.context.session.papers == {"witness_statement": None}


def test_submitting_queues_one_sealed_dossier_prints_its_receipt_and_forgets_the_person(
    rig: Rig,
) -> None:
    service, forms = ServiceJourney(rig.context), FormJourney(rig.context)
    submit = SubmitJourney(rig.context)
    identity = _identified(rig)
    printed: list[str | None] = []
    submit.receipt_printed.connect(printed.append)
    rig.route(service, forms, submit, at=Step.CHOOSE_SERVICE)
    service.choose(PROCEDURE)
    assert forms.complete(dict(BIRTH_ANSWERS)) == {}
    forms.confirm_answers()
    rig.wait_for(Step.RECEIPT)
    assert rig.dispatcher.drain_until(lambda: printed != [], 30)
    assert printed == [None] and len(rig.printer.jobs) == 1

    [queued] = rig.outbox.pending()
    code = rig.context.session.dossier_code
    assert queued.meta.code == code and code.endswith("-K010001")
    content = json.loads(
        open_sealed(queued.sealed, rig.central_key, code.encode("ascii")).decode("utf-8")
    )
    assert content["citizen"]["id_number"] == "001190012345"
    assert content["face_check"]["result"] == "not_checked"
    # Sealed and queued: nothing personal stays in the session.
    assert rig.context.session.identity is None and rig.context.session.answers == {}
    assert identity.full_name == ""


def test_a_full_disk_refuses_the_dossier_and_keeps_the_answers(rig: Rig) -> None:
    service, forms = ServiceJourney(rig.context), FormJourney(rig.context)
    submit = SubmitJourney(rig.context)
    _identified(rig)
    rig.route(service, forms, submit, at=Step.CHOOSE_SERVICE)
    service.choose(PROCEDURE)
    assert forms.complete(dict(BIRTH_ANSWERS)) == {}

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    rig.outbox.submit = full  # type: ignore[method-assign]
    forms.confirm_answers()
    rig.wait_for(Step.CHECK_ANSWERS)
    assert rig.context.session.error_key == "submit.error.storage"
    assert rig.context.session.answers["child_name"] == BIRTH_ANSWERS["child_name"]
    rig.context.fire(Trigger.CANCELLED)
