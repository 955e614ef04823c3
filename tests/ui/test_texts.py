"""One vocabulary on every screen: the glossary's terms, never their variants.

``assets/i18n/glossary.json`` names the word for each thing a citizen meets (staff,
the receipt, the dossier code, the ID card…) in Vietnamese and English, and the
variants to avoid.  These tests read every message of both catalogues and every text
of the procedure catalogue a citizen can see.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from kiosk.base.paths import ASSETS
from kiosk.catalogue.model import ProcessingTime
from kiosk.forms.summary import time_text
from kiosk.runtime.i18n import Translator, load_catalogue

GLOSSARY = json.loads((ASSETS / "i18n" / "glossary.json").read_text(encoding="utf-8"))
CATALOGUE = json.loads((ASSETS / "procedures" / "catalogue.json").read_text(encoding="utf-8"))
NOT_SHOWN = {"keywords", "sources", "legal_basis", "unconfirmed", "note", "$schema"}
"""Catalogue entries a citizen never reads on screen (search words, sources, reviewers'
notes); official form names are shown and so are checked."""

NEW_STYLE_TONE = re.compile(r"(?<![qQ])(?:[oO][áàảãạ]|[oO][éèẻẽẹ]|[uU][ýỳỷỹỵ])(?![a-zA-Zà-ỹÀ-Ỹđ])")
"""A tone on the second vowel of oa, oe, uy at a syllable's end (xoá, huỷ); the ID card
and the catalogue put it on the first (xóa, hủy).  ``quý`` is not such a pair."""


def catalogue_texts(language: str) -> Iterator[tuple[str, str]]:
    def walk(node: object, path: tuple[str, ...]) -> Iterator[tuple[str, str]]:
        if isinstance(node, dict):
            for key, value in node.items():
                if key not in NOT_SHOWN:
                    yield from walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, (*path, str(index)))
        elif isinstance(node, str) and path and path[-1] == language:
            yield "/".join(path), node

    yield from walk(CATALOGUE, ())


def texts(language: str, scope: str) -> list[tuple[str, str]]:
    found = list(load_catalogue(language).items())
    if scope == "catalogue":
        found += [(f"catalogue:{where}", text) for where, text in catalogue_texts(language)]
    return found


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_text_uses_the_glossary_terms_not_their_variants(language: str) -> None:
    problems = []
    for term in GLOSSARY["terms"]:
        others = tuple(term.get("not_in", ()))  # keys of texts only technicians or staff read
        for variant in term["avoid"][language]:
            for where, text in texts(language, term["scope"]):
                if variant.casefold() in text.casefold() and not where.startswith(others):
                    problems.append(f"{where}: {variant!r} (say {term[language]!r}): {text}")
    assert problems == []


def test_vietnamese_tones_sit_as_on_the_id_card() -> None:
    problems = [
        f"{where}: {match.group()!r} in {text}"
        for where, text in texts("vi", "catalogue")
        for match in NEW_STYLE_TONE.finditer(text)
    ]
    assert problems == []
    assert NEW_STYLE_TONE.search("Thông tin đã được xoá") and NEW_STYLE_TONE.search("Huỷ")
    assert not NEW_STYLE_TONE.search("xóa hủy quý thoại khỏe Ủy ban")


def test_the_glossary_names_each_term_in_both_languages() -> None:
    concepts = [term["concept"] for term in GLOSSARY["terms"]]
    assert len(concepts) == len(set(concepts))
    for term in GLOSSARY["terms"]:
        assert term["vi"] and term["en"] and term["scope"] in ("texts", "catalogue")
        assert set(term["avoid"]) == {"vi", "en"}
    staff = next(t for t in GLOSSARY["terms"] if t["en"] == "staff")
    assert Translator.text("header.call_staff", "vi") == "Gọi " + staff["vi"]


@pytest.mark.parametrize(
    ("days", "vi", "en"),
    [
        (1, "1 ngày làm việc", "1 working day"),
        (3, "3 ngày làm việc", "3 working days"),
        (0, "Trong ngày", "The same day"),
    ],
)
def test_processing_times_read_as_words_do(days: int, vi: str, en: str) -> None:
    time = ProcessingTime(value=days)
    assert time_text(time, Translator("vi")) == vi
    assert time_text(time, Translator("en")) == en


def test_dates_are_asked_in_vietnamese_words_and_optional_said_once() -> None:
    assert Translator.text("form.date_placeholder", "vi") == "ngày/tháng/năm"
    optional = {lang: Translator.text("form.optional", lang) for lang in ("vi", "en")}
    for procedure in CATALOGUE["procedures"]:
        for field in procedure["fields"]:
            for lang, mark in optional.items():
                heading = field["label"][lang] + ("" if field.get("required", True) else mark)
                assert heading.count("(") <= 1, heading  # never "(nếu có) (không bắt buộc)"
                if lang == "vi":
                    assert "dd/mm" not in heading and "yyyy" not in heading, heading
