"""Answers the kiosk works out instead of asking, and addresses it already knows (no Qt).

A question's ``derive`` rule (:class:`kiosk.catalogue.model.Derivation`) says where its
answer comes from: a date the citizen gave on the form ("was the child born more than
60 days ago?" from the child's date of birth and today), or a value on the card (the
card holder's sex leaves "mother or relative" of "mother, father or relative").

An address field's ``same_as`` offers, in one touch, an address the kiosk already has:
the card's place of residence, read into its province, commune and the rest, or
another address of the same form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from kiosk.catalogue.admin_units import AdminUnits, Commune, Province
from kiosk.catalogue.model import Derivation, Localized
from kiosk.catalogue.text import fold

FROM_CARD = Localized("Thẻ căn cước", "ID card")
"""What a derived answer was worked out from, when it is the card."""


def answer_from_date(rule: Derivation, text: str, today: date) -> str | None:
    """ "yes" when the date ``text`` (dd/mm/yyyy) is more than ``days_over`` days ago."""
    if rule.days_over is None:
        return None
    try:
        day = datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        return None
    return "yes" if (today - day).days > rule.days_over else "no"


def answers_from_card(rule: Derivation, card_value: str) -> tuple[str, ...] | None:
    """The answers the card's value leaves possible; ``None`` when the map does not say."""
    wanted = fold(card_value)
    if not wanted:
        return None
    for value, answers in rule.card_map:
        if fold(value) == wanted:
            return answers
    return None


# Addresses written on the card -------------------------------------------------------

_PROVINCE_WORDS = re.compile(r"^(thanh pho|tinh|tp\.?)\s+")
_COMMUNE_WORDS = {"phuong": "phuong", "xa": "xa", "dac khu": "dac_khu"}
# Units that no longer exist since July 2025: districts (and their towns).
_OLD_UNIT = re.compile(r"^(quan|huyen|thi xa|thanh pho|thi tran)\s+")


@dataclass(frozen=True)
class KnownAddress:
    """An address the kiosk already holds, as parts of the address picker.

    ``commune_code`` is '' when only the province could be recognised (an address
    written before the July 2025 reorganisation names a district and an old ward):
    the citizen then picks the commune, the rest is filled in.
    """

    province_code: str
    commune_code: str
    detail: str

    @property
    def complete(self) -> bool:
        return bool(self.commune_code and self.detail)


def read_address(units: AdminUnits, text: str) -> KnownAddress | None:
    """ "Số 12 phố Hàng Bạc, phường Hoàn Kiếm, thành phố Hà Nội" as its codes and detail.

    Read from the end: the province, then the commune of that province (its name
    exactly, accents and case aside), and the rest is the house and street.  An
    address naming a district is from before July 2025: only its province is taken
    (an old ward's name may belong to another commune now).  ``None`` when not even
    the province is recognised.
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        return None
    province = _province(units, parts[-1])
    if province is None:
        return None
    rest = parts[:-1]
    old = any(_OLD_UNIT.match(fold(p)) for p in rest)
    commune = _commune(units, province, rest[-1]) if rest and not old else None
    if commune is not None:
        return KnownAddress(province.code, commune.code, ", ".join(rest[:-1]))
    street = [p for p in rest if not _is_unit(p)]
    return KnownAddress(province.code, "", ", ".join(street))


def _province(units: AdminUnits, part: str) -> Province | None:
    name = _PROVINCE_WORDS.sub("", fold(part))
    return next((p for p in units.provinces if fold(p.name) == name), None)


def _commune(units: AdminUnits, province: Province, part: str) -> Commune | None:
    folded = fold(part)
    kind = None
    for words, unit_type in _COMMUNE_WORDS.items():
        if folded.startswith(words + " "):
            kind, folded = unit_type, folded[len(words) + 1 :]
            break
    found = [
        c
        for c in units.communes_of(province.code)
        if fold(c.name) == folded and (kind is None or c.type == kind)
    ]
    return found[0] if len(found) == 1 else None


def _is_unit(part: str) -> bool:
    folded = fold(part)
    return bool(_OLD_UNIT.match(folded)) or any(
        folded.startswith(words + " ") for words in _COMMUNE_WORDS
    )
