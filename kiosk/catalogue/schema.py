"""The catalogue's JSON Schema (``assets/procedures/catalogue.schema.json``) at run time.

:func:`first_problem` checks raw JSON against it with the ``jsonschema`` library
and turns the most relevant error into a path and a short reason, e.g.
``("procedures[2].fields[1].kind", "'colour' is not one of: text, date, …")``:
jsonschema's own messages repeat the offending value, which for an object or a
list is a screenful.  What a schema cannot say is checked by :mod:`.load`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from kiosk.base.paths import ASSETS

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

SCHEMA_FILE = ASSETS / "procedures" / "catalogue.schema.json"


def first_problem(raw: object) -> tuple[str, str] | None:
    """The path and reason of the most relevant schema error in ``raw``, or ``None``.

    Safe to call from any thread.
    """
    from jsonschema.exceptions import best_match

    error = best_match(validator().iter_errors(raw))
    return None if error is None else _reason(error)


def supported_version() -> int:
    """The ``schema_version`` this kiosk reads (the schema's ``const``)."""
    version: int = _schema()["properties"]["schema_version"]["const"]
    return version


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return _inline_refs(schema)


@cache
def validator() -> Validator:
    """The catalogue schema's validator (of the draft the schema declares), built once."""
    # Imported here: jsonschema takes about 0.1 s to import, which only a start-up
    # that loads a catalogue should pay (not every command-line tool).
    from jsonschema.validators import validator_for

    schema = _schema()
    validator_class: Any = validator_for(schema)
    return validator_class(schema)


_ANNOTATIONS = frozenset({"title", "description", "default", "$comment", "examples"})


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema with each ``{"$ref": "#/$defs/name"}`` replaced by that definition.

    jsonschema resolves a ``$ref`` again on every visit, which made validating the
    bundled catalogue take twice as long (about 150 ms instead of 65 ms, paid at
    every start-up); the definitions are not recursive, so they can be written out
    once.  It also keeps each error's schema path walkable (see :func:`_reason`).
    A reference that is recursive, or whose siblings would overrule its
    definition's keywords, is left as it is (and still resolves).
    """
    defs = schema.get("$defs", {})

    def expand(node: object, open_defs: frozenset[str]) -> Any:
        if isinstance(node, list):
            return [expand(item, open_defs) for item in node]
        if not isinstance(node, dict):
            return node
        out = {
            key: value if key in ("$defs", "enum", "const") else expand(value, open_defs)
            for key, value in node.items()
            if key != "$ref"
        }
        ref = node.get("$ref")
        if ref is None:
            return out
        name = ref.removeprefix("#/$defs/") if isinstance(ref, str) else None
        if name in defs and name not in open_defs:
            target = expand(defs[name], open_defs | {name})
            if not (set(target) & set(out)) - _ANNOTATIONS:
                return {**target, **out}
        return {"$ref": ref, **out}

    inlined: dict[str, Any] = expand(schema, frozenset())
    return inlined


def _reason(error: ValidationError) -> tuple[str, str]:
    """jsonschema's error as a path and a short reason (its own messages repeat the value)."""
    path: list[str | int] = list(error.absolute_path)
    keyword, expected, value = error.validator, error.validator_value, error.instance
    schema = error.schema if isinstance(error.schema, dict) else {}
    if keyword == "type":
        types = [expected] if isinstance(expected, str) else list(expected)
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
        reason = f"expected {words}, found {_kind(value)}"
    elif keyword == "required":
        missing = next((k for k in expected if k not in value), expected[0])
        reason = f"missing {missing!r}"
        condition = _branch_condition(error)
        if condition is not None:
            reason += f" (needed when {condition[0]} is {condition[1]!r})"
    elif keyword == "additionalProperties":
        known = schema.get("properties", {})
        path.extend([k for k in value if k not in known][:1])
        reason = "unknown key"
    elif keyword in ("minLength", "pattern") and isinstance(value, str) and not value.strip():
        reason = "empty text"
    elif keyword == "pattern":
        what = schema.get("title", f"matching {expected!r}")
        reason = f"{_short(value)} is not {what}"
    elif keyword == "enum":
        reason = f"{_short(value)} is not one of: {', '.join(map(str, expected))}"
    elif keyword == "const":
        reason = f"expected {expected!r}, found {_short(value)}"
    elif keyword == "minimum":
        reason = f"expected a number of at least {expected}, found {value}"
    elif keyword == "minItems":
        reason = f"expected at least {expected} item{'s' if expected > 1 else ''}"
    elif keyword == "oneOf" and all(set(o) == {"required"} for o in expected):
        keys = " or ".join(repr(o["required"][0]) for o in expected)
        reason = f"give either {keys}" if len(expected) == 2 else f"give exactly one of {keys}"
    elif keyword == "not" and set(expected) == {"required"} and len(expected["required"]) == 1:
        path.append(expected["required"][0])
        reason = "not allowed here"
        condition = _branch_condition(error)
        if condition is not None:
            prop, wanted, actual = condition
            reason = f"only allowed when {prop} is {wanted!r}"
            if actual is not None:
                reason += f", not {actual!r}"
    else:
        reason = error.message if len(error.message) <= 160 else f"fails {keyword!r}"
    return where(path), reason


def _branch_condition(error: ValidationError) -> tuple[str, object, object] | None:
    """For an error inside ``if``/``then``/``else``: the property the ``if`` tests.

    Returns (property, the value ``if`` wants, the value the instance has or the
    property's default) when the ``if`` is the simple ``{"properties": {p: {"const": v}}}``.
    """
    steps = list(error.absolute_schema_path)
    if len(steps) < 2 or steps[-2] not in ("then", "else"):
        return None
    node: Any = _schema()
    for step in steps[:-2]:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None  # a path through an unresolved $ref
    test_schema = node.get("if") if isinstance(node, dict) else None
    tested = test_schema.get("properties", {}) if isinstance(test_schema, dict) else {}
    if len(tested) != 1:
        return None
    prop, test = next(iter(tested.items()))
    if not isinstance(test, dict) or "const" not in test:
        return None
    default = node.get("properties", {}).get(prop, {}).get("default")
    actual = error.instance.get(prop, default) if isinstance(error.instance, dict) else None
    return prop, test["const"], actual


_TYPE_WORDS = {
    "object": "an object",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


def _short(value: object) -> str:
    text = repr(value)
    return text if isinstance(value, str | int | float) and len(text) <= 60 else _kind(value)


def where(path: Iterable[str | int]) -> str:
    """``["procedures", 3, "fields"]`` as ``procedures[3].fields``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
