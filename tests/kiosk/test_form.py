"""The form engine: pages, conditions, validation, Change, the dossier draft."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.catalogue.admin_units import load_admin_units
from kiosk.catalogue.load import load_catalogue
from kiosk.catalogue.model import FormField
from kiosk.forms.engine import CARD_PAGE, FormSession, PageKind, money_text, time_text

CATALOGUE = load_catalogue()
UNITS = load_admin_units()
CARD = {
    "full_name": "Nguyễn Thị Lan",
    "id_number": "001190012345",
    "date_of_birth": "12/03/1990",
    "ethnicity": "Kinh",
    "nationality": "Việt Nam",
    "place_of_residence": "Phường Cửa Nam, Thành phố Hà Nội",
}
HOSPITAL_BIRTH = {
    "declarant_role": "mother",
    "born_in_facility": "yes",
    "late_registration": "no",
    "parents_married": "yes",
}


def card_value(field: FormField) -> str:
    """What the chip gave for a field filled from the card."""
    return CARD.get(field.source or "", "")


def birth_form() -> FormSession:
    return FormSession(
        CATALOGUE.procedure("LT-KS-TT-BHYT"), card_value, lambda: date(2026, 11, 20), UNITS
    )


def keys(form: FormSession) -> list[str]:
    return [p.key for p in form.pages()]


def test_card_page_first_then_questions_then_only_what_the_card_cannot_answer() -> None:
    form = birth_form()
    pages = form.pages()
    assert pages[0].kind is PageKind.CARD and pages[0].key == CARD_PAGE
    assert [p.key for p in pages[1:5]] == list(HOSPITAL_BIRTH)
    assert "declarant_name" not in keys(form) and "declarant_id" not in keys(form)
    assert {f.key for f in form.card_fields()} >= {"declarant_name", "declarant_id"}


def test_conditional_pages_appear_and_disappear_with_the_answers() -> None:
    form = birth_form()
    form.fill({**HOSPITAL_BIRTH, "child_name": "Bé", "child_dob": "01/11/2026"})
    assert "child_birthplace" not in keys(form) and "mother_name" not in keys(form)
    form.values["born_in_facility"] = "no"
    form.values["declarant_role"] = "father"
    assert {"child_birthplace", "child_sex", "mother_name", "mother_id"} <= set(keys(form))


def test_one_page_at_a_time_with_validation_and_back() -> None:
    form = birth_form()
    assert form.submit("") == {}  # the card page only shows
    assert form.page_key == "declarant_role"
    assert form.submit("") == {"declarant_role": "form.error.required"}
    assert form.page_key == "declarant_role"  # stays, with its message
    assert form.submit("Mẹ") == {}  # a label is understood, accents optional
    assert form.values["declarant_role"] == "mother"
    assert form.progress() == (3, len(form.pages()))
    assert form.back() and form.page_key == "declarant_role"
    assert form.back() and form.page_key == CARD_PAGE
    assert not form.back()  # the first page: the screen leaves the form


def test_dates_phone_and_id_numbers_are_checked_and_normalised() -> None:
    form = birth_form()
    form.fill({**HOSPITAL_BIRTH, "declarant_role": "father", "child_name": "Bé"})
    form.go_to("child_dob")
    assert form.submit("31/02/2026") == {"child_dob": "form.error.date"}
    assert form.submit("01/12/2026") == {"child_dob": "form.error.date_future"}
    assert form.submit("1/11/2026") == {}
    assert form.values["child_dob"] == "01/11/2026"
    form.go_to("mother_id")
    assert form.submit("12345") == {"mother_id": "form.error.id_number"}
    assert form.submit("001 190 012 345") == {}
    assert form.values["mother_id"] == "001190012345"
    form.go_to("phone")
    assert form.submit("091 234 5678") == {}
    assert form.values["phone"] == "0912345678"


def test_address_is_picked_from_current_units_and_keeps_the_codes() -> None:
    form = birth_form()
    form.fill({**HOSPITAL_BIRTH, "born_in_facility": "no"})
    form.go_to("child_birthplace")
    hanoi = UNITS.find_provinces("ha noi")[0]
    cua_nam = UNITS.find_communes(hanoi.code, "cua nam")[0]
    hue = UNITS.find_provinces("hue")[0]
    assert form.submit({"province": "", "commune": "", "detail": ""}) == {
        "child_birthplace.province": "form.error.province",
        "child_birthplace.detail": "form.error.address_detail",
    }
    # A commune of another province is refused.
    assert form.submit({"province": hue.code, "commune": cua_nam.code, "detail": "Số 5"}) == {
        "child_birthplace.commune": "form.error.commune"
    }
    assert form.submit({"province": hanoi.code, "commune": cua_nam.code, "detail": "Số 5"}) == {}
    assert form.values["child_birthplace"] == "Số 5, Phường Cửa Nam, Thành phố Hà Nội"
    draft = form.draft()
    assert draft.addresses["child_birthplace"]["commune_code"] == cua_nam.code


def test_change_returns_to_check_answers_unless_a_new_question_opened() -> None:
    form = birth_form()
    answers = {**HOSPITAL_BIRTH, "child_name": "Bé", "child_dob": "01/11/2026"}
    assert form.fill({**answers, "phone": "0912345678"}) == {}
    assert form.complete
    form.go_to("child_name")
    assert form.submit("Trần Minh Khôi") == {}
    assert form.complete  # straight back to checking
    form.go_to("born_in_facility")
    assert form.submit("no") == {}
    assert form.page_key == "child_sex"  # the newly opened question comes first
    assert form.submit("female") == {}
    assert form.page_key == "child_birthplace"


def test_hidden_answers_are_forgotten_and_papers_follow_the_answers() -> None:
    form = birth_form()
    form.fill({**HOSPITAL_BIRTH, "born_in_facility": "no", "child_sex": "male"})
    assert form.values.get("child_sex") == "male"
    needed = {d.key for d in form.documents() if d.still_needed}
    assert needed == {"witness_statement"}
    form.go_to("born_in_facility")
    form.submit("yes")
    assert "child_sex" not in form.values  # not asked any more: not sent
    assert not [d for d in form.documents() if d.still_needed]


def test_draft_carries_card_answers_marked_and_the_fee_for_the_answers() -> None:
    form = birth_form()
    form.fill(
        {**HOSPITAL_BIRTH, "child_name": "Bé", "child_dob": "01/11/2026", "phone": "0912345678"}
    )
    draft = form.draft()
    assert draft.answers["declarant_id"] == "001190012345"
    assert "declarant_id" in draft.from_card and "child_name" not in draft.from_card
    assert draft.eligibility == HOSPITAL_BIRTH
    assert draft.fee_vnd == 0
    rows = form.rows("vi")
    assert next(r for r in rows if r.key == "declarant_role").value == "Mẹ"
    assert next(r for r in rows if r.key == "declarant_name").from_card


def test_wipe_forgets_everything() -> None:
    form = birth_form()
    form.fill({**HOSPITAL_BIRTH, "child_name": "Bé"})
    form.wipe()
    assert form.values == {} and form.addresses == {} and form.position == 0


@pytest.mark.parametrize(
    ("code", "expected"),
    [("LT-KS-TT-BHYT", "3 ngày làm việc"), ("HT-KS", "Trong ngày")],
)
def test_processing_time_is_said_plainly(code: str, expected: str) -> None:
    from kiosk.runtime.i18n import Translator

    tr = Translator("vi")
    assert time_text(CATALOGUE.procedure(code).processing_time, tr) == expected
    assert money_text(50000, tr) == "50.000 đồng"
    assert money_text(0, tr) == "Miễn phí"
