"""The form engine: pages, conditions, validation, Change, worked-out answers, the draft."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date

import pytest

from kiosk.catalogue.admin_units import load_admin_units
from kiosk.catalogue.load import load_catalogue
from kiosk.catalogue.model import FormField, Localized
from kiosk.forms.derive import read_address
from kiosk.forms.engine import FormSession, PageKind, money_text, time_text

CATALOGUE = load_catalogue()
UNITS = load_admin_units()
TODAY = date(2026, 11, 20)
CARD = {
    "full_name": "Nguyễn Thị Lan",
    "id_number": "001190012345",
    "date_of_birth": "12/03/1990",
    "sex": "Nữ",
    "ethnicity": "Kinh",
    "nationality": "Việt Nam",
    "place_of_residence": "Số 12 phố Hàng Bạc, phường Hoàn Kiếm, thành phố Hà Nội",
}
HOSPITAL_BIRTH = {
    "declarant_role": "mother",
    "born_in_facility": "yes",
    "late_registration": "no",
    "parents_married": "yes",
}
HOME_BIRTH = {**HOSPITAL_BIRTH, "born_in_facility": "no", "child_sex": "female"}
HOME = {"province": "01", "commune": "00070", "detail": "Số 1"}  # Phường Hoàn Kiếm, Hà Nội


def card_reader(card: dict[str, str]):
    def value(field: FormField) -> str:
        """What the chip gave for a field filled from the card."""
        return card.get(field.source or "", "")

    return value


def birth_form(code: str = "LT-KS-TT-BHYT", **card: str) -> FormSession:
    return FormSession(
        CATALOGUE.procedure(code), card_reader({**CARD, **card}), lambda: TODAY, UNITS
    )


def keys(form: FormSession) -> list[str]:
    return [p.key for p in form.pages()]


def test_questions_first_then_only_what_the_card_cannot_answer() -> None:
    form = birth_form()
    # What the card fills in is confirmed on the requirements screen: no page for it.
    assert form.pages()[0].key == "declarant_role"
    assert keys(form)[:4] == list(HOSPITAL_BIRTH)
    assert "declarant_name" not in keys(form) and "declarant_id" not in keys(form)
    assert {f.key for f in form.card_fields()} >= {"declarant_name", "declarant_id"}


def test_conditional_pages_appear_and_disappear_with_the_answers() -> None:
    form = birth_form()
    form.fill({**HOSPITAL_BIRTH, "child_name": "Bé"})
    assert "child_birthplace" not in keys(form) and "mother_name" not in keys(form)
    form.values["born_in_facility"] = "no"
    form.values["declarant_role"] = "relative"
    assert {"child_dob", "child_birthplace", "child_sex", "mother_name", "mother_id"} <= set(
        keys(form)
    )


def test_one_page_at_a_time_with_validation_and_back() -> None:
    form = birth_form()
    assert form.page_key == "declarant_role"
    assert form.submit("") == {"declarant_role": "form.error.required"}
    assert form.page_key == "declarant_role"  # stays, with its message
    assert form.submit("Mẹ") == {}  # a label is understood, accents optional
    assert form.values["declarant_role"] == "mother"
    assert form.progress()[0] == 2
    assert form.back() and form.page_key == "declarant_role"
    assert not form.back()  # the first page: the screen leaves the form


def test_dates_phone_and_id_numbers_are_checked_and_normalised() -> None:
    form = birth_form()
    form.fill({**HOME_BIRTH, "declarant_role": "relative", "child_name": "Bé"})
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
    form.fill(HOME_BIRTH)
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
    assert form.fill({**HOSPITAL_BIRTH, "child_name": "Bé", "phone": "0912345678"}) == {}
    assert form.complete
    form.go_to("child_name")
    assert form.submit("Trần Minh Khôi") == {}
    assert form.complete  # straight back to checking
    form.go_to("born_in_facility")
    assert form.submit("no") == {}
    assert form.page_key == "child_dob"  # the newly opened question comes first
    assert form.submit("01/11/2026") == {}
    assert form.page_key == "child_sex"


def test_hidden_answers_are_forgotten_and_papers_follow_the_answers() -> None:
    form = birth_form()
    form.fill({**HOME_BIRTH, "child_dob": "01/11/2026"})
    assert form.values.get("child_sex") == "female"
    needed = {d.key for d in form.documents() if d.still_needed}
    assert needed == {"witness_statement"}
    form.go_to("born_in_facility")
    form.submit("yes")
    assert "child_sex" not in form.values  # not asked any more: not sent
    assert "child_dob" not in form.values
    assert not [d for d in form.documents() if d.still_needed]


def test_draft_carries_card_answers_marked_and_the_fee_for_the_answers() -> None:
    form = birth_form()
    form.fill({**HOSPITAL_BIRTH, "child_name": "Bé", "phone": "0912345678"})
    draft = form.draft()
    assert draft.answers["declarant_id"] == "001190012345"
    assert "declarant_id" in draft.from_card and "child_name" not in draft.from_card
    assert draft.eligibility == HOSPITAL_BIRTH
    assert draft.fee_vnd == 0
    rows = form.rows("vi")
    assert next(r for r in rows if r.key == "declarant_role").value == "Mẹ"
    assert next(r for r in rows if r.key == "declarant_name").from_card


# Answers the kiosk works out ----------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "late", "fee"),
    [("01/11/2026", "no", 0), ("21/09/2026", "no", 0), ("20/09/2026", "yes", None)],
)
def test_the_60_day_question_is_never_asked_once_the_birth_date_is_given(
    born: str, late: str, fee: int | None
) -> None:
    form = birth_form()
    form.fill({**HOME_BIRTH, "child_name": "Bé", "child_dob": born})
    asked = set(keys(form))
    assert "late_registration" not in asked and "child_dob" in asked
    assert form.values["late_registration"] == late  # 60 days counted from the birth
    assert form.fee()[0] == fee
    row = next(r for r in form.rows("vi") if r.key == "late_registration")
    assert row.derived_from is not None and row.derived_from.vi.startswith("Ngày sinh của trẻ")
    assert form.draft().derived == {"late_registration": "child_dob"}


def test_the_60_day_question_is_asked_when_no_birth_date_is() -> None:
    form = birth_form()
    form.fill(HOSPITAL_BIRTH)  # a hospital birth: the date comes with the birth certificate
    assert "late_registration" in keys(form) and "child_dob" not in keys(form)
    assert form.values["late_registration"] == "no"
    assert form.derived == {}


def test_a_question_that_depends_on_a_worked_out_answer_comes_after_its_date() -> None:
    form = birth_form("HT-KS")
    form.fill({**HOME_BIRTH, "child_name": "Bé", "child_dob": "01/06/2026"})
    pages = keys(form)
    assert pages.index("fee_exempt") == pages.index("child_dob") + 1
    assert "late_registration" not in pages
    # Answered forward, the page after the date is the new question, not the date again.
    form.go_to_last()
    form.position = pages.index("child_dob")
    form.returning = False
    assert form.submit("01/06/2026") == {}
    assert form.page_key == "fee_exempt"


def test_a_worked_out_answer_can_be_changed_and_the_citizen_then_wins() -> None:
    form = birth_form()
    given = {"child_name": "Bé", "child_dob": "01/11/2026", "child_birthplace": HOME}
    assert form.fill({**HOME_BIRTH, **given}) == {}
    form.go_to("late_registration")
    assert form.page_key == "late_registration"
    assert keys(form).index("late_registration") == keys(form).index("child_dob") + 1
    assert form.submit("yes") == {}
    assert form.complete and form.values["late_registration"] == "yes"
    row = next(r for r in form.rows("vi") if r.key == "late_registration")
    assert row.derived_from is None
    form.go_to("child_dob")
    form.submit("02/11/2026")
    assert form.values["late_registration"] == "yes"  # not worked out again over the answer


@pytest.mark.parametrize(
    ("sex", "offered"),
    [
        ("Nữ", ["mother", "relative"]),
        ("NAM", ["father", "relative"]),
        ("", ["mother", "father", "relative"]),
    ],
)
def test_the_card_holders_sex_leaves_only_the_relationships_it_allows(
    sex: str, offered: list[str]
) -> None:
    form = birth_form(sex=sex)
    page = form.page
    assert page is not None and page.key == "declarant_role"
    assert [value for value, _label in page.choices] == offered
    if sex:
        impossible = ({"mother", "father"} - set(offered)).pop()
        assert form.submit(impossible) == {"declarant_role": "form.error.choice"}


def test_a_card_that_leaves_one_answer_answers_the_question() -> None:
    procedure = CATALOGUE.procedure("LT-KS-TT-BHYT")
    role = procedure.questions[0]
    rule = replace(role.derive, card_map=(("Nữ", ("mother",)),))
    questions = (replace(role, derive=rule), *procedure.questions[1:])
    form = FormSession(
        replace(procedure, questions=questions), card_reader(CARD), lambda: TODAY, UNITS
    )
    assert form.page_key == "born_in_facility"
    assert form.values["declarant_role"] == "mother"
    row = next(r for r in form.rows("en") if r.key == "declarant_role")
    assert row.derived_from == Localized("Thẻ căn cước", "ID card")


def test_the_fathers_name_is_not_asked_when_the_parents_are_married() -> None:
    form = birth_form()
    form.fill({**HOSPITAL_BIRTH, "child_name": "Bé"})
    assert "father_name" not in keys(form)  # the civil status database knows him
    form.go_to("parents_married")
    form.submit("no")
    assert form.page_key == "father_name"


# The form content agrees with itself ---------------------------------------------------


def test_no_page_hints_at_a_case_its_own_condition_excludes() -> None:
    """The hint about hospital births sat on a page shown only for home births."""
    for procedure in CATALOGUE.procedures:
        for field in procedure.fields:
            condition = field.show_if
            if field.hint is None or condition is None:
                continue
            if condition.question == "born_in_facility" and condition.values == ("no",):
                text = field.hint.vi.lower() + field.hint.en.lower()
                assert "cơ sở y tế" not in text and "hospital" not in text, field.key
    born = CATALOGUE.procedure("LT-KS-TT-BHYT").questions[1]
    assert born.key == "born_in_facility" and born.help is not None
    assert "giấy chứng sinh" in born.help.vi


def every_path(form: FormSession, answers: dict[str, list[str]]) -> list[list[tuple[int, int]]]:
    """The page counters seen along every way through the form with those answers."""
    paths = []
    for combo in itertools.product(*answers.values()):
        chosen = dict(zip(answers, combo, strict=True))
        form.wipe()
        seen = []
        while (page := form.page) is not None:
            seen.append(form.progress())
            assert form.submit(chosen.get(page.key, "")) == {}, page.key
        paths.append(seen)
    return paths


def test_the_page_counter_never_jumps_up_as_the_citizen_answers() -> None:
    """It went 2/8 → 3/9 → 4/11: the end moved away after each answer.  The total is the
    most pages still possible: never more, and the last page says it is the last."""
    form = birth_form()
    typed = {
        "child_name": ["Bé"],
        "child_dob": ["01/11/2026"],
        "mother_name": ["Lan"],
        "mother_id": ["001190012345"],
        "phone": [""],
    }
    choices = {
        "declarant_role": ["mother", "relative"],
        "born_in_facility": ["yes", "no"],
        "late_registration": ["no"],
        "parents_married": ["yes", "no"],
        "child_sex": ["male"],
        "child_birthplace": [HOME],
        "father_name": [""],
    }
    for seen in every_path(form, {**choices, **typed}):
        numbers = [n for n, _total in seen]
        totals = [total for _n, total in seen]
        assert numbers == list(range(1, len(seen) + 1))
        assert all(b <= a for a, b in itertools.pairwise(totals)), totals
        assert all(n <= total for n, total in seen)
        assert seen[-1][0] == seen[-1][1]  # "Câu 8 (tối đa 8 câu)": the end is where it says


def test_the_counter_says_at_most_so_a_smaller_total_reads_as_fewer_questions() -> None:
    """The mother declaring: "Câu 1/11" then "Câu 2/9" looked like a glitch; the counter
    says the total is a most ("tối đa"), in both languages, and is read out the same (the
    spoken text is the subtitle's)."""
    from kiosk.runtime.i18n import Translator
    from kiosk.speech.reading import speakable

    form = birth_form()
    shown, english = [], []
    for answer in ("mother", "yes"):
        number, total = form.progress()
        shown.append(Translator.text("form.progress", "vi", n=number, total=total))
        english.append(Translator.text("form.progress", "en", n=number, total=total))
        assert form.submit(answer) == {}
    assert shown == ["Câu 1 (tối đa 11 câu)", "Câu 2 (tối đa 9 câu)"]
    assert english == ["Question 1 of at most 11", "Question 2 of at most 9"]
    assert speakable(shown[1], "vi") == "Câu hai (tối đa chín câu)"


def test_wipe_forgets_everything() -> None:
    form = birth_form()
    form.fill({**HOME_BIRTH, "child_name": "Bé", "child_dob": "01/11/2026"})
    form.go_to("late_registration")
    form.wipe()
    assert form.values == {} and form.addresses == {} and form.position == 0
    assert form.derived == {} and form.manual == set()


# Addresses the kiosk already has ---------------------------------------------------------


def test_the_card_residence_is_offered_as_the_birthplace_in_one_touch() -> None:
    form = birth_form()
    form.fill({**HOME_BIRTH, "child_name": "Bé", "child_dob": "01/11/2026"})
    form.go_to("child_birthplace")
    [offer] = form.address_offers("child_birthplace")
    assert offer.label is None and offer.address.complete
    assert offer.text == "Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"
    known = offer.address
    parts = {"province": known.province_code, "commune": known.commune_code}
    assert form.submit({**parts, "detail": known.detail}) == {}
    assert form.values["child_birthplace"] == offer.text
    assert form.draft().addresses["child_birthplace"]["commune_code"] == known.commune_code


def test_another_address_of_the_form_is_offered_once_given() -> None:
    procedure = CATALOGUE.procedure("HT-KH")
    partner = procedure.field("partner_address")
    second = replace(partner, key="wedding_address", same_as=("partner_address",))
    fields = (*procedure.fields, second)
    form = FormSession(replace(procedure, fields=fields), card_reader(CARD), lambda: TODAY, UNITS)
    assert [o.source for o in form.address_offers("wedding_address")] == []
    form.addresses.clear()
    form.fill({"previously_married": "never", "partner_same_commune": "yes"})
    form.go_to("partner_address")
    form.submit({"province": "01", "commune": "00070", "detail": "Số 3"})
    [offer] = form.address_offers("wedding_address")
    assert offer.source == "partner_address" and offer.label == partner.label
    assert offer.text == "Số 3, Phường Hoàn Kiếm, Thành phố Hà Nội"


@pytest.mark.parametrize(
    ("text", "commune", "detail"),
    [
        (
            "Số 12 phố Hàng Bạc, phường Hoàn Kiếm, thành phố Hà Nội",
            "Hoàn Kiếm",
            "Số 12 phố Hàng Bạc",
        ),
        ("SỐ 5, PHƯỜNG CỬA NAM, TP. HÀ NỘI", "Cửa Nam", "SỐ 5"),
        ("Thôn 3, xã Đất Mũi, tỉnh Cà Mau", "Đất Mũi", "Thôn 3"),
        # Written before July 2025 (a district, an old ward): only the province is sure.
        ("Số 12 Hàng Bạc, phường Hàng Bạc, quận Hoàn Kiếm, Hà Nội", "", "Số 12 Hàng Bạc"),
    ],
)
def test_an_address_on_the_card_is_read_into_its_units(
    text: str, commune: str, detail: str
) -> None:
    known = read_address(UNITS, text)
    assert known is not None
    assert UNITS.province(known.province_code).code == known.province_code
    if commune:
        assert UNITS.commune(known.commune_code).name == commune
    else:
        assert known.commune_code == "" and not known.complete
    assert known.detail == detail


def test_an_address_whose_province_is_unknown_is_not_offered() -> None:
    assert read_address(UNITS, "12 Baker Street, London") is None
    form = birth_form(place_of_residence="12 Baker Street, London")
    form.fill(HOME_BIRTH)
    assert form.address_offers("child_birthplace") == []


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


def test_page_kinds_are_questions_and_fields_only() -> None:
    assert {k.value for k in PageKind} == {"question", "field"}
