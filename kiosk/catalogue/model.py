"""The procedure catalogue as values: procedures, their forms, papers, fees and times.

These are plain frozen dataclasses built by :mod:`kiosk.catalogue.load` from a
validated ``assets/procedures/catalogue.json``, plus small pure helpers over them
(which fields and papers apply given the answers so far, the appointment date).
Checking typed answers is the form engine's (:mod:`kiosk.forms.answers`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kiosk.base.identity import PERSONAL_FIELDS
from kiosk.base.paths import ASSETS

CATALOGUE_FILE = ASSETS / "procedures" / "catalogue.json"

# Attributes of kiosk.base.identity.CitizenIdentity a form field can be pre-filled from.
CARD_SOURCES = frozenset(PERSONAL_FIELDS)
# The card attributes that hold an address (an address field may offer them as answers).
ADDRESS_CARD_SOURCES = frozenset({"place_of_residence", "place_of_origin"})
YES_NO = ("yes", "no")
WORKING_HOURS_PER_DAY = 8


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
class Derivation:
    """How the kiosk works an eligibility answer out instead of asking it.

    From a date field of the form (``from_field`` + ``days_over``: "yes" when that
    date is more than so many days before today), or from the card (``from_card``
    + ``card_map``: the answers the card's value leaves possible; one left is the
    answer, several are the only ones offered).  The citizen can still change it.
    """

    from_field: str | None = None
    days_over: int | None = None
    from_card: str | None = None  # a CitizenIdentity attribute (a PERSONAL_FIELDS name)
    card_map: tuple[tuple[str, tuple[str, ...]], ...] = ()  # card value -> answers


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
    hide_if: Condition | None = None  # not asked when this holds (the state already knows)
    same_as: tuple[str, ...] = ()  # address offers: a card source or another address field

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
    hide_if: Condition | None = None
    derive: Derivation | None = None

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
    return [f for f in procedure.fields if _shown(f, answers)]


def visible_questions(procedure: Procedure, answers: Mapping[str, str]) -> list[Question]:
    return [q for q in procedure.questions if _shown(q, answers)]


def _shown(item: FormField | Question, answers: Mapping[str, str]) -> bool:
    if item.show_if is not None and not item.show_if.holds(answers):
        return False
    return item.hide_if is None or not item.hide_if.holds(answers)


def required_documents(procedure: Procedure, answers: Mapping[str, str]) -> list[Document]:
    """The documents that apply given the eligibility answers."""
    return [d for d in procedure.documents if d.applies(answers)]


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
