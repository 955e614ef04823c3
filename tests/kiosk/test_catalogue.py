"""The procedure catalogue: the bundled data, what a broken one is refused with, answers."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for

from kiosk.base.identity import CitizenIdentity
from kiosk.catalogue import schema
from kiosk.catalogue.load import CatalogueError, load_catalogue, parse_catalogue
from kiosk.catalogue.model import (
    CARD_SOURCES,
    CATALOGUE_FILE,
    FormField,
    Localized,
    Option,
    ProcessingTime,
    add_working_days,
    prefill_share,
    required_documents,
    visible_fields,
)
from kiosk.catalogue.schema import SCHEMA_FILE
from kiosk.forms.answers import validate_answer, validate_answers

RAW: dict[str, Any] = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
CATALOGUE = load_catalogue()
SOURCE = "catalogue-test.json"


# The bundled catalogue ---------------------------------------------------------------


def test_bundled_catalogue_loads_with_both_interconnected_and_single_procedures() -> None:
    catalogue = load_catalogue()
    codes = {p.code for p in catalogue.procedures}
    assert "LT-KS-TT-BHYT" in codes and "CT-TT" in codes
    for procedure in catalogue.procedures:
        assert procedure.name("vi") and procedure.name("en")
        assert any(f.from_card for f in procedure.fields)
    assert [a.code for a in catalogue.queue_areas] == ["A", "B", "C", "D"]


def test_the_catalogue_covers_the_one_stop_centres_common_procedures() -> None:
    codes = [p.code for p in CATALOGUE.procedures]
    assert len(codes) >= 12
    # Both interconnected groups, and the DOMAIN.md procedures.
    for code in (
        "LT-KS-TT-BHYT",
        "LT-KT-XTT-MTP",
        "HT-KS",
        "HT-KT",
        "HT-KH",
        "HT-XNTTHN",
        "TP-LLTP",
        "CT-TT",
        "CT-TTR",
        "CC-CDL",
        "GT-GPLX",
    ):
        assert code in codes
    groups = [p for p in CATALOGUE.procedures if p.interconnected]
    assert {p.code for p in groups} == {"LT-KS-TT-BHYT", "LT-KT-XTT-MTP"}
    assert all(len(p.components) >= 3 for p in groups)


@pytest.mark.parametrize("procedure", CATALOGUE.procedures, ids=lambda p: p.code)
def test_every_procedure_is_complete_in_both_languages(procedure) -> None:
    for text in (procedure.name, procedure.fee, procedure.result.document):
        assert text.vi.strip() and text.en.strip() and text.vi != text.en
    assert procedure.agency is not None and procedure.legal_basis and procedure.sources
    assert procedure.fee_detail is not None and procedure.documents
    for field in procedure.fields:
        assert field.label.vi != field.label.en


def test_every_text_in_the_file_is_nfc_and_vietnamese_keeps_its_accents() -> None:
    raw = CATALOGUE_FILE.read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", raw)
    names = [p.name.vi for p in CATALOGUE.procedures]
    assert "Đăng ký khai sinh" in names and "Cấp phiếu lý lịch tư pháp" in names


def test_card_sources_are_exactly_the_citizen_identity_attributes_it_can_fill() -> None:
    fields = set(CitizenIdentity.__dataclass_fields__) - {"photo"}
    assert fields == CARD_SOURCES


@pytest.mark.parametrize(
    ("code", "from_card", "total"),
    [
        ("LT-KS-TT-BHYT", 6, 14),
        ("CT-TT", 5, 9),
        ("CC-CDL", 10, 12),
        ("CTH-BS", 2, 6),
    ],
)
def test_prefill_share_is_the_share_of_fields_the_card_fills(code, from_card, total) -> None:
    procedure = CATALOGUE.procedure(code)
    assert prefill_share(procedure) == pytest.approx(from_card / total)
    assert 0 < prefill_share(procedure) <= 1


def test_legacy_api_still_holds() -> None:
    procedure = CATALOGUE.procedure("LT-KS-TT-BHYT")
    assert procedure.processing_days == 3
    assert procedure.fee("en") == "Free within 60 days of birth"
    assert procedure.field("declarant_id").from_card
    with pytest.raises(KeyError):
        CATALOGUE.procedure("NO-SUCH")


# Broken catalogues: each gives the file, the path inside it and the reason ------------


def mutate(change: Callable[[dict[str, Any]], None]) -> bytes:
    raw = copy.deepcopy(RAW)
    change(raw)
    return json.dumps(raw, ensure_ascii=False).encode("utf-8")


def proc(raw: dict[str, Any], code: str) -> dict[str, Any]:
    return next(p for p in raw["procedures"] if p["code"] == code)


def setter(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    """``path`` like ``procedures.3.documents.1.replaced_by``."""

    def change(raw: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = raw
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is DELETE:
            del node[int(last) if last.isdigit() else last]
        else:
            node[int(last) if last.isdigit() else last] = value

    return change


DELETE = object()

TWO_OPTIONS = [
    {"value": "a", "label": {"vi": "A", "en": "A"}},
    {"value": "b", "label": {"vi": "B", "en": "B"}},
]

# (change, path inside the file, reason).  The schema's part: the structure.
STRUCTURE = [
    (setter("procedures.0.name.en", DELETE), "procedures[0].name", "missing 'en'"),
    (setter("procedures.1.fields.0.key", DELETE), "procedures[1].fields[0]", "missing 'key'"),
    (
        setter("procedures.2.fields.1.kind", "colour"),
        "procedures[2].fields[1].kind",
        "'colour' is not one of: text, date, phone, number, choice, yes_no, address, id_number",
    ),
    (
        setter("procedures.0.processing_time.unit", "weeks"),
        "procedures[0].processing_time.unit",
        "'weeks' is not one of: working_days, working_hours, days",
    ),
    (
        setter("procedures.6.fee.amount_vnd", -5),
        "procedures[6].fee.amount_vnd",
        "expected a number of at least 0, found -5",
    ),
    (
        setter("procedures.0.popularity", "high"),
        "procedures[0].popularity",
        "expected a whole number, found text",
    ),
    (
        setter("procedures.6.fee.amount_vnd", "free"),
        "procedures[6].fee.amount_vnd",
        "expected a whole number or null, found text",
    ),
    (
        setter("procedures.2.fields.5.required", "yes"),
        "procedures[2].fields[5].required",
        "expected true or false, found text",
    ),
    (setter("procedures.0.colour", "red"), "procedures[0].colour", "unknown key"),
    (setter("colour", "red"), "colour", "unknown key"),
    (
        setter("procedures.0.documents.0.status", "maybe"),
        "procedures[0].documents[0].status",
        "'maybe' is not one of: replaced_by_data, still_needed, filled_at_kiosk",
    ),
    (
        setter("procedures.3.documents.1.replaced_by", DELETE),
        "procedures[3].documents[1]",
        "missing 'replaced_by' (needed when status is 'replaced_by_data')",
    ),
    (
        setter("procedures.3.documents.0.replaced_by", "chip_card"),
        "procedures[3].documents[0].replaced_by",
        "only allowed when status is 'replaced_by_data', not 'filled_at_kiosk'",
    ),
    (
        setter("procedures.2.fields.7.options", DELETE),
        "procedures[2].fields[7]",
        "missing 'options' (needed when kind is 'choice')",
    ),
    (
        setter("procedures.2.fields.5.options", [{"value": "a", "label": {"vi": "A", "en": "A"}}]),
        "procedures[2].fields[5].options",
        "only allowed when kind is 'choice', not 'text'",
    ),
    (  # a field without a kind is text
        setter("procedures.2.fields.0.options", TWO_OPTIONS),
        "procedures[2].fields[0].options",
        "only allowed when kind is 'choice', not 'text'",
    ),
    (
        setter("procedures.2.questions.0.options.1", {"value": "x"}),
        "procedures[2].questions[0].options[1]",
        "missing 'label'",
    ),
    (
        setter("procedures.2.fields.9.show_if.equals", "father"),
        "procedures[2].fields[9].show_if",
        "give either 'equals' or 'in'",
    ),
    (
        setter("procedures.2.fields.9.show_if.in", DELETE),
        "procedures[2].fields[9].show_if",
        "give either 'equals' or 'in'",
    ),
    (
        setter("procedures.2.code", "ht-ks"),
        "procedures[2].code",
        "'ht-ks' is not a code (A-Z and 0-9, parts joined by '-', e.g. HT-KS)",
    ),
    (
        setter("procedures.2.fields.0.source", "Full Name"),
        "procedures[2].fields[0].source",
        "'Full Name' is not a key (a-z, 0-9 and _, starting with a letter)",
    ),
    (
        setter("schema_version", 4),
        "schema_version",
        "unsupported version 4 (this kiosk reads 3)",
    ),
    (setter("schema_version", "3"), "schema_version", "expected 3, found '3'"),
    (
        setter("procedures.2.questions.2.derive.days_over", DELETE),
        "procedures[2].questions[2].derive",
        "give either 'from_field' or 'from_card'",
    ),
    (setter("procedures", []), "procedures", "expected at least 1 item"),
    (setter("procedures.2.name.vi", " "), "procedures[2].name.vi", "empty text"),
    (setter("procedures.2.name.vi", ""), "procedures[2].name.vi", "empty text"),
    (setter("procedures.2.fields", []), "procedures[2].fields", "expected at least 1 item"),
    (
        setter("procedures.0.components", [RAW["procedures"][0]["components"][0]]),
        "procedures[0].components",
        "expected at least 2 items",
    ),
    (
        setter("procedures.2.processing_time.same_day_cutoff", "3pm"),
        "procedures[2].processing_time.same_day_cutoff",
        "'3pm' is not a time HH:MM (24-hour clock)",
    ),
]

# What the loader checks beyond the schema: references, uniqueness, NFC.
CROSS_REFERENCES = [
    (
        setter("procedures.1.fields.0.source", "shoe_size"),
        "procedures[1].fields[0].source",
        "unknown card field 'shoe_size'",
    ),
    (
        setter("procedures.3.documents.1.replaced_by", "xyz"),
        "procedures[3].documents[1].replaced_by",
        "unknown source 'xyz'",
    ),
    (
        setter("procedures.7.category", "sport"),
        "procedures[7].category",
        "unknown category 'sport'",
    ),
    (
        setter("procedures.0.extra_categories.0", "sport"),
        "procedures[0].extra_categories[0]",
        "unknown category 'sport'",
    ),
    (setter("procedures.7.queue_area", "Z"), "procedures[7].queue_area", "unknown queue area 'Z'"),
    (
        setter("procedures.2.fields.9.show_if.question", "mood"),
        "procedures[2].fields[9].show_if.question",
        "unknown question 'mood'",
    ),
    (
        setter("procedures.2.fields.9.show_if.in", ["uncle"]),
        "procedures[2].fields[9].show_if",
        "'uncle' is not an answer of 'declarant_role'",
    ),
    (
        setter("procedures.2.fee.cases.1.when.0.question", "phone"),
        "procedures[2].fee.cases[1].when[0].question",
        "unknown eligibility question 'phone'",
    ),
    (
        setter("procedures.2.documents.2.when.0.question", "child_sex"),
        "procedures[2].documents[2].when[0].question",
        "unknown question 'child_sex'",
    ),
    (
        setter("procedures.2.questions.4.show_if.question", "fee_exempt"),
        "procedures[2].questions[4].show_if.question",
        "unknown question 'fee_exempt'",
    ),
    (setter("procedures.3.code", "HT-KS"), "procedures[3].code", "duplicate code 'HT-KS'"),
    (setter("categories.1.key", "lien_thong"), "categories[1].key", "duplicate key 'lien_thong'"),
    (
        setter("procedures.2.fields.1.key", "declarant_name"),
        "procedures[2].fields[1].key",
        "duplicate key 'declarant_name'",
    ),
    (
        setter("procedures.2.fields.7.options.1.value", "male"),
        "procedures[2].fields[7].options[1].value",
        "duplicate value 'male'",
    ),
    (
        setter("procedures.2.questions.0.key", "phone"),
        "procedures[2].questions[0].key",
        "'phone' is also a field's key",
    ),
    # Worked-out answers and address offers name what exists.
    (
        setter("procedures.2.questions.2.derive.from_field", "child_name"),
        "procedures[2].questions[2].derive.from_field",
        "'child_name' is not a date field",
    ),
    (
        setter("procedures.2.questions.0.derive.card_map.Nữ", ["aunt"]),
        "procedures[2].questions[0].derive.card_map.Nữ",
        "'aunt' is not an answer of 'declarant_role'",
    ),
    (
        setter("procedures.2.questions.0.derive.from_card", "mood"),
        "procedures[2].questions[0].derive.from_card",
        "unknown card field 'mood'",
    ),
    (
        setter("procedures.2.questions.0.derive.days_over", 60),
        "procedures[2].questions[0].derive",
        "derive from a field or from the card, not both",
    ),
    (
        setter("procedures.2.fields.8.same_as", ["phone"]),
        "procedures[2].fields[8].same_as[0]",
        "'phone' is neither a card address nor another address",
    ),
    (
        setter("procedures.2.fields.5.same_as", ["place_of_residence"]),
        "procedures[2].fields[5].same_as[0]",
        "only an address field offers the same answer as another",
    ),
    (
        setter("procedures.2.fields.11.hide_if", {"question": "parents_married", "equals": "x"}),
        "procedures[2].fields[11].hide_if",
        "'x' is not an answer of 'parents_married'",
    ),
    (
        setter("procedures.2.name.vi", unicodedata.normalize("NFD", "Đăng ký khai sinh")),
        "procedures[2].name.vi",
        "text is not in Unicode NFC form",
    ),
]


@pytest.mark.parametrize(
    ("change", "where", "reason"), STRUCTURE + CROSS_REFERENCES, ids=lambda v: str(v)[:60]
)
def test_a_broken_catalogue_is_rejected_naming_file_path_and_reason(change, where, reason) -> None:
    with pytest.raises(CatalogueError) as error:
        parse_catalogue(mutate(change), SOURCE)
    assert str(error.value) == f"{SOURCE}: {where}: {reason}"


def test_a_newer_structure_is_named_as_such_before_its_details() -> None:
    def version_4(raw: dict[str, Any]) -> None:
        raw["schema_version"] = 4
        raw["calendar"] = {"holidays": []}  # what a later structure might add
        del raw["queue_areas"]

    with pytest.raises(CatalogueError) as error:
        parse_catalogue(mutate(version_4), SOURCE)
    assert (
        str(error.value) == f"{SOURCE}: schema_version: unsupported version 4 (this kiosk reads 3)"
    )


def test_a_long_value_is_not_repeated_in_the_message() -> None:
    with pytest.raises(CatalogueError) as error:
        parse_catalogue(mutate(setter("procedures.2.name", ["x" * 500])), SOURCE)
    assert str(error.value) == f"{SOURCE}: procedures[2].name: expected an object, found a list"


def test_a_broken_catalogue_names_file_path_and_reason(tmp_path: Path) -> None:
    raw = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    raw["procedures"][1]["fields"][0]["source"] = "shoe_size"
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(CatalogueError) as error:
        load_catalogue(path)
    message = str(error.value)
    assert str(path) in message and "procedures[1].fields[0].source" in message
    assert "shoe_size" in message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"version": ', f"{SOURCE}: not valid JSON: line 1 column 13: Expecting value"),
        (b"\xff\xfe{}", f"{SOURCE}: not UTF-8 text: invalid start byte at byte 0"),
        (b"[]", f"{SOURCE}: expected an object, found a list"),
        (b"{}", f"{SOURCE}: missing 'schema_version'"),
    ],
)
def test_unreadable_bytes_are_rejected_with_the_source_named(data: bytes, message: str) -> None:
    with pytest.raises(CatalogueError) as error:
        parse_catalogue(data, SOURCE)
    assert str(error.value) == message


def test_the_same_broken_bytes_are_refused_each_time_under_their_own_name() -> None:
    data = mutate(setter("procedures.7.queue_area", "Z"))
    for source in ("first.json", "second.json"):
        with pytest.raises(CatalogueError) as error:
            parse_catalogue(data, source)
        assert str(error.value) == f"{source}: procedures[7].queue_area: unknown queue area 'Z'"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match=r"missing\.json: cannot read"):
        load_catalogue(tmp_path / "missing.json")


def test_parse_catalogue_checks_downloaded_bytes_before_switching() -> None:
    update = mutate(setter("version", "2099.1.1"))
    assert parse_catalogue(update, "catalogue-2099.1.1.json").version == "2099.1.1"


@pytest.mark.parametrize(
    "change",
    [
        setter("procedures.0.keywords", DELETE),
        setter("procedures.0.unconfirmed", []),
        setter("procedures.2.fields.5.required", False),
        setter("procedures.2.fields.0.source", None),
        setter("procedures.2.processing_time", {"value": 4, "unit": "working_hours"}),
        setter("procedures.12.fee.online_amount_vnd", None),
        setter("$schema", DELETE),
    ],
)
def test_optional_parts_may_be_left_out(change) -> None:
    parse_catalogue(mutate(change), SOURCE)


def test_a_whole_number_written_with_a_decimal_point_is_read_as_one() -> None:
    catalogue = parse_catalogue(mutate(setter("procedures.0.popularity", 7.0)), SOURCE)
    assert catalogue.procedures[0].popularity == 7
    assert isinstance(catalogue.procedures[0].popularity, int)


# The schema file ---------------------------------------------------------------------------


def test_the_schema_file_is_a_valid_schema_of_the_draft_it_declares() -> None:
    written = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert written["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    validator_for(written).check_schema(written)


# One broken input per kind of schema keyword the loader's messages handle.
KEYWORD_SAMPLES = [
    "procedures[0].name",  # required
    "procedures[2].fields[1].kind",  # enum
    "procedures[0].popularity",  # type
    "procedures[0].colour",  # additionalProperties
    "procedures[3].documents[1]",  # if/then
    "procedures[3].documents[0].replaced_by",  # if/else with not
    "procedures[2].fields[9].show_if",  # oneOf
    "procedures[2].code",  # pattern
    "procedures[0].components",  # minItems
]


@pytest.mark.parametrize(
    "change",
    [c for c, where, _ in STRUCTURE if where in KEYWORD_SAMPLES] + [setter("version", "2099.1.1")],
)
def test_the_loaders_inlined_schema_judges_as_the_schema_file_does(change) -> None:
    """The loader writes the schema's definitions out in place (twice as fast): same verdicts."""
    as_written = Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    raw = json.loads(mutate(change))
    written = best_match(as_written.iter_errors(raw))
    inlined = best_match(schema.validator().iter_errors(raw))
    if written is None:
        assert inlined is None
    else:
        assert inlined is not None
        assert (inlined.absolute_path, inlined.message) == (written.absolute_path, written.message)


def test_importing_the_loader_leaves_jsonschema_until_a_catalogue_is_loaded() -> None:
    """Command-line tools that never load a catalogue do not pay for importing jsonschema."""
    code = (
        "import sys, kiosk.catalogue.load as load\n"
        "assert 'jsonschema' not in sys.modules\n"
        "load.load_catalogue()\n"
        "assert 'jsonschema' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# Eligibility: answers change the documents, the fields and the fee -----------------------


@pytest.mark.parametrize(
    ("code", "answers", "amount", "label_start"),
    [
        ("HT-KS", {"late_registration": "no"}, 0, "Miễn phí nếu đăng ký trong 60 ngày"),
        ("HT-KS", {"late_registration": "yes"}, None, "Đăng ký khai sinh quá hạn"),
        ("HT-KS", {"late_registration": "yes", "fee_exempt": "yes"}, 0, "Miễn lệ phí"),
        ("TP-LLTP", {"fee_group": "standard"}, 200000, "200.000 đồng/lần"),
        ("TP-LLTP", {"fee_group": "reduced"}, 100000, "100.000 đồng"),
        ("TP-LLTP", {"fee_group": "exempt"}, 0, "Miễn phí"),
        ("CC-CDL", {"reason": "lost"}, 70000, "Cấp lại thẻ bị mất"),
        ("CC-CDL", {"reason": "damaged"}, 50000, "Cấp đổi 50.000 đồng"),
        ("CT-TT", {}, 20000, "20.000 đồng"),
    ],
)
def test_the_fee_follows_the_eligibility_answers(code, answers, amount, label_start) -> None:
    fee = CATALOGUE.procedure(code).fee_detail
    assert fee is not None
    value, label = fee.for_answers(answers)
    assert value == amount and label("vi").startswith(label_start)


@pytest.mark.parametrize(
    ("answers", "needed", "replaced"),
    [
        ({"born_in_facility": "yes"}, set(), {"birth_certificate"}),
        ({"born_in_facility": "no"}, {"witness_statement"}, set()),
    ],
)
def test_late_or_home_birth_changes_the_papers(answers, needed, replaced) -> None:
    docs = required_documents(CATALOGUE.procedure("HT-KS"), answers)
    keys = {d.key for d in docs}
    assert needed <= keys and replaced <= keys
    assert {d.key for d in docs if d.still_needed} == needed
    for doc in docs:
        if doc.key == "birth_certificate":
            assert doc.replaced_by == "electronic_birth_certificate"


def test_conditional_fields_are_asked_and_required_only_when_they_apply() -> None:
    procedure = CATALOGUE.procedure("HT-KS")
    as_mother = {f.key for f in visible_fields(procedure, {"declarant_role": "mother"})}
    as_father = {f.key for f in visible_fields(procedure, {"declarant_role": "father"})}
    assert "mother_name" not in as_mother and "father_name" in as_mother
    assert "mother_name" in as_father
    answers = {
        "declarant_role": "father",
        "child_name": "Trần Minh Khôi",
        "child_dob": "01/11/2026",
        "child_sex": "nam",
        "child_birthplace": "Phường Cửa Nam, Thành phố Hà Nội",
        "phone": "0912345678",
    }
    errors = validate_answers(procedure, answers, date(2026, 11, 20))
    assert errors == {"mother_name": "form.error.required", "mother_id": "form.error.required"}
    answers["declarant_role"] = "mother"
    assert validate_answers(procedure, answers, date(2026, 11, 20)) == {}


# Answers ----------------------------------------------------------------------------------

LABEL = Localized("Giới tính", "Sex")
CHOICE = FormField(
    "sex",
    label=LABEL,
    kind="choice",
    options=(Option("male", Localized("Nam", "Male")), Option("female", Localized("Nữ", "Female"))),
)


@pytest.mark.parametrize(
    ("kind", "value", "problem"),
    [
        ("text", "", "form.error.required"),
        ("phone", "0912 345 678", None),
        ("phone", "12345", "form.error.phone"),
        ("date", "31/02/2026", "form.error.date"),
        ("date", "01/01/2030", "form.error.date_future"),
        ("number", "3", None),
        ("number", "ba", "form.error.number"),
        ("id_number", "079 203 001 234", None),
        ("id_number", "07920300123", "form.error.id_number"),
        ("yes_no", "Có", None),
        ("yes_no", "khong", None),
        ("yes_no", "maybe", "form.error.choice"),
        ("address", "Số 5 ngõ 10 phố Huế", None),
    ],
)
def test_answers_are_checked_by_kind(kind: str, value: str, problem: str | None) -> None:
    field = FormField("x", label=LABEL, kind=kind)
    assert validate_answer(field, value, date(2026, 11, 20)) == problem


@pytest.mark.parametrize(
    ("value", "problem"), [("Nam", None), ("nu", None), ("male", None), ("x", "form.error.choice")]
)
def test_a_choice_takes_its_option_by_value_or_label(value: str, problem: str | None) -> None:
    assert validate_answer(CHOICE, value, date(2026, 11, 20)) == problem


def test_optional_and_conditional_fields_may_stay_empty_in_the_one_page_form() -> None:
    procedure = CATALOGUE.procedure("TP-LLTP")
    today = date(2026, 11, 20)
    assert validate_answer(procedure.field("spouse_name"), "", today) is None
    assert validate_answer(CATALOGUE.procedure("HT-KS").field("mother_name"), "", today) is None
    assert validate_answer(procedure.field("purpose"), "", today) == "form.error.required"


# Time -------------------------------------------------------------------------------------


def test_working_days_skip_weekends() -> None:
    friday = date(2026, 11, 20)
    assert add_working_days(friday, 1) == date(2026, 11, 23)
    assert add_working_days(friday, 3) == date(2026, 11, 25)
    assert add_working_days(friday, 0) == friday


@pytest.mark.parametrize(
    ("time", "received", "due"),
    [
        (
            ProcessingTime(0, same_day_cutoff="15:00"),
            datetime(2026, 11, 19, 9, 0),
            date(2026, 11, 19),
        ),
        (
            ProcessingTime(0, same_day_cutoff="15:00"),
            datetime(2026, 11, 20, 15, 30),
            date(2026, 11, 23),
        ),
        (
            ProcessingTime(0, same_day_cutoff="15:00"),
            datetime(2026, 11, 21, 9, 0),
            date(2026, 11, 23),
        ),
        (ProcessingTime(3), datetime(2026, 11, 20, 9, 0), date(2026, 11, 25)),
        (ProcessingTime(12, "working_hours"), datetime(2026, 11, 20, 9, 0), date(2026, 11, 24)),
        (ProcessingTime(10, "days"), datetime(2026, 11, 20, 9, 0), date(2026, 11, 30)),
    ],
)
def test_the_appointment_follows_the_legal_time(time, received, due) -> None:
    assert time.due(received) == due


@pytest.mark.parametrize(
    ("code", "days"), [("HT-KS", 0), ("CT-TT", 7), ("TP-LLTP", 6), ("LD-TCTN", 14)]
)
def test_processing_days_never_promise_later_than_the_law(code: str, days: int) -> None:
    procedure = CATALOGUE.procedure(code)
    assert procedure.processing_days == days
    start = date(2026, 11, 16)  # a Monday
    if procedure.processing_time.unit == "days":
        latest = procedure.processing_time.due(datetime(2026, 11, 16, 9))
        for offset in range(7):  # whatever the weekday a dossier comes in
            day = date.fromordinal(start.toordinal() + offset)
            assert (add_working_days(day, days) - day) <= (latest - start)
