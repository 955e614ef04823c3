"""Finding a procedure by what a citizen types: with or without accents, in any order.

Text is *folded* before it is compared: NFC, lower case, đ/Đ → d, every
accent and tone mark dropped (so tone-mark placement, Hoà/Hòa, Thuỷ/Thủy, no
longer matters), apostrophe variants removed, and a doubled ``dd`` read as one
``d`` (Telex types đ as ``dd``; people who know it type "ddang ky").  Both the
catalogue's text and the query are folded the same way, so "dang ky ket hon",
"Đăng ký kết hôn" and "ĐĂNG KÝ KẾT HÔN" find the same procedure.

Every query word must match a word of the procedure (its names in both
languages, keywords, category, code); the last word may be the start of one,
so the list narrows while the citizen types.  Matches are ranked by how well
they match (the exact code a staff member types, then the query as a phrase in
a name, then all words in a name, then words spread over keywords and
category), then by use: the catalogue's static ``popularity`` plus the kiosk's
own usage counts, most used first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.catalogue.text import fold, tokens

if TYPE_CHECKING:  # pragma: no cover - typing only
    from kiosk.catalogue.model import Catalogue, Procedure


def _phrase_in(query: list[str], words: list[str]) -> bool:
    """``query`` as consecutive words of ``words``; the last query word may be a prefix."""
    size = len(query)
    for start in range(len(words) - size + 1):
        window = words[start : start + size]
        if window[:-1] == query[:-1] and window[-1].startswith(query[-1]):
            return True
    return False


def _all_in(query: list[str], words: Iterable[str]) -> bool:
    pool = set(words)
    *whole, last = query
    return all(word in pool for word in whole) and any(w.startswith(last) for w in pool)


@dataclass(frozen=True)
class _Entry:
    procedure: Procedure
    code: list[str]  # folded words of the code
    names: tuple[list[str], ...]  # folded words of each name (vi, en)
    everything: frozenset[str]  # names, keywords, category names, code


def _entry(procedure: Procedure, category_names: Mapping[str, list[str]]) -> _Entry:
    names = (tokens(procedure.name.vi), tokens(procedure.name.en))
    words = {w for name in names for w in name}
    for keyword in procedure.keywords:
        words.update(tokens(keyword))
    for category in (procedure.category, *procedure.extra_categories):
        words.update(category_names.get(category, []))
    code = tokens(procedure.code)
    words.update(code)
    return _Entry(procedure, code, names, frozenset(words))


def match_tier(entry: _Entry, query: list[str]) -> int | None:
    """0: the procedure's code; 1: the query is a phrase of a name; 2: all its words are
    in a name; 3: spread over names, keywords, category and code; ``None``: no match."""
    if not query or query == entry.code:
        return 0
    if any(_phrase_in(query, name) for name in entry.names):
        return 1
    if any(_all_in(query, name) for name in entry.names):
        return 2
    if _all_in(query, entry.everything):
        return 3
    return None


def usage(procedure: Procedure, popularity: Mapping[str, int] | None = None) -> int:
    """How much a procedure is used: the catalogue's estimate plus the kiosk's counts."""
    return procedure.popularity + (popularity or {}).get(procedure.code, 0)


def in_category(catalogue: Catalogue, procedure: Procedure, category: str) -> bool:
    """``category`` is a category key or (folded) name, in either language."""
    wanted = {category}
    folded = fold(category)
    for known in catalogue.categories:
        if folded in (fold(known.key), fold(known.name.vi), fold(known.name.en)):
            wanted.add(known.key)
    return procedure.category in wanted or any(c in wanted for c in procedure.extra_categories)


def search(
    catalogue: Catalogue,
    query: str = "",
    *,
    category: str | None = None,
    popularity: Mapping[str, int] | None = None,
) -> list[Procedure]:
    """The procedures matching ``query`` (and ``category``), best and most used first.

    An empty query lists every procedure (of the category) by use.
    """
    category_names = {c.key: tokens(f"{c.name.vi} {c.name.en}") for c in catalogue.categories}
    wanted = tokens(query)
    ranked: list[tuple[int, int, str, Procedure]] = []
    for procedure in catalogue.procedures:
        if category and not in_category(catalogue, procedure, category):
            continue
        tier = match_tier(_entry(procedure, category_names), wanted)
        if tier is None:
            continue
        ranked.append((tier, -usage(procedure, popularity), fold(procedure.name.vi), procedure))
    ranked.sort(key=lambda row: row[:3])
    return [row[3] for row in ranked]
