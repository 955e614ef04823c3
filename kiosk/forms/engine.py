"""The form engine: one question per page, answers from the card, check answers (no Qt).

A :class:`FormSession` walks a procedure's eligibility questions, then the
form fields the card cannot answer, one page at a time (the GOV.UK "one
thing per page" pattern that suits first-time and elderly users).  Which
pages exist depends on the answers so far, so the page list is recomputed
after every answer: answering "born in a hospital: no" adds the place-of-birth
page, changing it back removes the page and forgets its answer.  What the card
fills in is shown, and confirmed, on the requirements screen before the first page.

Answers the kiosk can work out are not asked (:mod:`kiosk.forms.derive`): "born more
than 60 days ago?" follows from the child's date of birth once it is given, and
its page is never shown; the card holder's sex leaves two of "mother, father,
relative".  A worked-out answer is marked on the check-answers page, and "Change"
there asks it after all (the citizen's answer then wins).

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

import itertools
from collections.abc import Callable, Mapping
from datetime import date, datetime

from kiosk.catalogue.admin_units import AdminUnits
from kiosk.catalogue.model import (
    ADDRESS_CARD_SOURCES,
    Document,
    FormField,
    Localized,
    Option,
    Procedure,
    Question,
    required_documents,
    visible_fields,
    visible_questions,
)
from kiosk.forms.answers import normalise_choice, validate_answer
from kiosk.forms.derive import (
    FROM_CARD,
    KnownAddress,
    answer_from_date,
    answers_from_card,
    read_address,
)
from kiosk.forms.pages import (
    Address,
    AddressOffer,
    AnswerRow,
    DossierDraft,
    Page,
    PageKind,
    field_page,
    question_page,
)
from kiosk.forms.summary import (
    Requirements,
    condition_text,
    money_text,
    requirements,
    time_text,
)

__all__ = [
    "Address",
    "AddressOffer",
    "AnswerRow",
    "DossierDraft",
    "FormSession",
    "Page",
    "PageKind",
    "Requirements",
    "condition_text",
    "money_text",
    "requirements",
    "time_text",
]

MAX_PATHS = 1024
"""Answer combinations tried for the page counter's total (beyond: the pages as they are)."""


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
        self.derived: dict[str, str] = {}  # worked-out answers: key -> field key or "card.x"
        self.manual: set[str] = set()  # worked-out answers the citizen asked to give
        self.position = 0
        self.returning = False  # came from the check-answers page through "Change"
        self.errors: dict[str, str] = {}  # the current page's problems, by input
        self._derive()

    # The pages -----------------------------------------------------------------
    def pages(self) -> list[Page]:
        return self._plan(self.values)

    def _plan(self, values: Mapping[str, str]) -> list[Page]:
        """The pages for ``values``: questions, then fields, each question the kiosk could
        not work out from a field right after that field (it is known only then)."""
        fields = [f for f in visible_fields(self.procedure, values) if not f.from_card]
        asked = {f.key for f in fields}
        first: list[Page] = []
        after: dict[str, list[Page]] = {}
        anchors: dict[str, str] = {}
        for question in visible_questions(self.procedure, values):
            rule = question.derive
            depends = [c.question for c in (question.show_if, question.hide_if) if c]
            anchor = rule.from_field if rule and rule.from_field in asked else None
            anchor = anchor or next((anchors[k] for k in depends if k in anchors), None)
            if anchor:
                anchors[question.key] = anchor
            ask, options = self._asks(question, values, asked)
            if ask:
                page = question_page(question, options)
                (after.setdefault(anchor, []) if anchor else first).append(page)
        pages = first
        for form_field in fields:
            pages.append(field_page(form_field))
            pages += after.get(form_field.key, [])
        return pages

    def _asks(
        self, question: Question, values: Mapping[str, str], asked: set[str]
    ) -> tuple[bool, tuple[Option, ...] | None]:
        """Whether ``question`` has a page, and the answers it offers (None: all)."""
        rule = question.derive
        if rule is None or question.key in self.manual:
            return True, None
        if rule.from_field is not None:
            if rule.from_field not in asked:
                return True, None  # the date is not asked: the question is
            given = values.get(rule.from_field)
            if given is None:
                return False, None  # worked out once the date is given
            return answer_from_date(rule, given, self._today()) is None, None
        possible = answers_from_card(rule, self._card_source(rule.from_card or ""))
        if possible is None:
            return True, None
        if len(possible) == 1:
            return False, None
        return True, tuple(o for o in question.options if o.value in possible)

    def _worked_out(self, question: Question) -> tuple[str, str] | None:
        """(answer, where from) for a question the kiosk can answer now, else None."""
        rule = question.derive
        if rule is None or question.key in self.manual:
            return None
        if rule.from_field is not None:
            given = self.values.get(rule.from_field)
            visible = {f.key for f in visible_fields(self.procedure, self.values)}
            if given is None or rule.from_field not in visible:
                return None
            answer = answer_from_date(rule, given, self._today())
            return (answer, rule.from_field) if answer else None
        possible = answers_from_card(rule, self._card_source(rule.from_card or ""))
        if possible is None or len(possible) != 1:
            return None
        return possible[0], f"card.{rule.from_card}"

    def _derive(self) -> None:
        """Fill in (or take back) every answer the kiosk can work out, until nothing changes."""
        for _ in range(len(self.procedure.questions) + 1):
            changed = False
            for question in visible_questions(self.procedure, self.values):
                found = self._worked_out(question)
                key = question.key
                if found is not None:
                    changed |= self.values.get(key) != found[0]
                    self.values[key], self.derived[key] = found
                elif key in self.derived:
                    del self.derived[key], self.values[key]  # its date was taken back
                    changed = True
            changed |= self._forget_hidden()
            if not changed:
                return

    def _card_source(self, source: str) -> str:
        """The card's value of one of its attributes ('' when it has none)."""
        probe = FormField("", Localized("", ""), source=source)
        return self._card(probe)

    @property
    def page(self) -> Page | None:
        pages = self.pages()
        return pages[self.position] if self.position < len(pages) else None

    @property
    def complete(self) -> bool:
        return self.page is None

    def progress(self) -> tuple[int, int]:
        """(this page's number, how many pages at most), shown as "Câu 2 (tối đa 9 câu)",
        "Question 2 of at most 9" (and said so).

        The total is the most pages any answers still open could lead to, so it never
        grows as the citizen answers; it shrinks when an answer closes a path, which the
        words "at most" explain ("Câu 1/11" then "Câu 2/9" read as a glitch).  On the
        last page it is that page's number.
        """
        total = len(self.pages())
        return min(self.position + 1, total), max(total, self._most_pages())

    def _most_pages(self) -> int:
        procedure = self.procedure
        domains: dict[str, tuple[str, ...]] = {}
        for item in (*procedure.questions, *procedure.fields):
            for condition in (item.show_if, item.hide_if):
                key = condition.question if condition else None
                if key and key not in self.values and key not in domains:
                    question = next((q for q in procedure.questions if q.key == key), None)
                    source = question or procedure.field(key)
                    domains[key] = source.answer_values()
                    rule = question.derive if question else None
                    if rule is not None and rule.from_card is not None:  # what the card allows
                        card = self._card_source(rule.from_card)
                        domains[key] = answers_from_card(rule, card) or domains[key]
        paths = itertools.product(*domains.values())
        if len(domains) > 12:
            return 0
        most = 0
        for count, answers in enumerate(paths):
            if count >= MAX_PATHS:
                return 0
            trial = {**self.values, **dict(zip(domains, answers, strict=True))}
            most = max(most, len(self._plan(trial)))
        return most

    def card_fields(self) -> list[FormField]:
        """The fields the chip answers (shown, and confirmed, before the form)."""
        return [f for f in visible_fields(self.procedure, self.values) if f.from_card]

    def card_value(self, form_field: FormField) -> str:
        return self._card(form_field)

    def value(self, key: str) -> str:
        return self.values.get(key, "")

    def address_offers(self, key: str) -> list[AddressOffer]:
        """The addresses the kiosk already has for the address page ``key``, as one-touch
        answers: the card's place of residence, another address given on this form."""
        units = self.units
        offers: list[AddressOffer] = []
        if units is None:
            return offers
        for source in self.procedure.field(key).same_as:
            other = self.addresses.get(source)
            if other is not None:
                known = KnownAddress(other.province_code, other.commune_code, other.detail)
                label = self.procedure.field(source).label
                offers.append(AddressOffer(source, label, known, other.text))
            elif source in ADDRESS_CARD_SOURCES:
                text = " ".join(self._card_source(source).split())
                card = read_address(units, text) if text else None
                if card is not None:
                    if card.commune_code:  # as the answer will read
                        text = units.address(card.commune_code, card.detail)
                    offers.append(AddressOffer(source, None, card, text))
        return offers

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
        before = {p.key for p in self.pages()}
        if page.input == "address":
            parts = value if isinstance(value, Mapping) else {"detail": value}
            problems = self._answer_address(page, parts)
        else:
            text = value if isinstance(value, str) else ""
            problems = self._answer(page, text)
        self.errors = problems
        if not problems:
            self.derived.pop(page.key, None)
            self._derive()
            self._advance(page.key, before)
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

    def _forget_hidden(self) -> bool:
        """Drop answers to questions an answer has just hidden (they must not be sent)."""
        forgot = False
        while True:
            shown = {q.key for q in visible_questions(self.procedure, self.values)} | {
                f.key for f in visible_fields(self.procedure, self.values)
            }
            asked = {q.key for q in self.procedure.questions} | {
                f.key for f in self.procedure.fields if not f.from_card
            }
            hidden = [k for k in self.values if k in asked and k not in shown]
            if not hidden:
                return forgot
            for key in hidden:
                self.values.pop(key, None)
                self.addresses.pop(key, None)
                self.derived.pop(key, None)
                self.manual.discard(key)
            forgot = True

    def _advance(self, answered: str, before: set[str]) -> None:
        pages = self.pages()
        if self.returning:
            # Back to the check-answers page, unless the answer opened a new question
            # (an optional one too: the citizen has not seen it yet).
            missing = [
                i
                for i, p in enumerate(pages)
                if p.key not in self.values and (p.required or p.key not in before)
            ]
            self.position = missing[0] if missing else len(pages)
            self.returning = bool(missing)
            return
        keys = [p.key for p in pages]
        # The page after the one answered (pages before it may have come or gone).
        at = keys.index(answered) if answered in keys else self.position
        self.position = min(at + 1, len(pages))

    # Navigation ------------------------------------------------------------------
    def back(self) -> bool:
        """One page back; ``False`` on the first page (the screen leaves the form)."""
        self.errors = {}
        if self.position == 0:
            return False
        self.position = min(self.position, len(self.pages())) - 1
        return True

    def go_to(self, key: str) -> None:
        """ "Change" on the check-answers page: the page of ``key``, then back to checking.

        A worked-out answer gets its page: the citizen's answer then wins.
        """
        if key in self.derived:
            del self.derived[key]
            self.manual.add(key)
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
        a page that ``answers`` does not mention is submitted empty.  An answer
        the kiosk works out has no page: ``answers`` cannot set it.
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
        """The check-answers page: eligibility answers (worked out ones marked), card
        answers, typed answers."""
        rows: list[AnswerRow] = []
        asked = {p.key: p for p in self.pages()}
        for question in visible_questions(self.procedure, self.values):
            if question.key in self.derived:
                source = self.derived[question.key]
                origin = FROM_CARD if source.startswith("card.") else None
                origin = origin or self.procedure.field(source).label
                row = self._row(question_page(question), language)
                rows.append(AnswerRow(row.key, row.label, row.value, False, row.kind, origin))
            elif question.key in asked:
                rows.append(self._row(asked[question.key], language))
        for form_field in visible_fields(self.procedure, self.values):
            if form_field.from_card:
                rows.append(
                    AnswerRow(form_field.key, form_field.label, self._card(form_field), True, None)
                )
            else:
                rows.append(self._row(field_page(form_field), language))
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
            derived=dict(self.derived),
        )

    def wipe(self) -> None:
        for key in list(self.values):
            self.values[key] = ""
        self.values.clear()
        self.addresses.clear()
        self.derived.clear()
        self.manual.clear()
        self.errors.clear()
        self.position = 0


def _page_key(input_key: str) -> str:
    """The page an input belongs to (``place.province`` → ``place``)."""
    return input_key.split(".", 1)[0]


def _page_keys(problems: Mapping[str, str]) -> set[str]:
    return {_page_key(k) for k in problems}
