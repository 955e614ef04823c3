"""Checking what a citizen typed into a form field (no Qt).

One answer at a time (:func:`validate_answer`, as each page of the form is
submitted) or a whole form (:func:`validate_answers`).  Problems are returned as
message keys of the screens' translations (``form.error.*``), never as text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

from kiosk.catalogue.model import FormField, Procedure, visible_fields
from kiosk.catalogue.text import fold

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
