"""The citizen session through the Qt-free core, with simulated devices."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from devices.card.simulator import SimulatedCard
from kiosk.base.dossier import CODE_PATTERN
from kiosk.runtime.flow import Step, Trigger
from kiosk.runtime.logs import JsonFormatter
from offline_cache.sealing import open_sealed
from tests.conftest import BIRTH_ANSWERS, FakeClock, Kiosk
from tests.pii import files_holding, needles_for, objects_holding, unique_answers, unique_card


def test_full_journey_queues_a_sealed_dossier_and_prints_a_receipt(
    kiosk: Kiosk, central_key: X25519PrivateKey
) -> None:
    core = kiosk.core
    core.fire(Trigger.SUBMIT_CHOSEN)
    assert core.step is Step.INSERT_CARD
    kiosk.identify()
    assert core.session.identity is not None
    assert core.session.identity.full_name == kiosk.card.full_name
    kiosk.fill_birth_registration()
    core.forms.confirm_answers()
    kiosk.wait_for(Step.RECEIPT)

    code = core.session.dossier_code
    assert code is not None and CODE_PATTERN.match(code)
    assert code.startswith("DEMO01-261120-K01")
    # Received Friday 20/11/2026, 3 working days: 23/11, then 25 and 26/11, as Tuesday
    # 24/11 is Vietnam Culture Day, a public holiday from 2026.
    assert core.session.appointment == date(2026, 11, 26)
    # The dossier is sealed and queued; the session kept no personal data.
    assert core.session.identity is None and core.session.answers == {}
    [queued] = core.outbox.pending()
    assert queued.meta.code == code
    assert kiosk.card.full_name.encode() not in queued.sealed
    content = json.loads(open_sealed(queued.sealed, central_key, code.encode()))
    assert content["citizen"]["id_number"] == kiosk.card.id_number
    assert content["answers"]["child_name"] == "Trần Minh Khôi"
    assert content["answers"]["declarant_name"] == kiosk.card.full_name
    # The receipt went to the printer.
    printer = core.devices.printer
    assert kiosk.dispatcher.drain_until(lambda: bool(printer.jobs), 30)  # type: ignore[attr-defined]
    [job] = printer.jobs  # type: ignore[attr-defined]
    assert job.name == f"receipt-{code}" and job.pages == 1

    core.submission.receipt_done()
    assert core.rating.rate("very_satisfied")
    assert core.step is Step.GOODBYE
    assert kiosk.dispatcher.drain_until(lambda: bool(core.outbox.pending_ratings()))
    assert core.outbox.pending_ratings()[-1].level == "very_satisfied"


def test_goodbye_returns_to_attract_after_its_delay(kiosk: Kiosk, clock: FakeClock) -> None:
    core = kiosk.core
    core.fire(Trigger.RATING_CHOSEN)
    core.fire(Trigger.RATING_SKIPPED)
    assert core.step is Step.GOODBYE
    clock.advance(core.config.session.goodbye_s - 1)
    core.tick()
    assert core.step is Step.GOODBYE
    clock.advance(2)
    core.tick()
    assert core.step is Step.ATTRACT


def test_form_reports_each_problem_and_stays(kiosk: Kiosk) -> None:
    core = kiosk.core
    kiosk.identify()
    core.face.confirmed()
    core.service.choose("LT-KS-TT-BHYT")
    # Born at home: the birth date is asked (a hospital's birth certificate gives it).
    home = {"province": "01", "commune": "00070", "detail": "Số 5"}
    eligibility = {"declarant_role": "mother", "born_in_facility": "no", "parents_married": "yes"}
    eligibility |= {"child_sex": "male", "child_birthplace": home}  # type: ignore[dict-item]
    errors = core.forms.complete(
        {**eligibility, "child_name": "", "child_dob": "31/02/2026", "phone": "12345"}
    )
    assert errors == {
        "child_name": "form.error.required",
        "child_dob": "form.error.date",
        "phone": "form.error.phone",
    }
    assert core.step is Step.FILL_FORM
    # The form opens at the first problem, with its message.
    assert core.forms.form is not None and core.forms.form.page_key == "child_name"
    assert core.forms.form.errors == {"child_name": "form.error.required"}
    errors = core.forms.complete(
        {**eligibility, "child_name": "Bé", "child_dob": "01/01/2027", "phone": "0912 345 678"}
    )
    assert errors == {"child_dob": "form.error.date_future"}


def test_answers_from_the_card_cannot_be_overridden(kiosk: Kiosk) -> None:
    core = kiosk.core
    kiosk.identify()
    kiosk.fill_birth_registration()
    field = next(f for f in core.service.procedure.fields if f.key == "declarant_id")  # type: ignore[union-attr]
    core.forms.complete({"declarant_id": "999999999999"})
    assert core.forms.answer(field) == kiosk.card.id_number


def test_idle_warning_gives_at_least_20_seconds_and_one_touch_continues(
    kiosk: Kiosk, clock: FakeClock
) -> None:
    core = kiosk.core
    warnings: list[int] = []
    cleared: list[bool] = []
    core.idle_warning.connect(warnings.append)
    core.idle_cleared.connect(lambda: cleared.append(True))
    kiosk.identify()
    timeout = core.config.session.idle_timeout_s
    warning = core.config.session.idle_warning_s
    assert warning >= 20
    clock.advance(timeout - warning - 1)
    core.tick()
    assert warnings == []
    clock.advance(2)
    core.tick()
    assert warnings and warnings[-1] >= 20
    core.continue_session()
    assert cleared == [True]
    clock.advance(timeout - 1)
    core.tick()
    assert core.step is Step.FACE_CHECK
    assert core.session.identity is not None


def test_timeout_ends_the_session_and_wipes_it(kiosk: Kiosk, clock: FakeClock) -> None:
    core = kiosk.core
    wiped: list[bool] = []
    core.session_wiped.connect(lambda: wiped.append(True))
    kiosk.identify()
    identity = core.session.identity
    assert identity is not None
    clock.advance(core.config.session.idle_timeout_s + 1)
    core.tick()
    assert core.step is Step.ATTRACT
    assert core.last_end_reason == "timed_out"
    assert wiped == [True]
    assert core.session.identity is None
    assert identity.full_name == "" and identity.photo is None


def test_attract_screen_never_times_out(kiosk: Kiosk, clock: FakeClock) -> None:
    clock.advance(10_000)
    kiosk.core.tick()
    assert kiosk.core.step is Step.ATTRACT
    assert kiosk.core.last_end_reason is None


def test_card_removal_ends_an_identified_session(kiosk: Kiosk) -> None:
    core = kiosk.core
    kiosk.identify()
    core.face.confirmed()
    core.service.choose("CT-TT")
    kiosk.reader.remove()
    kiosk.wait_for(Step.ATTRACT)
    assert core.last_end_reason == "card_removed"
    assert core.session.identity is None


def test_card_pulled_out_mid_read_asks_to_place_it_again(kiosk: Kiosk) -> None:
    kiosk.reader.apdu_delay_s = 0.05
    kiosk.reader.insert(kiosk.card)
    kiosk.wait_for(Step.ACCESS_KEY)
    kiosk.enter_key()
    kiosk.wait_for(Step.READING_CARD)
    kiosk.settle(0.2)
    kiosk.reader.remove()
    kiosk.wait_for(Step.INSERT_CARD)
    assert kiosk.core.session.error_key == "card.error.removed"
    assert kiosk.core.session.identity is None
    assert kiosk.core.session.access_key is None
    # Placing it again works.
    kiosk.reader.apdu_delay_s = 0
    kiosk.identify()


def test_a_wrong_expiry_date_asks_again_then_three_failures_call_staff(kiosk: Kiosk) -> None:
    session = kiosk.core.session
    kiosk.reader.insert(kiosk.card)
    kiosk.wait_for(Step.ACCESS_KEY)
    for attempt in range(1, 4):
        assert kiosk.enter_key(expiry="14/03/2044") == {}
        assert kiosk.dispatcher.drain_until(lambda a=attempt: session.card_attempts == a)
        kiosk.settle(0.05)
        if attempt < 3:
            assert kiosk.core.step is Step.ACCESS_KEY
            assert session.error_key == "card.error.access_denied"
    assert kiosk.core.step is Step.STAFF_HELP
    assert session.error_key == "card.error.too_many"


def test_placing_the_card_again_gives_three_new_attempts(kiosk: Kiosk) -> None:
    kiosk.reader.insert(kiosk.card)
    kiosk.wait_for(Step.ACCESS_KEY)
    kiosk.enter_key(expiry="14/03/2044")
    kiosk.dispatcher.drain_until(lambda: kiosk.core.session.card_attempts == 1)
    kiosk.reader.remove()
    kiosk.wait_for(Step.INSERT_CARD)
    kiosk.identify()
    assert kiosk.core.session.card_attempts == 0


def test_badly_typed_keys_are_explained_field_by_field(kiosk: Kiosk) -> None:
    kiosk.reader.insert(kiosk.card)
    kiosk.wait_for(Step.ACCESS_KEY)
    errors = kiosk.core.identify.submit_access_key("12345", "31/02/1985", "")
    assert errors == {
        "id_number": "access.error.id",
        "birth": "access.error.date",
        "expiry": "access.error.date",
    }
    assert kiosk.core.step is Step.ACCESS_KEY


@pytest.mark.parametrize("tamper", ["altered", "clone"])
def test_a_card_with_altered_data_or_a_cloned_chip_is_never_accepted(
    kiosk: Kiosk, tamper: str
) -> None:
    from dataclasses import replace

    forged = replace(kiosk.card, tamper=tamper)
    kiosk.reader.insert(forged)
    kiosk.wait_for(Step.ACCESS_KEY)
    kiosk.enter_key(forged)
    kiosk.wait_for(Step.STAFF_HELP)
    assert kiosk.core.session.error_key == "card.error.not_genuine"
    assert kiosk.core.session.identity is None


def test_an_untrusted_signer_is_accepted_but_recorded_unless_the_centre_requires_trust(
    kiosk: Kiosk,
) -> None:
    from dataclasses import replace

    card = replace(kiosk.card, tamper="untrusted")
    kiosk.identify(card)
    assert kiosk.core.session.authenticity == "signer_not_trusted"
    kiosk.core.cancel()
    kiosk.core.fire(Trigger.FINISHED)
    kiosk.core.context.config = kiosk.core.config.replace(devices={"require_trusted_signer": True})
    kiosk.reader.remove()
    kiosk.reader.insert(card)
    kiosk.wait_for(Step.ACCESS_KEY)
    kiosk.enter_key(card)
    kiosk.wait_for(Step.STAFF_HELP)
    assert kiosk.core.session.error_key == "card.error.untrusted"


def test_a_genuine_card_is_verified(kiosk: Kiosk) -> None:
    kiosk.identify()
    assert kiosk.core.session.authenticity == "verified"


def test_cancel_wipes_and_says_goodbye(kiosk: Kiosk) -> None:
    kiosk.identify()
    kiosk.core.cancel()
    assert kiosk.core.step is Step.GOODBYE
    assert kiosk.core.session.identity is None


def test_crash_recovery_wipes_and_returns_to_start(kiosk: Kiosk) -> None:
    kiosk.identify()
    kiosk.core.recover(RuntimeError("a bug in a screen"))
    assert kiosk.core.step is Step.ATTRACT
    assert kiosk.core.last_end_reason == "crashed"
    assert kiosk.core.session.identity is None


def test_printer_out_of_paper_still_queues_the_dossier(kiosk: Kiosk) -> None:
    kiosk.core.devices.printer.paper_out = True  # type: ignore[attr-defined]
    kiosk.identify()
    kiosk.fill_birth_registration()
    kiosk.core.forms.confirm_answers()
    kiosk.wait_for(Step.RECEIPT)
    kiosk.dispatcher.drain_until(lambda: kiosk.core.submission.print_error_key is not None)
    assert kiosk.core.submission.print_error_key == "printer.error.paper_out"
    assert len(kiosk.core.outbox.pending()) == 1


def test_full_disk_refuses_the_dossier_and_keeps_the_answers(kiosk: Kiosk) -> None:
    # More free space asked for than any disk has: the store's real free-space check refuses.
    kiosk.core.outbox.min_free_bytes = 10**18  # type: ignore[attr-defined]
    kiosk.identify()
    kiosk.fill_birth_registration()
    kiosk.core.forms.confirm_answers()
    kiosk.wait_for(Step.CHECK_ANSWERS)
    assert kiosk.core.session.error_key == "submit.error.storage"
    assert kiosk.core.session.answers["child_name"] == "Trần Minh Khôi"
    assert kiosk.core.session.identity is not None


def test_queue_ticket_numbers_increase_per_area_and_print(kiosk: Kiosk) -> None:
    printed = []
    kiosk.core.tickets.printed.connect(printed.append)
    for count, area in enumerate(("A", "A", "B"), start=1):
        kiosk.core.fire(Trigger.QUEUE_CHOSEN)
        kiosk.core.tickets.take(area)
        kiosk.dispatcher.drain_until(lambda c=count: len(printed) == c)
        kiosk.core.fire(Trigger.FINISHED)
    assert [t.number for t in printed] == ["A001", "A002", "B001"]
    assert all(t.printed for t in printed)


def test_a_double_tap_prints_one_ticket(kiosk: Kiosk) -> None:
    issued = []
    kiosk.core.tickets.issued.connect(issued.append)
    kiosk.core.fire(Trigger.QUEUE_CHOSEN)
    printed = []
    kiosk.core.tickets.printed.connect(printed.append)
    kiosk.core.tickets.take("A")
    kiosk.core.tickets.take("A")
    kiosk.finish_tasks()  # numbering a second ticket, had the touch queued one, is done too
    assert kiosk.dispatcher.drain_until(lambda: bool(printed))
    assert len(issued) == 1
    assert len(kiosk.core.devices.printer.jobs) == 1  # type: ignore[attr-defined]


def test_a_ticket_asked_for_just_before_leaving_is_not_printed(kiosk: Kiosk) -> None:
    kiosk.core.fire(Trigger.QUEUE_CHOSEN)
    kiosk.core.tickets.take("A")
    kiosk.core.fire(Trigger.BACK)
    kiosk.finish_tasks()  # the number came after the citizen left
    kiosk.settle(0.3)  # a print job, were one started, would reach the printer meanwhile
    assert kiosk.core.devices.printer.jobs == []  # type: ignore[attr-defined]


def test_lookup_finds_a_queued_dossier_and_rejects_bad_input(kiosk: Kiosk) -> None:
    core = kiosk.core
    kiosk.identify()
    kiosk.fill_birth_registration()
    core.forms.confirm_answers()
    kiosk.wait_for(Step.RECEIPT)
    code = core.session.dossier_code
    assert code
    results = []
    core.lookup.finished.connect(results.append)
    assert core.lookup.request("not a code", kiosk.card.id_number) == "lookup.error.code"
    assert core.lookup.request(code, "12345") == "lookup.error.id"
    assert core.lookup.request(code.lower(), kiosk.card.id_number) is None
    assert core.lookup.request("DEMO01-261120-K019999", kiosk.card.id_number) is None
    kiosk.dispatcher.drain_until(lambda: len(results) == 2)
    assert [r.status_key for r in results] == ["lookup.status.queued", "lookup.status.not_found"]


def test_dissatisfied_rating_needs_a_reason(kiosk: Kiosk) -> None:
    errors = []
    kiosk.core.rating.errors.connect(errors.append)
    kiosk.core.fire(Trigger.RATING_CHOSEN)
    assert not kiosk.core.rating.rate("dissatisfied", "   ")
    assert errors == ["rating.error.reason_required"]
    assert kiosk.core.step is Step.RATING
    assert kiosk.core.rating.rate("dissatisfied", "Phải chờ quá lâu")
    assert kiosk.core.step is Step.GOODBYE
    assert kiosk.dispatcher.drain_until(lambda: bool(kiosk.core.outbox.pending_ratings()))
    sealed = kiosk.core.outbox.pending_ratings()[-1].sealed_reason
    assert sealed is not None and "chờ".encode() not in sealed  # sealed for the centre only


def run_session_with(
    kiosk: Kiosk, card: SimulatedCard, answers: dict[str, str] | None = None
) -> None:
    kiosk.identify(card)
    kiosk.fill_birth_registration(answers)
    kiosk.core.forms.confirm_answers()
    kiosk.wait_for(Step.RECEIPT)
    kiosk.core.submission.receipt_done()
    kiosk.core.rating.rate("satisfied")
    kiosk.reader.remove()
    kiosk.settle(0.1)


def test_no_personal_data_in_logs(kiosk: Kiosk, tmp_path: Path) -> None:
    log_file = tmp_path / "kiosk.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    try:
        card = unique_card()
        needles = needles_for(card)
        run_session_with(kiosk, card)
        # Even a careless log call is scrubbed while the session is alive.
        kiosk.core.fire(Trigger.FINISHED)
        kiosk.identify(card)
        logging.getLogger("careless").warning(
            "user %s, id %s, dob %s",
            card.full_name,
            card.id_number,
            card.date_of_birth.strftime("%d/%m/%Y"),
        )
        try:
            raise ValueError(f"bad address {card.place_of_residence}")
        except ValueError:
            logging.getLogger("careless").exception("failed")
        kiosk.reader.remove()
        kiosk.settle(0.1)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.close()
    text = log_file.read_text(encoding="utf-8")
    assert '"event": "step_changed"' in text and "careless" in text
    for needle in needles:
        assert needle not in text, "personal data reached the log"
    assert card.full_name.split()[-1] not in text


def test_wipe_leaves_no_personal_data_in_process_objects_or_files(kiosk: Kiosk) -> None:
    card = unique_card()
    answers = unique_answers()
    needles = [*needles_for(card), *("".join(list(answers[k])) for k in ("child_name", "phone"))]
    run_session_with(kiosk, card, answers)
    del answers
    assert kiosk.core.step is Step.GOODBYE
    kiosk.core.fire(Trigger.FINISHED)
    # A second, unfinished session, ended by the idle timeout.
    kiosk.identify(card)
    kiosk.core.clock.advance(kiosk.core.config.session.idle_timeout_s + 1)  # type: ignore[attr-defined]
    kiosk.core.tick()
    assert kiosk.core.step is Step.ATTRACT
    kiosk.reader.remove()  # the citizen leaves with the card
    kiosk.settle(0.1)
    del card
    assert objects_holding(needles) == []
    assert files_holding(Path(kiosk.core.context.data_dir), needles) == []


def test_start_up_removes_what_a_crashed_run_left_in_the_private_tmp(kiosk: Kiosk) -> None:
    from kiosk.base.paths import private_tmp

    leftover = private_tmp(kiosk.core.context.data_dir) / "print-job.pdf"
    leftover.write_bytes(b"%PDF receipt of the last citizen")
    kiosk.core.start()
    assert not leftover.exists()


def test_a_printer_that_never_answers_neither_blocks_nor_duplicates(
    kiosk: Kiosk, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import Future

    monkeypatch.setattr(kiosk.core.devices.printer, "print_pdf", lambda *_a: Future())
    kiosk.identify()
    kiosk.fill_birth_registration()
    kiosk.core.forms.confirm_answers()
    kiosk.wait_for(Step.RECEIPT)  # not held up: the default deadline is only an upper bound
    assert len(kiosk.core.outbox.pending()) == 1
    assert kiosk.core.session.dossier_code is not None


def test_a_card_already_on_the_reader_is_taken_when_the_citizen_chooses_to_submit(
    kiosk: Kiosk,
) -> None:
    kiosk.reader.insert(kiosk.card)
    kiosk.wait_for(Step.ACCESS_KEY)
    kiosk.core.fire(Trigger.BACK)  # the citizen goes back, the card stays on the reader
    kiosk.wait_for(Step.ATTRACT)
    kiosk.core.fire(Trigger.SUBMIT_CHOSEN)
    kiosk.wait_for(Step.ACCESS_KEY)


def test_typed_answers_are_scrubbed_from_logs_during_the_session(kiosk: Kiosk) -> None:
    from kiosk.runtime.logs import SCRUBBER

    kiosk.identify()
    kiosk.fill_birth_registration()
    assert "Khôi" not in SCRUBBER.scrub("child Trần Minh Khôi")


def test_the_qr_code_on_the_card_opens_the_chip(kiosk: Kiosk) -> None:
    from kiosk.scan.qr import qr_frame

    kiosk.reader.insert(kiosk.card)
    kiosk.wait_for(Step.ACCESS_KEY)
    kiosk.core.identify.scan_qr()
    kiosk.core.devices.camera.show([qr_frame(kiosk.card.qr_text())])  # type: ignore[attr-defined]
    kiosk.wait_for(Step.FACE_CHECK, timeout=10)
    assert kiosk.core.session.identity.id_number == kiosk.card.id_number  # type: ignore[union-attr]


def test_when_no_expiry_guess_opens_the_chip_the_citizen_is_asked(kiosk: Kiosk) -> None:
    from dataclasses import replace
    from datetime import date

    # A card whose expiry follows no rule the kiosk knows.
    odd = replace(kiosk.card, date_of_expiry=date(2031, 1, 1))
    kiosk.reader.insert(odd)
    kiosk.wait_for(Step.ACCESS_KEY)
    kiosk.core.identify._on_qr(odd.qr_text())
    kiosk.dispatcher.drain_until(
        lambda: kiosk.core.session.error_key == "access.error.qr_expiry", 30
    )
    assert kiosk.core.step is Step.ACCESS_KEY
    assert kiosk.core.session.key_prefill == (odd.id_number, f"{odd.date_of_birth:%d/%m/%Y}")
    assert kiosk.core.session.card_attempts < 3


def test_a_qr_code_that_is_not_a_card_says_so(kiosk: Kiosk) -> None:
    kiosk.reader.insert(kiosk.card)
    kiosk.wait_for(Step.ACCESS_KEY)
    kiosk.core.identify._on_qr("https://example.invalid/not-a-card")
    assert kiosk.core.session.error_key == "access.error.qr"
    assert kiosk.core.step is Step.ACCESS_KEY


def test_the_can_is_checked_and_a_bac_only_card_refuses_it(kiosk: Kiosk) -> None:
    kiosk.reader.insert(kiosk.card)
    kiosk.wait_for(Step.ACCESS_KEY)
    assert kiosk.core.identify.submit_can("12") == {"can": "access.error.can"}
    assert kiosk.core.identify.submit_can("012345") == {}
    kiosk.dispatcher.drain_until(lambda: kiosk.core.session.card_attempts == 1)
    assert kiosk.core.session.error_key == "card.error.can_unsupported"


def test_a_card_whose_data_cannot_be_checked_is_not_accepted(kiosk: Kiosk, monkeypatch) -> None:
    from devices.card.emulator import builder

    real = builder.build_chip

    def without_sod(*args, **kwargs):
        content = real(*args, **kwargs)
        del content.files["SOD"]
        return content

    monkeypatch.setattr("devices.card.simulator.build_chip", without_sod)
    kiosk.reader.insert(kiosk.card)
    kiosk.wait_for(Step.ACCESS_KEY)
    kiosk.enter_key()
    # Not a forgery alarm (issue 12): nothing to verify, so the counter serves them.
    kiosk.wait_for(Step.INSERT_CARD)
    assert kiosk.core.session.error_key == "card.error.unverifiable"
    assert kiosk.core.session.card_attempts == 0


def test_a_paper_still_needed_is_photographed_and_sealed_with_the_dossier(
    kiosk: Kiosk, central_key: X25519PrivateKey
) -> None:
    from tests.paper_scenes import page_sequence

    core = kiosk.core
    kiosk.identify()
    core.face.confirmed()
    core.service.choose("LT-KS-TT-BHYT")
    core.forms.start()
    hanoi = core.context.units.find_provinces("ha noi")[0]
    cua_nam = core.context.units.find_communes(hanoi.code, "cua nam")[0]
    home_birth = {
        **BIRTH_ANSWERS,
        "born_in_facility": "no",
        "child_sex": "female",
        "child_birthplace": {"province": hanoi.code, "commune": cua_nam.code, "detail": "Số 5"},
    }
    assert core.forms.complete(home_birth) == {}
    # Born at home: the witness statement is a paper the state has no data for.
    assert core.step is Step.CAPTURE_PAPERS
    assert [d.key for d in core.papers.to_capture()] == ["witness_statement"]
    # Then held still for 10 s (the camera loops): the scanner needs five still frames in a
    # row, which a loaded machine may take more than the sequence's own half second to see.
    frames = page_sequence(frames=24)
    core.devices.camera.show(frames + [frames[-1]] * 300)  # type: ignore[attr-defined]
    core.papers.start_capture("witness_statement")
    assert kiosk.dispatcher.drain_until(lambda: core.papers.taken is not None, 30)
    photo = core.papers.taken
    core.papers.keep()
    core.papers.done()
    assert core.step is Step.CHECK_ANSWERS
    core.forms.confirm_answers()
    kiosk.wait_for(Step.RECEIPT)
    [queued] = core.outbox.pending()
    content = json.loads(open_sealed(queued.sealed, central_key, queued.meta.code.encode()))
    [paper] = content["papers"]
    assert paper["key"] == "witness_statement" and paper["delivery"] == "attached"
    assert paper["sha256"] == photo.sha256
    assert content["addresses"]["child_birthplace"]["commune_code"] == cua_nam.code
    assert {"key": "witness_statement", "status": "still_needed", "replaced_by": None} in content[
        "documents"
    ]
    assert core.papers.taken is None and core.session.papers == {}


def test_a_paper_can_be_handed_in_at_the_counter_instead(kiosk: Kiosk) -> None:
    core = kiosk.core
    kiosk.identify()
    core.face.confirmed()
    core.service.choose("CT-TT")
    core.forms.start()
    hue = core.context.units.find_provinces("hue")[0]
    ward = core.context.units.find_communes(hue.code, "thuan hoa")[0]
    answers = {
        "residence_basis": "rented",
        "fee_exempt": "no",
        "new_address": {"province": hue.code, "commune": ward.code, "detail": "Số 5 Lê Lợi"},
        "head_name": "Nguyễn Văn Ba",
        "phone": "0912345678",
    }
    assert core.forms.complete(answers) == {}
    assert core.step is Step.CAPTURE_PAPERS
    assert {d.key for d in core.papers.to_capture()} == {"owner_consent", "rental_contract"}
    core.papers.at_counter("owner_consent")
    core.papers.done()  # the rest: at the counter too
    assert core.step is Step.CHECK_ANSWERS
    assert core.session.papers == {"owner_consent": None, "rental_contract": None}


def test_a_staff_member_can_confirm_the_citizen_and_the_dossier_says_so(
    kiosk: Kiosk, central_key: X25519PrivateKey
) -> None:
    core = kiosk.core
    kiosk.identify()
    # The face check failed three times (or the camera broke): the staff are called.
    core.session.error_key = "face.result.staff"
    core.fire(Trigger.STAFF_CALLED)
    assert core.step is Step.STAFF_HELP
    with pytest.raises(ValueError):
        core.staff.confirm_face("", "")  # an override needs who and why
    core.staff.confirm_face("CB-042", "đối chiếu với thẻ căn cước")
    assert core.step is Step.CHOOSE_SERVICE
    core.service.choose("LT-KS-TT-BHYT")
    core.forms.start()
    assert core.forms.complete(dict(BIRTH_ANSWERS)) == {}
    core.forms.confirm_answers()
    kiosk.wait_for(Step.RECEIPT)
    [queued] = core.outbox.pending()
    content = json.loads(open_sealed(queued.sealed, central_key, queued.meta.code.encode()))
    assert content["face_check"]["result"] == "staff_override"
    assert content["face_check"]["staff_id"] == "CB-042"
    assert "photo" not in json.dumps(content["face_check"])


def test_leaving_the_face_step_stops_the_check_and_the_session_end_wipes_it(
    kiosk: Kiosk,
) -> None:
    core = kiosk.core
    kiosk.identify()
    assert kiosk.dispatcher.drain_until(lambda: core.face.check._worker is not None, 30)
    core.cancel()
    assert core.face.check._worker is None and core.face.check.attempts == 0
    assert core.face.check._reference.reference is None
