"""Administrative units for the address picker: province → commune (two levels since 2025).

From 1 July 2025 local government has two levels: 34 provinces and centrally
run cities, and below them communes, wards and special zones (xã, phường,
đặc khu); districts are gone.  ``assets/admin_units/units.json`` holds the
official codes (2-digit province, 5-digit commune), names and types, generated
from a registry package by ``assets/admin_units/generate.py``, which records
the source in the file.  Names and types change (provinces become cities,
communes become wards), so they are data, refreshed by regenerating the file;
a stored address keeps the commune's *code*.

Searching ignores accents, tone-mark placement (Hoà/Hòa) and apostrophe
variants (``kiosk.catalogue.text.fold``).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.base.paths import ASSETS
from kiosk.catalogue.text import fold, tokens

ADMIN_UNITS_FILE = ASSETS / "admin_units" / "units.json"

PROVINCE_TYPES = {"tinh": "Tỉnh", "thanh_pho": "Thành phố"}
PROVINCE_TYPES_EN = {"tinh": "Province", "thanh_pho": "City"}
COMMUNE_TYPES = {"xa": "Xã", "phuong": "Phường", "dac_khu": "Đặc khu"}
COMMUNE_TYPES_EN = {"xa": "Commune", "phuong": "Ward", "dac_khu": "Special zone"}
PROVINCE_CODE = re.compile(r"^\d{2}$")
COMMUNE_CODE = re.compile(r"^\d{5}$")


class AdminUnitsError(ValueError):
    """The units file is broken; the message names file, path and reason."""


@dataclass(frozen=True)
class Province:
    code: str
    name: str  # "Hà Nội"
    type: str  # tinh | thanh_pho

    @property
    def full_name(self) -> str:
        """ "Thành phố Hà Nội", "Tỉnh Cao Bằng"."""
        return f"{PROVINCE_TYPES[self.type]} {self.name}"


@dataclass(frozen=True)
class Commune:
    code: str
    name: str  # "Cửa Nam"
    type: str  # xa | phuong | dac_khu
    province: str  # the province's code

    @property
    def full_name(self) -> str:
        """ "Phường Cửa Nam", "Xã Đất Mũi", "Đặc khu Phú Quốc"."""
        return f"{COMMUNE_TYPES[self.type]} {self.name}"


@dataclass(frozen=True)
class AdminUnits:
    version: str
    complete: bool  # False: a documented subset of the communes
    source: dict[str, Any]
    provinces: tuple[Province, ...]
    communes: tuple[Commune, ...]
    _by_code: dict[str, Province | Commune] = field(default_factory=dict, repr=False)
    _by_province: dict[str, tuple[Commune, ...]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for unit in (*self.provinces, *self.communes):
            self._by_code[unit.code] = unit
        grouped: dict[str, list[Commune]] = {p.code: [] for p in self.provinces}
        for commune in self.communes:
            grouped[commune.province].append(commune)
        for code, items in grouped.items():
            self._by_province[code] = tuple(sorted(items, key=lambda c: fold(c.name)))

    def province(self, code: str) -> Province:
        unit = self._by_code.get(code)
        if not isinstance(unit, Province):
            raise KeyError(code)
        return unit

    def commune(self, code: str) -> Commune:
        unit = self._by_code.get(code)
        if not isinstance(unit, Commune):
            raise KeyError(code)
        return unit

    def communes_of(self, province_code: str) -> tuple[Commune, ...]:
        """The province's communes, wards and special zones, alphabetically (accents ignored)."""
        if province_code not in self._by_province:
            raise KeyError(province_code)
        return self._by_province[province_code]

    def find_provinces(self, text: str) -> list[Province]:
        """Provinces whose name (or "Thành phố …"/"Tỉnh …", or code) matches ``text``."""
        return [p for p in self.provinces if _matches(text, p.code, p.name, p.full_name)]

    def find_communes(self, province_code: str, text: str) -> list[Commune]:
        """Communes of a province matching ``text``; names that start with it come first."""
        wanted = fold(text)
        found = [
            c
            for c in self.communes_of(province_code)
            if _matches(text, c.code, c.name, c.full_name)
        ]
        return sorted(found, key=lambda c: not fold(c.name).startswith(wanted))

    def address(self, commune_code: str, detail: str = "") -> str:
        """ "Số 5 ngõ 10, Phường Cửa Nam, Thành phố Hà Nội" (NFC)."""
        commune = self.commune(commune_code)
        parts = [detail.strip()] if detail.strip() else []
        parts += [commune.full_name, self.province(commune.province).full_name]
        return unicodedata.normalize("NFC", ", ".join(parts))


def _matches(text: str, code: str, *names: str) -> bool:
    """Every word of ``text`` starts a word of one of the names (or ``text`` is the code)."""
    wanted = tokens(text)
    if not wanted or text.strip() == code:
        return bool(wanted)
    for name in names:
        words = tokens(name)
        if all(any(w.startswith(q) for w in words) for q in wanted):
            return True
    return False


def _fail(source: str, where: str, reason: str) -> AdminUnitsError:
    return AdminUnitsError(f"{source}: {where}: {reason}" if where else f"{source}: {reason}")


def _text(raw: object, source: str, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise _fail(source, where, "expected non-empty text")
    if not unicodedata.is_normalized("NFC", raw):
        raise _fail(source, where, "text is not in Unicode NFC form")
    return raw


def parse_admin_units(data: bytes, source: str) -> AdminUnits:
    """Validate the units file: codes well formed and unique, every commune under a province."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AdminUnitsError(f"{source}: not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise _fail(source, "", "expected an object")
    for key in ("version", "complete", "source", "provinces", "communes"):
        if key not in raw:
            raise _fail(source, "", f"missing {key!r}")
    if not isinstance(raw["complete"], bool):
        raise _fail(source, "complete", "expected true or false")
    if not isinstance(raw["source"], dict):
        raise _fail(source, "source", "expected an object")
    provinces = []
    seen: set[str] = set()
    for i, item in enumerate(raw["provinces"]):
        where = f"provinces[{i}]"
        if not isinstance(item, dict):
            raise _fail(source, where, "expected an object")
        code = _text(item.get("code"), source, f"{where}.code")
        if not PROVINCE_CODE.match(code) or code in seen:
            raise _fail(source, f"{where}.code", f"bad or duplicate province code {code!r}")
        if item.get("type") not in PROVINCE_TYPES:
            raise _fail(source, f"{where}.type", f"unknown type {item.get('type')!r}")
        seen.add(code)
        provinces.append(
            Province(code, _text(item.get("name"), source, f"{where}.name"), item["type"])
        )
    communes = []
    for i, item in enumerate(raw["communes"]):
        where = f"communes[{i}]"
        if not isinstance(item, dict):
            raise _fail(source, where, "expected an object")
        code = _text(item.get("code"), source, f"{where}.code")
        if not COMMUNE_CODE.match(code) or code in seen:
            raise _fail(source, f"{where}.code", f"bad or duplicate commune code {code!r}")
        if item.get("type") not in COMMUNE_TYPES:
            raise _fail(source, f"{where}.type", f"unknown type {item.get('type')!r}")
        if item.get("province") not in {p.code for p in provinces}:
            raise _fail(source, f"{where}.province", f"unknown province {item.get('province')!r}")
        seen.add(code)
        communes.append(
            Commune(
                code,
                _text(item.get("name"), source, f"{where}.name"),
                item["type"],
                item["province"],
            )
        )
    return AdminUnits(
        version=_text(raw["version"], source, "version"),
        complete=raw["complete"],
        source=raw["source"],
        provinces=tuple(provinces),
        communes=tuple(communes),
    )


def load_admin_units(path: Path = ADMIN_UNITS_FILE) -> AdminUnits:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AdminUnitsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_admin_units(data, str(path))
