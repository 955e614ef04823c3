"""The form engine: one question per page, answers from the card, check answers (no Qt).

A :class:`FormSession` walks a procedure's eligibility questions, then the
form fields the card cannot answer, one page at a time (the GOV.UK "one
thing per page" pattern that suits first-time and elderly users).  Which
pages exist depends on the answers so far, so the page list is recomputed
after every answer: answering "born in a hospital: no" adds the place-of-birth
page, changing it back removes the page and forgets its answer.

The screens are thin views: they show :attr:`FormSession.page`, call
:meth:`FormSession.submit` with what the citizen entered and render the
returned problems (an error summary linking to each input, and the same
message beside the input).  "Change" on the check-answers page jumps to one
page; continuing from it returns to the check-answers page unless the new
answer opened questions that still need answers.

The finished form yields a :class:`DossierDraft`, the data the submission
step seals.  Card answers are not stored here: the form reads them through
``card`` (the session's identity), so wiping the identity wipes them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from kiosk.catalogue.admin_units import AdminUnits
from kiosk.catalogue.model import (
    Document,
    FormField,
    Localized,
    Option,
    Procedure,
    ProcessingTime,
    Question,
    required_documents,
    visible_fields,
    visible_questions,
)
from kiosk.forms.answers import normalise_choice, validate_answer


class PageKind(StrEnum):
    CARD = "card"  # what the chip fills in, shown (read-only) before the questions
    QUESTION = "question"  # an eligibility question (changes papers or fee)
    FIELD = "field"  # a field of the form


CARD_PAGE = "from_card"
"""The key of the card page (never a field key: catalogue keys are checked for it)."""


@dataclass(frozen=True)
class Page:
    """One page of the form: one question, asked one way."""

    kind: PageKind
    key: str
    label: Localized
    input: str  # text | date | phone | number | id_number | choice | yes_no | address
    required: bool = True
    options: tuple[Option, ...] = ()
    hint: Localized | None = None

    @property
    def choices(self) -> tuple[tuple[str, Localized], ...]:
        """(value, label) of each answer of a choice or yes/no page."""
        if self.input == "yes_no":
            return (("yes", Localized("Có", "Yes")), ("no", Localized("Không", "No")))
        return tuple((o.value, o.label) for o in self.options)


@dataclass(frozen=True)
class Address:
    """An address picked from the current administrative units; the codes are what counts."""

    province_code: str
    commune_code: str
    detail: str
    text: str  # "Số 5 ngõ 10, Phường Cửa Nam, Thành phố Hà Nội"


@dataclass(frozen=True)
class AnswerRow:
    """One line of the check-answers page."""

    key: str
    label: Localized
    value: str  # as shown: a date as dd/mm/yyyy, a choice by its label in ``language``
    from_card: bool
    kind: PageKind | None  # None for card answers (they cannot be changed here)


@dataclass
class DossierDraft:
    """What a finished form hands to the submission step (sealed there)."""

    procedure_code: str
    eligibility: dict[str, str]
    answers: dict[str, str]  # every visible field, card ones included
    addresses: dict[str, dict[str, str]]  # field key -> codes, detail and text
    from_card: list[str]  # keys of the answers that came from the chip
    documents: list[dict[str, str | None]]  # key, status, replaced_by
    fee_vnd: int | None

    def as_content(self) -> dict[str, Any]:
        return {
            "procedure": self.procedure_code,
            "eligibility": dict(self.eligibility),
            "answers": dict(self.answers),
            "addresses": {k: dict(v) for k, v in self.addresses.items()},
            "from_card": list(self.from_card),
            "documents": [dict(d) for d in self.documents],
            "fee_vnd": self.fee_vnd,
        }


def _field_page(field: FormField) -> Page:
    return Page(
        PageKind.FIELD,
        field.key,
        field.label,
        field.kind,
        field.required,
        field.options,
        field.hint,
    )


def _question_page(question: Question) -> Page:
    return Page(
        PageKind.QUESTION,
        question.key,
        question.text,
        question.kind,
        True,
        question.options,
        question.help,
    )


class FormSession:
    """The state of one citizen's form; see the module docstring.

    ``card`` gives the display value the chip holds for a card field ('' when
    none); ``units`` is needed only for procedures with address fields;
    ``values`` is the dict to keep answers in (the session's, so one wipe
    clears them).
    """

    def __init__(
        self,
        procedure: Procedure,
        card: Callable[[FormField], str],
        today: Callable[[], date],
        units: AdminUnits | None = None,
        values: dict[str, str] | None = None,
    ) -> None:
        self.procedure = procedure
        self._card = card
        self._today = today
        self.units = units
        self.values: dict[str, str] = values if values is not None else {}
        self.addresses: dict[str, Address] = {}
        self.position = 0
        self.returning = False  # came from the check-answers page through "Change"
        self.errors: dict[str, str] = {}  # the current page's problems, by input

    # The pages -----------------------------------------------------------------
    def pages(self) -> list[Page]:
        pages: list[Page] = []
        if self.card_fields():
            pages.append(
                Page(
                    PageKind.CARD,
                    CARD_PAGE,
                    Localized("Thông tin từ thẻ căn cước", "From your ID card"),
                    "review",
                    False,
                )
            )
        pages += [_question_page(q) for q in visible_questions(self.procedure, self.values)]
        pages += [
            _field_page(f) for f in visible_fields(self.procedure, self.values) if not f.from_card
        ]
        return pages

    @property
    def page(self) -> Page | None:
        pages = self.pages()
        return pages[self.position] if self.position < len(pages) else None

    @property
    def complete(self) -> bool:
        return self.page is None

    def progress(self) -> tuple[int, int]:
        """(this page's number, how many pages) for "Question 2 of 5"."""
        total = len(self.pages())
        return min(self.position + 1, total), total

    def card_fields(self) -> list[FormField]:
        """The fields the chip answers (the card page and the requirements screen)."""
        return [f for f in visible_fields(self.procedure, self.values) if f.from_card]

    def card_value(self, form_field: FormField) -> str:
        return self._card(form_field)

    def value(self, key: str) -> str:
        return self.values.get(key, "")

    # Answering -------------------------------------------------------------------
    def submit(self, value: str | Mapping[str, str]) -> dict[str, str]:
        """Answer the current page; returns its problems ({input key: message key}).

        ``value`` is the text typed or the choice's value; for an address page
        a mapping with ``province``, ``commune`` and ``detail``.  Without
        problems the answer is kept and the form moves on.
        """
        page = self.page
        if page is None:
            return {}
        if page.kind is PageKind.CARD:
            problems: dict[str, str] = {}
        elif page.input == "address":
            parts = value if isinstance(value, Mapping) else {"detail": value}
            problems = self._answer_address(page, parts)
        else:
            text = value if isinstance(value, str) else ""
            problems = self._answer(page, text)
        self.errors = problems
        if not problems:
            self._forget_hidden()
            self._advance()
        return problems

    def _answer(self, page: Page, text: str) -> dict[str, str]:
        text = " ".join(text.split())
        probe = FormField(page.key, page.label, kind=page.input, options=page.options)
        if not text:
            if page.required:
                return {page.key: "form.error.required"}
            self.values.pop(page.key, None)
            return {}
        problem = validate_answer(probe, text, self._today())
        if problem:
            return {page.key: problem}
        if page.input in ("choice", "yes_no"):
            text = normalise_choice(probe, text) or text
        elif page.input in ("phone", "id_number", "number"):
            text = text.replace(" ", "").replace(".", "")
        elif page.input == "date":
            text = datetime.strptime(text, "%d/%m/%Y").strftime("%d/%m/%Y")
        self.values[page.key] = text
        return {}

    def _answer_address(self, page: Page, parts: Mapping[str, str]) -> dict[str, str]:
        units = self.units
        if units is None:
            raise RuntimeError("an address page needs the administrative units")
        province = parts.get("province", "").strip()
        commune = parts.get("commune", "").strip()
        detail = " ".join(parts.get("detail", "").split())
        problems: dict[str, str] = {}
        try:
            units.province(province)
        except KeyError:
            problems[f"{page.key}.province"] = "form.error.province"
        if not problems:
            try:
                if units.commune(commune).province != province:
                    raise KeyError(commune)
            except KeyError:
                problems[f"{page.key}.commune"] = "form.error.commune"
        if not detail and page.required:
            problems[f"{page.key}.detail"] = "form.error.address_detail"
        if problems:
            return problems
        text = units.address(commune, detail)
        self.addresses[page.key] = Address(province, commune, detail, text)
        self.values[page.key] = text
        return {}

    def _forget_hidden(self) -> None:
        """Drop answers to pages that an answer has just hidden (they must not be sent)."""
        while True:
            shown = {p.key for p in self.pages()}
            asked = {q.key for q in self.procedure.questions} | {
                f.key for f in self.procedure.fields if not f.from_card
            }
            hidden = [k for k in self.values if k in asked and k not in shown]
            if not hidden:
                return
            for key in hidden:
                self.values.pop(key, None)
                self.addresses.pop(key, None)

    def _advance(self) -> None:
        pages = self.pages()
        if self.returning:
            # Back to the check-answers page, unless the answer opened a new question.
            missing = [
                i
                for i, p in enumerate(pages)
                if p.kind is not PageKind.CARD and p.required and p.key not in self.values
            ]
            self.position = missing[0] if missing else len(pages)
            self.returning = bool(missing)
            return
        self.position = min(self.position + 1, len(pages))

    # Navigation ------------------------------------------------------------------
    def back(self) -> bool:
        """One page back; ``False`` on the first page (the screen leaves the form)."""
        self.errors = {}
        if self.position == 0:
            return False
        self.position = min(self.position, len(self.pages())) - 1
        return True

    def go_to(self, key: str) -> None:
        """ "Change" on the check-answers page: the page of ``key``, then back to checking."""
        for index, page in enumerate(self.pages()):
            if page.key == key:
                self.position = index
                self.returning = True
                self.errors = {}
                return
        raise KeyError(key)

    def go_to_last(self) -> None:
        """ "Back" from the check-answers page: the last page."""
        self.position = max(len(self.pages()) - 1, 0)
        self.returning = False
        self.errors = {}

    def fill(self, answers: Mapping[str, str | Mapping[str, str]]) -> dict[str, str]:
        """Answer page after page from ``answers`` (scripts, tests, the bulk API).

        Stops at the first page with a problem and returns every problem met;
        a page that ``answers`` does not mention is submitted empty.
        """
        self.position = 0
        self.returning = False
        problems: dict[str, str] = {}
        guard = 0
        while (page := self.page) is not None and guard < 200:
            guard += 1
            given = answers.get(page.key, "")
            found = self.submit(given)
            if found:
                problems.update(found)
                # Keep going past a broken answer so the caller learns every problem.
                self.position += 1
        if problems:
            self.position = next(
                (i for i, p in enumerate(self.pages()) if p.key in _page_keys(problems)), 0
            )
            self.errors = {k: v for k, v in problems.items() if _page_key(k) == self.page_key}
        return problems

    @property
    def page_key(self) -> str | None:
        page = self.page
        return page.key if page else None

    # The finished form -------------------------------------------------------------
    def problems(self) -> dict[str, str]:
        """Every problem of the whole form (what the check-answers page re-checks)."""
        problems: dict[str, str] = {}
        for page in self.pages():
            if page.kind is PageKind.CARD:
                continue
            if page.key not in self.values:
                if page.required:
                    problems[page.key] = "form.error.required"
                continue
            if page.input == "address":
                continue
            probe = FormField(page.key, page.label, kind=page.input, options=page.options)
            problem = validate_answer(probe, self.values[page.key], self._today())
            if problem:
                problems[page.key] = problem
        return problems

    def rows(self, language: str) -> list[AnswerRow]:
        """The check-answers page: eligibility answers, card answers, typed answers."""
        rows: list[AnswerRow] = []
        for page in self.pages():
            if page.kind is not PageKind.QUESTION:
                continue
            rows.append(self._row(page, language))
        for form_field in visible_fields(self.procedure, self.values):
            if form_field.from_card:
                rows.append(
                    AnswerRow(form_field.key, form_field.label, self._card(form_field), True, None)
                )
            else:
                rows.append(self._row(_field_page(form_field), language))
        return rows

    def _row(self, page: Page, language: str) -> AnswerRow:
        value = self.values.get(page.key, "")
        for option_value, option_label in page.choices:
            if option_value == value:
                value = option_label(language)
        return AnswerRow(page.key, page.label, value, False, page.kind)

    def documents(self) -> list[Document]:
        return required_documents(self.procedure, self.values)

    def fee(self) -> tuple[int | None, Localized | None]:
        detail = self.procedure.fee_detail
        if detail is None:
            return None, None
        return detail.for_answers(self.values)

    def draft(self) -> DossierDraft:
        """The dossier data; call when :attr:`complete` and :meth:`problems` is empty."""
        questions = {q.key for q in self.procedure.questions}
        answers: dict[str, str] = {}
        from_card: list[str] = []
        for form_field in visible_fields(self.procedure, self.values):
            if form_field.from_card:
                answers[form_field.key] = self._card(form_field)
                from_card.append(form_field.key)
            elif form_field.key in self.values:
                answers[form_field.key] = self.values[form_field.key]
        return DossierDraft(
            procedure_code=self.procedure.code,
            eligibility={k: v for k, v in self.values.items() if k in questions},
            answers=answers,
            addresses={
                k: {
                    "province_code": a.province_code,
                    "commune_code": a.commune_code,
                    "detail": a.detail,
                    "text": a.text,
                }
                for k, a in self.addresses.items()
            },
            from_card=from_card,
            documents=[
                {"key": d.key, "status": d.status, "replaced_by": d.replaced_by}
                for d in self.documents()
            ],
            fee_vnd=self.fee()[0],
        )

    def wipe(self) -> None:
        for key in list(self.values):
            self.values[key] = ""
        self.values.clear()
        self.addresses.clear()
        self.errors.clear()
        self.position = 0


def _page_key(input_key: str) -> str:
    """The page an input belongs to (``place.province`` → ``place``)."""
    return input_key.split(".", 1)[0]


def _page_keys(problems: Mapping[str, str]) -> set[str]:
    return {_page_key(k) for k in problems}


@dataclass
class Requirements:
    """What the requirements screen shows before the form starts."""

    from_card: list[FormField] = field(default_factory=list)
    replaced: list[Document] = field(default_factory=list)  # no longer needed, and why
    still_needed: list[Document] = field(default_factory=list)
    filled_here: list[Document] = field(default_factory=list)


def requirements(procedure: Procedure) -> Requirements:
    """Every document of the procedure, grouped; conditional ones carry their condition."""
    result = Requirements(from_card=[f for f in procedure.fields if f.from_card])
    for document in procedure.documents:
        if document.status == "replaced_by_data":
            result.replaced.append(document)
        elif document.status == "still_needed":
            result.still_needed.append(document)
        else:
            result.filled_here.append(document)
    return result


def condition_text(procedure: Procedure, document: Document, language: str) -> str:
    """ "Trẻ có sinh tại cơ sở y tế không? — Không" for a conditional document ('' if none)."""
    parts: list[str] = []
    for condition in document.when:
        question = next((q for q in procedure.questions if q.key == condition.question), None)
        if question is None:
            continue
        labels = {v: lab(language) for v, lab in _question_page(question).choices}
        answers = " / ".join(labels.get(v, v) for v in condition.values)
        parts.append(f"{question.text(language)} — {answers}")
    return "; ".join(parts)


def time_text(time: ProcessingTime, tr: Callable[..., str]) -> str:
    """ "3 ngày làm việc", "Trong ngày", "8 giờ làm việc" (never "0 ngày làm việc")."""
    if time.unit == "working_hours":
        return tr("time.working_hours", n=time.value)
    if time.unit == "days":
        return tr("time.days", n=time.value)
    if time.value == 0:
        return tr("time.same_day")
    return tr("time.working_days", n=time.value)


def money_text(amount: int | None, tr: Callable[..., str]) -> str:
    """ "Miễn phí", "50.000 đồng" (Vietnamese digit grouping), or "set by the province"."""
    if amount is None:
        return tr("fee.by_province")
    if amount == 0:
        return tr("fee.free")
    return tr("fee.amount", amount=f"{amount:,}".replace(",", "."))
