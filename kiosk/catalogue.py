"""The procedure catalogue, as data (``assets/procedures/catalogue.json``)."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from kiosk.paths import ASSETS

CATALOGUE_FILE = ASSETS / "procedures" / "catalogue.json"

CARD_SOURCES = frozenset(
    {"full_name", "id_number", "date_of_birth", "sex", "place_of_origin", "place_of_residence"}
)
FIELD_KINDS = frozenset({"text", "date", "phone"})


class CatalogueError(ValueError):
    """The catalogue file is broken; the message names file, path and reason."""


@dataclass(frozen=True)
class Localized:
    vi: str
    en: str

    def __call__(self, language: str) -> str:
        return self.en if language == "en" else self.vi


@dataclass(frozen=True)
class FormField:
    key: str
    label: Localized
    source: str | None = None  # a CitizenIdentity attribute when pre-filled from the card
    kind: str = "text"

    @property
    def from_card(self) -> bool:
        return self.source is not None


@dataclass(frozen=True)
class Procedure:
    code: str
    name: Localized
    category: str
    fee: Localized
    processing_days: int
    fields: tuple[FormField, ...]


@dataclass(frozen=True)
class QueueArea:
    code: str
    name: Localized


@dataclass(frozen=True)
class Catalogue:
    version: str
    procedures: tuple[Procedure, ...]
    queue_areas: tuple[QueueArea, ...]

    def procedure(self, code: str) -> Procedure:
        for procedure in self.procedures:
            if procedure.code == code:
                return procedure
        raise KeyError(code)


def _loc(raw: object, where: str) -> Localized:
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in ("vi", "en")):
        raise CatalogueError(f"{where}: expected {{'vi': text, 'en': text}}")
    return Localized(
        unicodedata.normalize("NFC", raw["vi"]), unicodedata.normalize("NFC", raw["en"])
    )


def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CatalogueError(f"{path}: cannot read: {exc}") from None
    try:
        procedures = []
        for i, p in enumerate(raw["procedures"]):
            where = f"{path}: procedures[{i}]"
            fields = []
            for j, f in enumerate(p["fields"]):
                source = f.get("source")
                kind = f.get("kind", "text")
                if source is not None and source not in CARD_SOURCES:
                    raise CatalogueError(
                        f"{where}.fields[{j}].source: unknown card field {source!r}"
                    )
                if kind not in FIELD_KINDS:
                    raise CatalogueError(f"{where}.fields[{j}].kind: unknown kind {kind!r}")
                fields.append(
                    FormField(
                        f["key"], _loc(f["label"], f"{where}.fields[{j}].label"), source, kind
                    )
                )
            procedures.append(
                Procedure(
                    code=p["code"],
                    name=_loc(p["name"], f"{where}.name"),
                    category=p["category"],
                    fee=_loc(p["fee"], f"{where}.fee"),
                    processing_days=int(p["processing_days"]),
                    fields=tuple(fields),
                )
            )
        areas = tuple(
            QueueArea(a["code"], _loc(a["name"], f"{path}: queue_areas[{i}].name"))
            for i, a in enumerate(raw["queue_areas"])
        )
    except KeyError as exc:
        raise CatalogueError(f"{path}: missing key {exc}") from None
    return Catalogue(str(raw.get("version", "")), tuple(procedures), areas)


PHONE = re.compile(r"^0\d{9}$")


def validate_answer(field: FormField, value: str, today: date) -> str | None:
    """Return the message key of the problem with ``value``, or ``None`` when it is fine."""
    value = value.strip()
    if not value:
        return "form.error.required"
    if field.kind == "phone" and not PHONE.match(value.replace(" ", "")):
        return "form.error.phone"
    if field.kind == "date":
        try:
            parsed = datetime.strptime(value, "%d/%m/%Y").date()
        except ValueError:
            return "form.error.date"
        if parsed > today:
            return "form.error.date_future"
    return None


def add_working_days(start: date, days: int) -> date:
    """The appointment date: ``days`` working days (Monday–Friday) after ``start``.

    Public holidays are not counted yet: a later catalogue carries the
    calendar.
    """
    current = start
    added = 0
    while added < days:
        current = date.fromordinal(current.toordinal() + 1)
        if current.weekday() < 5:
            added += 1
    return current
