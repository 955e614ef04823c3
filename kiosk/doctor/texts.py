"""The doctor's findings in the technician's language: a title, what was found, what to do.

A :class:`~kiosk.doctor.report.CheckResult` carries its sentences as message keys with
arguments (``detail_key``, ``remedy_key``) beside their English text.  :func:`describe`
translates them; commands, paths, setting names and numbers are arguments or literal parts
of the texts, so they reach the technician as typed.  A key the catalogue lacks falls back
to the English text: a new check is never shown blank.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from kiosk.doctor.report import CheckResult, Said
from kiosk.runtime.i18n import load_catalogue

Translate = Callable[..., str]
"""``translate(key, **params) -> text``, as :class:`kiosk.runtime.i18n.Translator` is."""

TITLE_PREFIX = "doctor.check."


def title_key(name: str) -> str:
    return f"{TITLE_PREFIX}{name}"


def _lookup(translate: Translate, key: str, args: Mapping[str, str | int]) -> str | None:
    """The translation of ``key`` with ``args`` (``…_key`` arguments translated first),
    or None when the catalogue has no such key."""
    if not key:
        return None
    language = getattr(translate, "language", None)
    if isinstance(language, str) and key not in load_catalogue(language):
        return None  # the Translator would answer in Vietnamese: the English is nearer
    params: dict[str, object] = {}
    for name, value in args.items():
        if name.endswith("_key"):
            word = _lookup(translate, str(value), {})
            if word is not None:
                params[name.removesuffix("_key")] = word
        else:
            params.setdefault(name, value)
    text = translate(key, **params)
    return None if text == key else text


def describe(result: CheckResult, translate: Translate) -> tuple[str, str, str]:
    """(title, detail, remedy) of ``result`` in ``translate``'s language; the remedy is
    empty when the result has none."""
    title = _lookup(translate, title_key(result.name), {}) or result.name
    detail = _lookup(translate, result.detail_key, result.detail_args) or result.detail
    remedy = ""
    if result.remedy:
        remedy = _lookup(translate, result.remedy_key, result.remedy_args) or result.remedy
    return title, detail, remedy


def translate_said(sentence: Said, translate: Translate) -> str:
    """One sentence (a readiness problem, say) in ``translate``'s language, else English."""
    return _lookup(translate, sentence.key, sentence.args) or sentence.text
