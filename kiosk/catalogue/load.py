"""Loading the procedure catalogue: its JSON Schema first, then what a schema cannot say.

Every catalogue the kiosk uses, the bundled file at start-up and each update
from the centre before it is switched to, goes through :func:`parse_catalogue`:

1. the structure, checked against ``assets/procedures/catalogue.schema.json``
   with the ``jsonschema`` library (the validator is built once per process);
2. every text in Unicode NFC (typed Vietnamese must match the catalogue's);
3. the cross-references: card sources, data sources, categories, queue areas,
   conditions that name questions asked earlier and answers they can take, derived
   answers and address offers that name fields and card values that exist, and
   unique codes, keys and option values.

A problem is reported as ``<file>: <path inside it>: <reason>``, e.g.
``catalogue.json: procedures[3].documents[1].replaced_by: unknown source 'xyz'``,
and nothing of a broken catalogue is used: the kiosk stays on the one it has.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence, Set
from functools import lru_cache
from pathlib import Path
from typing import Any

from kiosk.catalogue import schema
from kiosk.catalogue.model import (
    ADDRESS_CARD_SOURCES,
    CARD_SOURCES,
    CATALOGUE_FILE,
    Agency,
    Catalogue,
    Category,
    Component,
    Condition,
    DataSource,
    Derivation,
    Document,
    Fee,
    FeeCase,
    FormField,
    Localized,
    Option,
    Procedure,
    ProcessingTime,
    Question,
    QueueArea,
    Result,
)


class CatalogueError(ValueError):
    """The catalogue is broken; the message names the file, the path inside it and the reason."""


class _PathError(Exception):
    """One problem at a path inside the catalogue; :func:`parse_catalogue` adds the file."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(where, reason)
        self.where = where
        self.reason = reason


def load_catalogue(path: Path = CATALOGUE_FILE) -> Catalogue:
    """Read and validate a catalogue file.  Raises :class:`CatalogueError`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_catalogue(data, str(path))


def parse_catalogue(data: bytes, source: str, *, schema_checked: bool = False) -> Catalogue:
    """Validate a whole catalogue given as bytes (a bundled file or a downloaded update).

    ``source`` names it in error messages.  Raises :class:`CatalogueError`.
    ``schema_checked``: these very bytes passed the JSON Schema before (the bundled
    file, remembered by its hash): only the checks after the schema run again.
    Safe to call from any thread.
    """
    try:
        return _parse(data, schema_checked)
    except _PathError as problem:
        where = f"{problem.where}: " if problem.where else ""
        raise CatalogueError(f"{source}: {where}{problem.reason}") from None


@lru_cache(maxsize=4)
def _parse(data: bytes, schema_checked: bool = False) -> Catalogue:
    """The catalogue these bytes hold; raises :class:`_PathError`.

    A catalogue is an immutable value, so the same bytes always give the same one:
    validating takes about 0.1 s, which a core rebuilt in the same process (and the
    test suite, which builds hundreds) pays only once.  Refusals are not cached.
    """
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _PathError("", f"not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise _PathError(
            "", f"not valid JSON: line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    _check_version(raw)
    problem = None if schema_checked else schema.first_problem(raw)
    if problem is not None:
        raise _PathError(*problem)
    _check_nfc(raw, [])
    try:
        catalogue = _catalogue(raw)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # Only reachable when the schema step was skipped for bytes it once passed.
        raise _PathError("", f"does not match its schema ({type(exc).__name__})") from None
    _check_references(catalogue)
    return catalogue


# Beyond the structure (kiosk.catalogue.schema checks that) ---------------------------------


def _check_version(raw: object) -> None:
    """A structure this kiosk does not read is named as such, before any detail of it."""
    if not isinstance(raw, dict) or type(raw.get("schema_version")) is not int:
        return  # the schema names what is wrong
    supported = schema.supported_version()
    if raw["schema_version"] != supported:
        raise _PathError(
            "schema_version",
            f"unsupported version {raw['schema_version']} (this kiosk reads {supported})",
        )


def _check_nfc(node: object, path: list[str | int]) -> None:
    """Text must be in NFC: a citizen's typed (NFC) words are compared with it."""
    if isinstance(node, str):
        if not unicodedata.is_normalized("NFC", node):
            raise _PathError(schema.where(path), "text is not in Unicode NFC form")
    elif isinstance(node, dict):
        for key, value in node.items():
            _check_nfc(value, [*path, key])
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _check_nfc(value, [*path, i])


# The model, from validated JSON ----------------------------------------------------------


def _loc(raw: Mapping[str, str]) -> Localized:
    return Localized(raw["vi"], raw["en"])


def _maybe_loc(raw: Mapping[str, Any], key: str) -> Localized | None:
    return _loc(raw[key]) if key in raw else None


def _amount(raw: Any) -> int | None:
    return None if raw is None else int(raw)  # a whole number; JSON Schema lets 3.0 be one


def _condition(raw: Mapping[str, Any]) -> Condition:
    values = (raw["equals"],) if "equals" in raw else tuple(raw["in"])
    return Condition(raw["question"], values)


def _maybe_condition(raw: Mapping[str, Any], key: str) -> Condition | None:
    return _condition(raw[key]) if key in raw else None


def _conditions(raw: Sequence[Mapping[str, Any]]) -> tuple[Condition, ...]:
    return tuple(_condition(item) for item in raw)


def _options(raw: Sequence[Mapping[str, Any]]) -> tuple[Option, ...]:
    return tuple(Option(item["value"], _loc(item["label"])) for item in raw)


def _field(raw: Mapping[str, Any]) -> FormField:
    return FormField(
        key=raw["key"],
        label=_loc(raw["label"]),
        source=raw.get("source"),
        kind=raw.get("kind", "text"),
        required=raw.get("required", True),
        options=_options(raw.get("options", ())),
        show_if=_maybe_condition(raw, "show_if"),
        hint=_maybe_loc(raw, "hint"),
        hide_if=_maybe_condition(raw, "hide_if"),
        same_as=tuple(raw.get("same_as", ())),
    )


def _question(raw: Mapping[str, Any]) -> Question:
    return Question(
        key=raw["key"],
        text=_loc(raw["text"]),
        kind=raw["kind"],
        options=_options(raw.get("options", ())),
        show_if=_maybe_condition(raw, "show_if"),
        help=_maybe_loc(raw, "help"),
        hide_if=_maybe_condition(raw, "hide_if"),
        derive=_derivation(raw["derive"]) if "derive" in raw else None,
    )


def _derivation(raw: Mapping[str, Any]) -> Derivation:
    return Derivation(
        from_field=raw.get("from_field"),
        days_over=raw.get("days_over"),
        from_card=raw.get("from_card"),
        card_map=tuple((k, tuple(v)) for k, v in raw.get("card_map", {}).items()),
    )


def _document(raw: Mapping[str, Any]) -> Document:
    return Document(
        key=raw["key"],
        name=_loc(raw["name"]),
        status=raw["status"],
        replaced_by=raw.get("replaced_by"),
        when=_conditions(raw.get("when", ())),
        note=_maybe_loc(raw, "note"),
    )


def _fee(raw: Mapping[str, Any]) -> Fee:
    cases = tuple(
        FeeCase(_conditions(case["when"]), _amount(case["amount_vnd"]), _loc(case["label"]))
        for case in raw.get("cases", ())
    )
    return Fee(
        summary=_loc(raw["summary"]),
        amount_vnd=_amount(raw["amount_vnd"]),
        online_amount_vnd=_amount(raw.get("online_amount_vnd")),
        cases=cases,
    )


def _processing_time(raw: Mapping[str, Any]) -> ProcessingTime:
    extended = raw.get("extended", {})
    return ProcessingTime(
        value=int(raw["value"]),
        unit=raw["unit"],
        same_day_cutoff=raw.get("same_day_cutoff"),
        extended_value=_amount(extended.get("value")),
        extended_when=_maybe_loc(extended, "when"),
        note=_maybe_loc(raw, "note"),
    )


def _agency(raw: Mapping[str, Any]) -> Agency:
    return Agency(_loc(raw["name"]), raw["level"])


def _procedure(raw: Mapping[str, Any]) -> Procedure:
    fee = _fee(raw["fee"])
    keywords = raw.get("keywords", {"vi": [], "en": []})
    return Procedure(
        code=raw["code"],
        name=_loc(raw["name"]),
        category=raw["category"],
        fee=fee.summary,
        processing_time=_processing_time(raw["processing_time"]),
        fields=tuple(_field(item) for item in raw["fields"]),
        keywords=(*keywords["vi"], *keywords["en"]),
        popularity=int(raw["popularity"]),
        extra_categories=tuple(raw.get("extra_categories", ())),
        agency=_agency(raw["agency"]),
        components=tuple(
            Component(_loc(item["name"]), _agency(item["agency"]))
            for item in raw.get("components", ())
        ),
        legal_basis=tuple(raw["legal_basis"]),
        fee_detail=fee,
        result=Result(_loc(raw["result"]["document"]), _loc(raw["result"]["collect_at"])),
        questions=tuple(_question(item) for item in raw.get("questions", ())),
        documents=tuple(_document(item) for item in raw["documents"]),
        queue_area=raw.get("queue_area"),
        form_name=_maybe_loc(raw, "form_name"),
        sources=tuple(raw["sources"]),
        unconfirmed=tuple(_loc(item) for item in raw.get("unconfirmed", ())),
    )


def _catalogue(raw: Mapping[str, Any]) -> Catalogue:
    return Catalogue(
        version=raw["version"],
        procedures=tuple(_procedure(item) for item in raw["procedures"]),
        queue_areas=tuple(QueueArea(a["code"], _loc(a["name"])) for a in raw["queue_areas"]),
        categories=tuple(Category(c["key"], _loc(c["name"])) for c in raw["categories"]),
        data_sources=tuple(DataSource(s["key"], _loc(s["name"])) for s in raw["data_sources"]),
    )


# Cross-references: what a schema cannot say ------------------------------------------------


def _check_references(catalogue: Catalogue) -> None:
    _unique(catalogue.categories, "categories", "key")
    _unique(catalogue.data_sources, "data_sources", "key")
    _unique(catalogue.queue_areas, "queue_areas", "code")
    known = {
        "category": {c.key for c in catalogue.categories},
        "source": {s.key for s in catalogue.data_sources},
        "queue area": {a.code for a in catalogue.queue_areas},
        "card field": CARD_SOURCES,
    }
    for i, procedure in enumerate(catalogue.procedures):
        _check_procedure(procedure, f"procedures[{i}]", known)
    _unique(catalogue.procedures, "procedures", "code")


def _check_procedure(procedure: Procedure, where: str, known: Mapping[str, Set[str]]) -> None:
    _known(procedure.category, f"{where}.category", "category", known)
    for i, key in enumerate(procedure.extra_categories):
        _known(key, f"{where}.extra_categories[{i}]", "category", known)
    if procedure.queue_area is not None:
        _known(procedure.queue_area, f"{where}.queue_area", "queue area", known)
    addresses = {f.key for f in procedure.fields if f.kind == "address"}
    for i, field in enumerate(procedure.fields):
        if field.source is not None:
            _known(field.source, f"{where}.fields[{i}].source", "card field", known)
        _unique(field.options, f"{where}.fields[{i}].options", "value")
        for j, offer in enumerate(field.same_as):
            at = f"{where}.fields[{i}].same_as[{j}]"
            if field.kind != "address":
                raise _PathError(at, "only an address field offers the same answer as another")
            if offer not in ADDRESS_CARD_SOURCES and (offer not in addresses or offer == field.key):
                raise _PathError(at, f"{offer!r} is neither a card address nor another address")
    for i, question in enumerate(procedure.questions):
        _unique(question.options, f"{where}.questions[{i}].options", "value")
        if question.derive is not None:
            _check_derivation(procedure, question, f"{where}.questions[{i}].derive")
    for i, document in enumerate(procedure.documents):
        if document.replaced_by is not None:
            at = f"{where}.documents[{i}].replaced_by"
            _known(document.replaced_by, at, "source", known)
    _unique(procedure.fields, f"{where}.fields", "key")
    _unique(procedure.questions, f"{where}.questions", "key")
    _unique(procedure.documents, f"{where}.documents", "key")
    _check_conditions(procedure, where)


def _check_derivation(procedure: Procedure, question: Question, where: str) -> None:
    """A derived answer comes from a date field (a yes/no question) or the card's values."""
    rule = question.derive
    assert rule is not None
    if rule.from_field is not None:
        if rule.from_card is not None or rule.card_map:
            raise _PathError(where, "derive from a field or from the card, not both")
        field = next((f for f in procedure.fields if f.key == rule.from_field), None)
        if field is None or field.kind != "date" or field.from_card:
            raise _PathError(f"{where}.from_field", f"{rule.from_field!r} is not a date field")
        if question.kind != "yes_no":
            raise _PathError(where, "days_over answers a yes_no question")
        return
    if rule.days_over is not None:
        raise _PathError(where, "derive from a field or from the card, not both")
    if rule.from_card not in CARD_SOURCES:
        raise _PathError(f"{where}.from_card", f"unknown card field {rule.from_card!r}")
    answers = question.answer_values()
    for card_value, values in rule.card_map:
        for value in values:
            if value not in answers:
                at = f"{where}.card_map.{card_value}"
                raise _PathError(at, f"{value!r} is not an answer of {question.key!r}")


def _known(value: str, where: str, what: str, known: Mapping[str, Set[str]]) -> None:
    if value not in known[what]:
        raise _PathError(where, f"unknown {what} {value!r}")


def _unique(items: Sequence[object], where: str, attribute: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        value = getattr(item, attribute)
        if value in seen:
            raise _PathError(f"{where}[{i}].{attribute}", f"duplicate {attribute} {value!r}")
        seen.add(value)


def _check_conditions(procedure: Procedure, where: str) -> None:
    """Conditions name questions that exist, asked before them, with answers they can take."""
    questions = {q.key: q.answer_values() for q in procedure.questions}
    fields = {f.key for f in procedure.fields}
    for i, q in enumerate(procedure.questions):
        if q.key in fields:
            raise _PathError(f"{where}.questions[{i}].key", f"{q.key!r} is also a field's key")
    asked: dict[str, tuple[str, ...]] = {}
    for i, q in enumerate(procedure.questions):
        for name, condition in (("show_if", q.show_if), ("hide_if", q.hide_if)):
            if condition is not None:
                _check_condition(condition, asked, f"{where}.questions[{i}].{name}")
        asked[q.key] = q.answer_values()
    answered = dict(questions)
    for i, f in enumerate(procedure.fields):
        for name, condition in (("show_if", f.show_if), ("hide_if", f.hide_if)):
            if condition is not None:
                _check_condition(condition, answered, f"{where}.fields[{i}].{name}")
        if f.kind in ("choice", "yes_no"):
            answered[f.key] = f.answer_values()
    for i, d in enumerate(procedure.documents):
        for j, c in enumerate(d.when):
            _check_condition(c, questions, f"{where}.documents[{i}].when[{j}]")
    for i, case in enumerate(procedure.fee_detail.cases if procedure.fee_detail else ()):
        for j, c in enumerate(case.when):
            at = f"{where}.fee.cases[{i}].when[{j}]"
            if c.question not in questions:
                raise _PathError(f"{at}.question", f"unknown eligibility question {c.question!r}")
            _check_condition(c, questions, at)


def _check_condition(
    condition: Condition, known: Mapping[str, tuple[str, ...]], where: str
) -> None:
    if condition.question not in known:
        raise _PathError(f"{where}.question", f"unknown question {condition.question!r}")
    for value in condition.values:
        if value not in known[condition.question]:
            raise _PathError(where, f"{value!r} is not an answer of {condition.question!r}")
