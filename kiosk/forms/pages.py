"""The form's values: a page, an answer row, an address, what the dossier gets (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kiosk.catalogue.model import FormField, Localized, Option, Question
from kiosk.forms.derive import KnownAddress


class PageKind(StrEnum):
    QUESTION = "question"  # an eligibility question (changes papers or fee)
    FIELD = "field"  # a field of the form


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
    derived_from: Localized | None = None  # worked out by the kiosk, from this


@dataclass(frozen=True)
class AddressOffer:
    """An address the kiosk already has, offered as the answer in one touch."""

    source: str  # a card attribute (place_of_residence) or another address field's key
    label: Localized | None  # the other field's label; None: the card's place of residence
    address: KnownAddress
    text: str  # as shown: "Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội"


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
    derived: dict[str, str] = field(default_factory=dict)  # key -> what it was worked out from

    def as_content(self) -> dict[str, Any]:
        return {
            "procedure": self.procedure_code,
            "eligibility": dict(self.eligibility),
            "answers": dict(self.answers),
            "addresses": {k: dict(v) for k, v in self.addresses.items()},
            "from_card": list(self.from_card),
            "documents": [dict(d) for d in self.documents],
            "fee_vnd": self.fee_vnd,
            "derived": dict(self.derived),
        }


def field_page(field: FormField) -> Page:
    return Page(
        PageKind.FIELD,
        field.key,
        field.label,
        field.kind,
        field.required,
        field.options,
        field.hint,
    )


def question_page(question: Question, options: tuple[Option, ...] | None = None) -> Page:
    return Page(
        PageKind.QUESTION,
        question.key,
        question.text,
        question.kind,
        True,
        question.options if options is None else options,
        question.help,
    )
