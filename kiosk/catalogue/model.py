"""The procedure catalogue, as validated data (``assets/procedures/catalogue.json``).

The file's structure is documented by ``assets/procedures/catalogue.schema.json``
(JSON Schema 2020-12); this module checks the same structure by hand, plus what
a schema cannot say: cross-references (pre-fill sources, documents' data
sources, conditions that name questions, categories, queue areas), unique
codes and keys, both languages present, text in Unicode NFC.  The first
problem found is reported as ``<file>: <path inside it>: <reason>``, e.g.
``catalogue.json: procedures[3].documents[1].replaced_by: unknown source 'xyz'``,
and nothing of a broken catalogue is used: the kiosk stays on the one it has.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, NoReturn

from kiosk.base.identity import PERSONAL_FIELDS
from kiosk.base.paths import ASSETS
from kiosk.catalogue.text import fold

CATALOGUE_FILE = ASSETS / "procedures" / "catalogue.json"
SCHEMA_FILE = ASSETS / "procedures" / "catalogue.schema.json"
SCHEMA_VERSION = 2

# Attributes of kiosk.base.identity.CitizenIdentity a form field can be pre-filled from.
CARD_SOURCES = frozenset(PERSONAL_FIELDS)
FIELD_KINDS = frozenset(
    {"text", "date", "phone", "number", "choice", "yes_no", "address", "id_number"}
)
QUESTION_KINDS = frozenset({"yes_no", "choice"})
YES_NO = ("yes", "no")
DOCUMENT_STATUSES = frozenset({"replaced_by_data", "still_needed", "filled_at_kiosk"})
AGENCY_LEVELS = frozenset({"commune", "province", "central"})
TIME_UNITS = frozenset({"working_days", "working_hours", "days"})
WORKING_HOURS_PER_DAY = 8

CODE = re.compile(r"^[A-Z0-9]+(-[A-Z0-9]+)*$")
KEY = re.compile(r"^[a-z][a-z0-9_]*$")
CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")


class CatalogueError(ValueError):
    """The catalogue file is broken; the message names file, path and reason."""


@dataclass(frozen=True)
class Localized:
    vi: str
    en: str

    def __call__(self, language: str) -> str:
        return self.en if language == "en" else self.vi


@dataclass(frozen=True)
class Condition:
    """``{"question": key, "equals": value}`` or ``{"question": key, "in": [values]}``."""

    question: str
    values: tuple[str, ...]

    def holds(self, answers: Mapping[str, str]) -> bool:
        return answers.get(self.question) in self.values


@dataclass(frozen=True)
class Option:
    value: str
    label: Localized


@dataclass(frozen=True)
class FormField:
    key: str
    label: Localized
    source: str | None = None  # a CitizenIdentity attribute when pre-filled from the card
    kind: str = "text"
    required: bool = True
    options: tuple[Option, ...] = ()
    show_if: Condition | None = None
    hint: Localized | None = None

    @property
    def from_card(self) -> bool:
        return self.source is not None

    def answer_values(self) -> tuple[str, ...]:
        """The answers a ``choice``/``yes_no`` field takes (what conditions compare to)."""
        return YES_NO if self.kind == "yes_no" else tuple(o.value for o in self.options)


@dataclass(frozen=True)
class Question:
    """An eligibility question: its answer changes the documents or the fee."""

    key: str
    text: Localized
    kind: str = "yes_no"
    options: tuple[Option, ...] = ()
    show_if: Condition | None = None
    help: Localized | None = None

    def answer_values(self) -> tuple[str, ...]:
        return YES_NO if self.kind == "yes_no" else tuple(o.value for o in self.options)


@dataclass(frozen=True)
class DataSource:
    """A connected database (or the chip) whose data replaces a paper."""

    key: str
    name: Localized


@dataclass(frozen=True)
class Document:
    key: str
    name: Localized
    status: str  # replaced_by_data | still_needed | filled_at_kiosk
    replaced_by: str | None = None  # a DataSource key
    when: tuple[Condition, ...] = ()  # needed only when all hold
    note: Localized | None = None

    @property
    def still_needed(self) -> bool:
        return self.status == "still_needed"

    def applies(self, answers: Mapping[str, str]) -> bool:
        return all(c.holds(answers) for c in self.when)


@dataclass(frozen=True)
class FeeCase:
    when: tuple[Condition, ...]
    amount_vnd: int | None  # None: set by the province
    label: Localized


@dataclass(frozen=True)
class Fee:
    summary: Localized
    amount_vnd: int | None  # None: set by the province (or varies)
    online_amount_vnd: int | None = None
    cases: tuple[FeeCase, ...] = ()

    def for_answers(self, answers: Mapping[str, str]) -> tuple[int | None, Localized]:
        """The fee given the eligibility answers: the first case that holds, else the base."""
        for case in self.cases:
            if all(c.holds(answers) for c in case.when):
                return case.amount_vnd, case.label
        return self.amount_vnd, self.summary


@dataclass(frozen=True)
class ProcessingTime:
    value: int
    unit: str = "working_days"  # working_days | working_hours | days (calendar)
    same_day_cutoff: str | None = None  # "15:00": received later, done the next working day
    extended_value: int | None = None  # the longer legal time in the cases named by ...
    extended_when: Localized | None = None
    note: Localized | None = None

    @property
    def working_days(self) -> int:
        """Whole working days to promise (calendar days: those that surely fit in them)."""
        if self.unit == "working_hours":
            return math.ceil(self.value / WORKING_HOURS_PER_DAY)
        if self.unit == "days":
            return _working_days_within(self.value)
        return self.value

    def due(self, received: datetime) -> date:
        """The appointment date for a dossier received at ``received``."""
        start = received.date()
        if self.unit == "days":
            return start + timedelta(days=self.value)
        if self.working_days == 0:
            cutoff = time.fromisoformat(self.same_day_cutoff or "23:59")
            if start.weekday() >= 5 or received.time() > cutoff:
                return add_working_days(start, 1)
            return start
        return add_working_days(start, self.working_days)


def _working_days_within(days: int) -> int:
    """The most working days that end within ``days`` calendar days, whatever the start."""
    monday = date(2024, 1, 1)
    count = 0
    while True:
        starts = (monday + timedelta(days=i) for i in range(7))
        if any((add_working_days(s, count + 1) - s).days > days for s in starts):
            return count
        count += 1


@dataclass(frozen=True)
class Agency:
    name: Localized
    level: str  # commune | province | central


@dataclass(frozen=True)
class Component:
    """One procedure of an interconnected group and the agency that does it."""

    name: Localized
    agency: Agency


@dataclass(frozen=True)
class Result:
    document: Localized
    collect_at: Localized


@dataclass(frozen=True)
class Procedure:
    code: str
    name: Localized
    category: str
    fee: Localized  # the fee in one sentence (``fee_detail`` has amounts and cases)
    processing_time: ProcessingTime
    fields: tuple[FormField, ...]
    keywords: tuple[str, ...] = ()
    popularity: int = 0
    extra_categories: tuple[str, ...] = ()
    agency: Agency | None = None
    components: tuple[Component, ...] = ()
    legal_basis: tuple[str, ...] = ()
    fee_detail: Fee | None = None
    result: Result | None = None
    questions: tuple[Question, ...] = ()
    documents: tuple[Document, ...] = ()
    queue_area: str | None = None
    form_name: Localized | None = None
    sources: tuple[str, ...] = ()
    unconfirmed: tuple[Localized, ...] = ()

    @property
    def processing_days(self) -> int:
        """The legal processing time in working days (0: the same day)."""
        return self.processing_time.working_days

    @property
    def interconnected(self) -> bool:
        return bool(self.components)

    def field(self, key: str) -> FormField:
        for field in self.fields:
            if field.key == key:
                return field
        raise KeyError(key)


@dataclass(frozen=True)
class QueueArea:
    code: str
    name: Localized


@dataclass(frozen=True)
class Category:
    key: str
    name: Localized


@dataclass(frozen=True)
class Catalogue:
    version: str
    procedures: tuple[Procedure, ...]
    queue_areas: tuple[QueueArea, ...]
    categories: tuple[Category, ...] = ()
    data_sources: tuple[DataSource, ...] = ()

    def procedure(self, code: str) -> Procedure:
        for procedure in self.procedures:
            if procedure.code == code:
                return procedure
        raise KeyError(code)

    def category(self, key: str) -> Category:
        for category in self.categories:
            if category.key == key:
                return category
        raise KeyError(key)

    def data_source(self, key: str) -> DataSource:
        for source in self.data_sources:
            if source.key == key:
                return source
        raise KeyError(key)


def prefill_share(procedure: Procedure) -> float:
    """The share of the procedure's form fields that the chip card fills in (0.0–1.0)."""
    if not procedure.fields:
        return 0.0
    return sum(1 for f in procedure.fields if f.from_card) / len(procedure.fields)


def visible_fields(procedure: Procedure, answers: Mapping[str, str]) -> list[FormField]:
    """The fields to ask given the answers so far (eligibility answers and earlier fields)."""
    return [f for f in procedure.fields if f.show_if is None or f.show_if.holds(answers)]


def visible_questions(procedure: Procedure, answers: Mapping[str, str]) -> list[Question]:
    return [q for q in procedure.questions if q.show_if is None or q.show_if.holds(answers)]


def required_documents(procedure: Procedure, answers: Mapping[str, str]) -> list[Document]:
    """The documents that apply given the eligibility answers."""
    return [d for d in procedure.documents if d.applies(answers)]


# Loading and validation ---------------------------------------------------------------


class _Reader:
    """Walks the raw JSON, turning every problem into ``<source>: <path>: <reason>``."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, reason: str) -> NoReturn:
        raise CatalogueError(
            f"{self.source}: {where}: {reason}" if where else f"{self.source}: {reason}"
        )

    def obj(
        self, raw: object, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.fail(where, f"expected an object, found {_kind(raw)}")
        for key in required:
            if key not in raw:
                self.fail(where, f"missing {key!r}")
        for key in raw:
            if key not in required and key not in optional:
                self.fail(_join(where, key), "unknown key")
        return raw

    def array(self, raw: object, where: str, minimum: int = 0) -> list[Any]:
        if not isinstance(raw, list):
            self.fail(where, f"expected a list, found {_kind(raw)}")
        if len(raw) < minimum:
            self.fail(where, f"expected at least {minimum} item{'s' if minimum > 1 else ''}")
        return raw

    def text(self, raw: object, where: str) -> str:
        if not isinstance(raw, str):
            self.fail(where, f"expected text, found {_kind(raw)}")
        if not raw.strip():
            self.fail(where, "empty text")
        if not unicodedata.is_normalized("NFC", raw):
            self.fail(where, "text is not in Unicode NFC form")
        return raw

    def pattern(self, raw: object, where: str, regex: re.Pattern[str], what: str) -> str:
        value = self.text(raw, where)
        if not regex.match(value):
            self.fail(where, f"{value!r} is not {what}")
        return value

    def integer(self, raw: object, where: str, minimum: int = 0) -> int:
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)  # JSON Schema counts 3.0 as an integer too
        if isinstance(raw, bool) or not isinstance(raw, int):
            self.fail(where, f"expected a whole number, found {_kind(raw)}")
        if raw < minimum:
            self.fail(where, f"expected a number of at least {minimum}, found {raw}")
        return raw

    def amount(self, raw: object, where: str) -> int | None:
        return None if raw is None else self.integer(raw, where)

    def boolean(self, raw: object, where: str) -> bool:
        if not isinstance(raw, bool):
            self.fail(where, f"expected true or false, found {_kind(raw)}")
        return raw

    def one_of(self, raw: object, where: str, allowed: frozenset[str], what: str) -> str:
        value = self.text(raw, where)
        if value not in allowed:
            self.fail(
                where, f"unknown {what} {value!r} (expected one of {', '.join(sorted(allowed))})"
            )
        return value

    def loc(self, raw: object, where: str) -> Localized:
        data = self.obj(raw, where, ("vi", "en"))
        return Localized(self.text(data["vi"], f"{where}.vi"), self.text(data["en"], f"{where}.en"))

    def texts(self, raw: object, where: str, minimum: int = 0) -> tuple[str, ...]:
        items = self.array(raw, where, minimum)
        return tuple(self.text(item, f"{where}[{i}]") for i, item in enumerate(items))

    def unique_keys(self, items: list[Any], where: str, field: str = "key") -> None:
        seen: set[str] = set()
        for i, item in enumerate(items):
            value = getattr(item, field)
            if value in seen:
                self.fail(f"{where}[{i}].{field}", f"duplicate {field} {value!r}")
            seen.add(value)


def _kind(raw: object) -> str:
    if raw is None:
        return "null"
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "an object",
    }.get(type(raw), type(raw).__name__)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _condition(r: _Reader, raw: object, where: str) -> Condition:
    data = r.obj(raw, where, ("question",), ("equals", "in"))
    question = r.pattern(data["question"], f"{where}.question", KEY, "a key")
    if ("equals" in data) == ("in" in data):
        r.fail(where, "give either 'equals' or 'in'")
    if "equals" in data:
        return Condition(question, (r.text(data["equals"], f"{where}.equals"),))
    return Condition(question, r.texts(data["in"], f"{where}.in", minimum=1))


def _conditions(r: _Reader, raw: object, where: str) -> tuple[Condition, ...]:
    items = r.array(raw, where, minimum=1)
    return tuple(_condition(r, item, f"{where}[{i}]") for i, item in enumerate(items))


def _options(r: _Reader, raw: object, where: str) -> tuple[Option, ...]:
    items = r.array(raw, where, minimum=2)
    options = []
    for i, item in enumerate(items):
        data = r.obj(item, f"{where}[{i}]", ("value", "label"))
        options.append(
            Option(
                r.pattern(data["value"], f"{where}[{i}].value", KEY, "a key"),
                r.loc(data["label"], f"{where}[{i}].label"),
            )
        )
    r.unique_keys(options, where, "value")
    return tuple(options)


def _field(r: _Reader, raw: object, where: str) -> FormField:
    data = r.obj(
        raw,
        where,
        ("key", "label"),
        ("kind", "source", "required", "options", "show_if", "hint"),
    )
    key = r.pattern(data["key"], f"{where}.key", KEY, "a key")
    label = r.loc(data["label"], f"{where}.label")
    source = None
    if data.get("source") is not None:
        source = r.text(data["source"], f"{where}.source")
        if source not in CARD_SOURCES:
            r.fail(f"{where}.source", f"unknown card field {source!r}")
    kind = "text"
    if "kind" in data:
        kind = r.text(data["kind"], f"{where}.kind")
        if kind not in FIELD_KINDS:
            r.fail(f"{where}.kind", f"unknown kind {kind!r}")
    options: tuple[Option, ...] = ()
    if "options" in data:
        if kind != "choice":
            r.fail(f"{where}.options", f"only a choice has options, this field is {kind!r}")
        options = _options(r, data["options"], f"{where}.options")
    elif kind == "choice":
        r.fail(where, "missing 'options' (a choice needs at least two)")
    return FormField(
        key=key,
        label=label,
        source=source,
        kind=kind,
        required=r.boolean(data["required"], f"{where}.required") if "required" in data else True,
        options=options,
        show_if=_condition(r, data["show_if"], f"{where}.show_if") if "show_if" in data else None,
        hint=r.loc(data["hint"], f"{where}.hint") if "hint" in data else None,
    )


def _question(r: _Reader, raw: object, where: str) -> Question:
    data = r.obj(raw, where, ("key", "text", "kind"), ("options", "show_if", "help"))
    kind = r.one_of(data["kind"], f"{where}.kind", QUESTION_KINDS, "question kind")
    options: tuple[Option, ...] = ()
    if "options" in data:
        if kind != "choice":
            r.fail(f"{where}.options", "only a choice has options, this question is 'yes_no'")
        options = _options(r, data["options"], f"{where}.options")
    elif kind == "choice":
        r.fail(where, "missing 'options' (a choice needs at least two)")
    return Question(
        key=r.pattern(data["key"], f"{where}.key", KEY, "a key"),
        text=r.loc(data["text"], f"{where}.text"),
        kind=kind,
        options=options,
        show_if=_condition(r, data["show_if"], f"{where}.show_if") if "show_if" in data else None,
        help=r.loc(data["help"], f"{where}.help") if "help" in data else None,
    )


def _document(r: _Reader, raw: object, where: str, sources: set[str]) -> Document:
    data = r.obj(raw, where, ("key", "name", "status"), ("replaced_by", "when", "note"))
    status = r.one_of(data["status"], f"{where}.status", DOCUMENT_STATUSES, "status")
    replaced_by = None
    if status == "replaced_by_data":
        if "replaced_by" not in data:
            r.fail(where, "missing 'replaced_by' (the document is marked replaced_by_data)")
        replaced_by = r.text(data["replaced_by"], f"{where}.replaced_by")
        if replaced_by not in sources:
            r.fail(f"{where}.replaced_by", f"unknown source {replaced_by!r}")
    elif "replaced_by" in data:
        r.fail(f"{where}.replaced_by", f"only a document replaced_by_data has it, not {status!r}")
    return Document(
        key=r.pattern(data["key"], f"{where}.key", KEY, "a key"),
        name=r.loc(data["name"], f"{where}.name"),
        status=status,
        replaced_by=replaced_by,
        when=_conditions(r, data["when"], f"{where}.when") if "when" in data else (),
        note=r.loc(data["note"], f"{where}.note") if "note" in data else None,
    )


def _fee(r: _Reader, raw: object, where: str) -> Fee:
    data = r.obj(raw, where, ("summary", "amount_vnd"), ("online_amount_vnd", "cases"))
    cases = []
    for i, item in enumerate(r.array(data.get("cases", []), f"{where}.cases")):
        at = f"{where}.cases[{i}]"
        case = r.obj(item, at, ("when", "amount_vnd", "label"))
        cases.append(
            FeeCase(
                _conditions(r, case["when"], f"{at}.when"),
                r.amount(case["amount_vnd"], f"{at}.amount_vnd"),
                r.loc(case["label"], f"{at}.label"),
            )
        )
    return Fee(
        summary=r.loc(data["summary"], f"{where}.summary"),
        amount_vnd=r.amount(data["amount_vnd"], f"{where}.amount_vnd"),
        online_amount_vnd=r.amount(data.get("online_amount_vnd"), f"{where}.online_amount_vnd"),
        cases=tuple(cases),
    )


def _processing_time(r: _Reader, raw: object, where: str) -> ProcessingTime:
    data = r.obj(raw, where, ("value", "unit"), ("same_day_cutoff", "extended", "note"))
    extended_value = extended_when = None
    if "extended" in data:
        ext = r.obj(data["extended"], f"{where}.extended", ("value", "when"))
        extended_value = r.integer(ext["value"], f"{where}.extended.value", minimum=1)
        extended_when = r.loc(ext["when"], f"{where}.extended.when")
    return ProcessingTime(
        value=r.integer(data["value"], f"{where}.value"),
        unit=r.one_of(data["unit"], f"{where}.unit", TIME_UNITS, "unit"),
        same_day_cutoff=(
            r.pattern(data["same_day_cutoff"], f"{where}.same_day_cutoff", CLOCK, "a time HH:MM")
            if "same_day_cutoff" in data
            else None
        ),
        extended_value=extended_value,
        extended_when=extended_when,
        note=r.loc(data["note"], f"{where}.note") if "note" in data else None,
    )


def _agency(r: _Reader, raw: object, where: str) -> Agency:
    data = r.obj(raw, where, ("name", "level"))
    return Agency(
        r.loc(data["name"], f"{where}.name"),
        r.one_of(data["level"], f"{where}.level", AGENCY_LEVELS, "level"),
    )


PROCEDURE_REQUIRED = (
    "code",
    "name",
    "category",
    "popularity",
    "agency",
    "legal_basis",
    "fee",
    "processing_time",
    "result",
    "fields",
    "documents",
    "sources",
)
PROCEDURE_OPTIONAL = (
    "keywords",
    "extra_categories",
    "components",
    "questions",
    "queue_area",
    "form_name",
    "unconfirmed",
)


def _procedure(r: _Reader, raw: object, where: str, refs: dict[str, set[str]]) -> Procedure:
    data = r.obj(raw, where, PROCEDURE_REQUIRED, PROCEDURE_OPTIONAL)
    code = r.pattern(data["code"], f"{where}.code", CODE, "a procedure code (e.g. HT-KS)")
    category = r.text(data["category"], f"{where}.category")
    if category not in refs["categories"]:
        r.fail(f"{where}.category", f"unknown category {category!r}")
    extra = r.texts(data.get("extra_categories", []), f"{where}.extra_categories")
    for i, key in enumerate(extra):
        if key not in refs["categories"]:
            r.fail(f"{where}.extra_categories[{i}]", f"unknown category {key!r}")
    keywords_raw = r.obj(
        data.get("keywords", {"vi": [], "en": []}), f"{where}.keywords", ("vi", "en")
    )
    keywords = r.texts(keywords_raw["vi"], f"{where}.keywords.vi") + r.texts(
        keywords_raw["en"], f"{where}.keywords.en"
    )
    components = []
    if "components" in data:  # an interconnected group: at least two procedures
        for i, item in enumerate(r.array(data["components"], f"{where}.components", minimum=2)):
            at = f"{where}.components[{i}]"
            comp = r.obj(item, at, ("name", "agency"))
            components.append(
                Component(
                    r.loc(comp["name"], f"{at}.name"), _agency(r, comp["agency"], f"{at}.agency")
                )
            )
    result = r.obj(data["result"], f"{where}.result", ("document", "collect_at"))
    fields = [
        _field(r, item, f"{where}.fields[{i}]")
        for i, item in enumerate(r.array(data["fields"], f"{where}.fields", minimum=1))
    ]
    r.unique_keys(fields, f"{where}.fields")
    questions = [
        _question(r, item, f"{where}.questions[{i}]")
        for i, item in enumerate(r.array(data.get("questions", []), f"{where}.questions"))
    ]
    r.unique_keys(questions, f"{where}.questions")
    documents = [
        _document(r, item, f"{where}.documents[{i}]", refs["data_sources"])
        for i, item in enumerate(r.array(data["documents"], f"{where}.documents", minimum=1))
    ]
    r.unique_keys(documents, f"{where}.documents")
    fee = _fee(r, data["fee"], f"{where}.fee")
    queue_area = None
    if "queue_area" in data:
        queue_area = r.text(data["queue_area"], f"{where}.queue_area")
        if queue_area not in refs["queue_areas"]:
            r.fail(f"{where}.queue_area", f"unknown queue area {queue_area!r}")
    procedure = Procedure(
        code=code,
        name=r.loc(data["name"], f"{where}.name"),
        category=category,
        fee=fee.summary,
        processing_time=_processing_time(r, data["processing_time"], f"{where}.processing_time"),
        fields=tuple(fields),
        keywords=keywords,
        popularity=r.integer(data["popularity"], f"{where}.popularity"),
        extra_categories=extra,
        agency=_agency(r, data["agency"], f"{where}.agency"),
        components=tuple(components),
        legal_basis=r.texts(data["legal_basis"], f"{where}.legal_basis", minimum=1),
        fee_detail=fee,
        result=Result(
            r.loc(result["document"], f"{where}.result.document"),
            r.loc(result["collect_at"], f"{where}.result.collect_at"),
        ),
        questions=tuple(questions),
        documents=tuple(documents),
        queue_area=queue_area,
        form_name=r.loc(data["form_name"], f"{where}.form_name") if "form_name" in data else None,
        sources=r.texts(data["sources"], f"{where}.sources", minimum=1),
        unconfirmed=tuple(
            r.loc(item, f"{where}.unconfirmed[{i}]")
            for i, item in enumerate(r.array(data.get("unconfirmed", []), f"{where}.unconfirmed"))
        ),
    )
    _check_conditions(r, procedure, where)
    return procedure


def _check_conditions(r: _Reader, procedure: Procedure, where: str) -> None:
    """Conditions name questions that exist, asked before them, with answers they can take."""
    questions = {q.key: q.answer_values() for q in procedure.questions}
    fields = {f.key for f in procedure.fields}
    for i, q in enumerate(procedure.questions):
        if q.key in fields:
            r.fail(f"{where}.questions[{i}].key", f"{q.key!r} is also a field's key")
    asked: dict[str, tuple[str, ...]] = {}
    for i, q in enumerate(procedure.questions):
        if q.show_if is not None:
            _check_condition(r, q.show_if, asked, f"{where}.questions[{i}].show_if")
        asked[q.key] = q.answer_values()
    answered = dict(questions)
    for i, f in enumerate(procedure.fields):
        if f.show_if is not None:
            _check_condition(r, f.show_if, answered, f"{where}.fields[{i}].show_if")
        if f.kind in ("choice", "yes_no"):
            answered[f.key] = f.answer_values()
    for i, d in enumerate(procedure.documents):
        for j, c in enumerate(d.when):
            _check_condition(r, c, questions, f"{where}.documents[{i}].when[{j}]")
    assert procedure.fee_detail is not None
    for i, case in enumerate(procedure.fee_detail.cases):
        for j, c in enumerate(case.when):
            at = f"{where}.fee.cases[{i}].when[{j}]"
            if c.question not in questions:
                r.fail(f"{at}.question", f"unknown eligibility question {c.question!r}")
            _check_condition(r, c, questions, at)


def _check_condition(
    r: _Reader, condition: Condition, known: Mapping[str, tuple[str, ...]], where: str
) -> None:
    if condition.question not in known:
        r.fail(f"{where}.question", f"unknown question {condition.question!r}")
    for value in condition.values:
        if value not in known[condition.question]:
            r.fail(where, f"{value!r} is not an answer of {condition.question!r}")


def _catalogue(r: _Reader, raw: object) -> Catalogue:
    data = r.obj(
        raw,
        "",
        ("schema_version", "version", "categories", "data_sources", "queue_areas", "procedures"),
        ("note", "$schema"),
    )
    schema_version = r.integer(data["schema_version"], "schema_version", minimum=1)
    if schema_version != SCHEMA_VERSION:
        r.fail(
            "schema_version",
            f"unsupported version {schema_version} (this kiosk reads {SCHEMA_VERSION})",
        )
    version = r.text(data["version"], "version")
    if "$schema" in data and not isinstance(data["$schema"], str):
        r.fail("$schema", f"expected text, found {_kind(data['$schema'])}")
    if "note" in data:
        r.text(data["note"], "note")
    categories = []
    for i, item in enumerate(r.array(data["categories"], "categories", minimum=1)):
        entry = r.obj(item, f"categories[{i}]", ("key", "name"))
        categories.append(
            Category(
                r.pattern(entry["key"], f"categories[{i}].key", KEY, "a key"),
                r.loc(entry["name"], f"categories[{i}].name"),
            )
        )
    r.unique_keys(categories, "categories")
    sources = []
    for i, item in enumerate(r.array(data["data_sources"], "data_sources", minimum=1)):
        entry = r.obj(item, f"data_sources[{i}]", ("key", "name"))
        sources.append(
            DataSource(
                r.pattern(entry["key"], f"data_sources[{i}].key", KEY, "a key"),
                r.loc(entry["name"], f"data_sources[{i}].name"),
            )
        )
    r.unique_keys(sources, "data_sources")
    areas = []
    for i, item in enumerate(r.array(data["queue_areas"], "queue_areas", minimum=1)):
        entry = r.obj(item, f"queue_areas[{i}]", ("code", "name"))
        areas.append(
            QueueArea(
                r.pattern(entry["code"], f"queue_areas[{i}].code", CODE, "an area code"),
                r.loc(entry["name"], f"queue_areas[{i}].name"),
            )
        )
    r.unique_keys(areas, "queue_areas", "code")
    refs = {
        "categories": {c.key for c in categories},
        "data_sources": {s.key for s in sources},
        "queue_areas": {a.code for a in areas},
    }
    procedures = [
        _procedure(r, item, f"procedures[{i}]", refs)
        for i, item in enumerate(r.array(data["procedures"], "procedures", minimum=1))
    ]
    r.unique_keys(procedures, "procedures", "code")
    return Catalogue(version, tuple(procedures), tuple(areas), tuple(categories), tuple(sources))


def parse_catalogue(data: bytes, source: str) -> Catalogue:
    """Validate a whole catalogue given as bytes (a bundled file or a downloaded update).

    ``source`` names it in error messages.  Raises :class:`CatalogueError`.
    """
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CatalogueError(
            f"{source}: not UTF-8 text: {exc.reason} at byte {exc.start}"
        ) from None
    except json.JSONDecodeError as exc:
        raise CatalogueError(
            f"{source}: not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    return _catalogue(_Reader(source), raw)


def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_catalogue(data, str(path))


# Answers ------------------------------------------------------------------------------

PHONE = re.compile(r"^0\d{9}$")
ID_NUMBER = re.compile(r"^\d{12}$")
NUMBER = re.compile(r"^\d+$")
YES_WORDS = frozenset({"yes", "co", "y"})
NO_WORDS = frozenset({"no", "khong", "n"})


def normalise_choice(field: FormField, value: str) -> str | None:
    """The option value a typed answer stands for (its value or label, accents optional)."""
    folded = fold(value)
    if field.kind == "yes_no":
        if folded in YES_WORDS:
            return "yes"
        if folded in NO_WORDS:
            return "no"
        return None
    for option in field.options:
        if folded in (fold(option.value), fold(option.label.vi), fold(option.label.en)):
            return option.value
    return None


def validate_answer(field: FormField, value: str, today: date) -> str | None:
    """Return the message key of the problem with ``value``, or ``None`` when it is fine.

    An empty answer is fine for an optional field, and for a conditional one
    (``show_if``): whether it is asked depends on other answers, which
    :func:`validate_answers` knows.
    """
    value = value.strip()
    if not value:
        return "form.error.required" if field.required and field.show_if is None else None
    if field.kind == "phone" and not PHONE.match(value.replace(" ", "")):
        return "form.error.phone"
    if field.kind == "date":
        try:
            parsed = datetime.strptime(value, "%d/%m/%Y").date()
        except ValueError:
            return "form.error.date"
        if parsed > today:
            return "form.error.date_future"
    if field.kind == "number" and not NUMBER.match(value.replace(" ", "").replace(".", "")):
        return "form.error.number"
    if field.kind == "id_number" and not ID_NUMBER.match(value.replace(" ", "")):
        return "form.error.id_number"
    if field.kind in ("choice", "yes_no") and normalise_choice(field, value) is None:
        return "form.error.choice"
    return None


def validate_answers(
    procedure: Procedure, answers: Mapping[str, str], today: date
) -> dict[str, str]:
    """Every problem of a whole form (card fields skipped), keyed by field.

    ``answers`` holds the eligibility answers and the typed ones; a conditional
    field is checked, and required, only when its condition holds.
    """
    errors: dict[str, str] = {}
    for field in visible_fields(procedure, answers):
        if field.from_card:
            continue
        value = answers.get(field.key, "")
        if not value.strip() and field.required:
            errors[field.key] = "form.error.required"
            continue
        problem = validate_answer(field, value, today)
        if problem:
            errors[field.key] = problem
    return errors


def add_working_days(start: date, days: int) -> date:
    """The appointment date: ``days`` working days (Monday–Friday) after ``start``.

    Public holidays are not counted yet: a later catalogue carries the
    calendar.
    """
    current = start
    added = 0
    while added < days:
        current = date.fromordinal(current.toordinal() + 1)
        if current.weekday() < 5:
            added += 1
    return current
