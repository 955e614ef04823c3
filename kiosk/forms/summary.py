"""What the requirements screen and the procedure pages say about a procedure (no Qt).

The documents grouped (filled in from the card, no longer needed and why, still
needed), the condition a paper depends on in words, the legal time and the fee
as a citizen reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.catalogue.model import (
    Document,
    FormField,
    Localized,
    Procedure,
    ProcessingTime,
)

YES_NO_LABELS = (("yes", Localized("Có", "Yes")), ("no", Localized("Không", "No")))


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
        choices = (
            YES_NO_LABELS
            if question.kind == "yes_no"
            else tuple((o.value, o.label) for o in question.options)
        )
        labels = {v: lab(language) for v, lab in choices}
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
    if time.value == 1:
        return tr("time.working_day", n=1)  # "1 working day", not "1 working days"
    return tr("time.working_days", n=time.value)


def grouped(amount: int, language: str) -> str:
    """ "200.000" in Vietnamese, "200,000" in English: each language groups digits its way."""
    text = f"{amount:,}"
    return text if language == "en" else text.replace(",", ".")


def money_text(amount: int | None, tr: Callable[..., str]) -> str:
    """ "Miễn phí", "50.000 đồng" / "50,000 VND" (grouped the language's way), or "set by the
    province". ``tr`` is the translator; its ``language`` picks the grouping."""
    if amount is None:
        return tr("fee.by_province")
    if amount == 0:
        return tr("fee.free")
    language = getattr(tr, "language", "vi")
    return tr("fee.amount", amount=grouped(amount, language))
