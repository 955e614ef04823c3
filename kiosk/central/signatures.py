"""Signed requests in standard formats: HTTP Message Signatures (RFC 9421) with Ed25519,
over a Content-Digest (RFC 9530).

So that a centre built by another vendor can check the kiosk's requests with an
off-the-shelf RFC 9421 library, the kiosk signs every request like this::

    Content-Digest: sha-256=:<base64 SHA-256 of the body>:
    Signature-Input: kiosk=("@method" "@path" "@query" "content-digest" "idempotency-key")\
;created=1795000000;nonce="<32 hex digits>";keyid="<kiosk id>";alg="ed25519"
    Signature: kiosk=:<base64 Ed25519 signature of the signature base>:

(``idempotency-key`` is covered when the request has that header.)  The signature
base is built as RFC 9421 §2.5 says: one line per covered component,
``"name": value``, then ``"@signature-params": <the parameters, serialised>``.

This module is the mechanism: building and reading the fields, the signature base,
the digest.  The policy (which components must be covered, how fresh ``created``
must be, nonces) is the centre's: :mod:`kiosk.central.reference.server`.

The Structured Field Values (RFC 9651) the three fields use are parsed and
serialised here too: dictionaries, inner lists, parameters and the bare items
integer, string, token, byte sequence and boolean (decimals, dates and display
strings never occur in these fields and are refused).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

LABEL = "kiosk"
ALG = "ed25519"
H_SIGNATURE_INPUT, H_SIGNATURE, H_CONTENT_DIGEST = "Signature-Input", "Signature", "Content-Digest"
MAX_COMPONENTS = 16


class SignatureError(ValueError):
    """A signature field, component or digest is malformed or missing (the message says which)."""


# Structured Field Values (RFC 9651), the subset the signature fields use ------------------
class Token(str):
    """An sf-token (unquoted), as opposed to an sf-string."""


BareItem = int | str | bytes | bool


@dataclass(frozen=True)
class Item:
    value: BareItem
    params: dict[str, BareItem] = field(default_factory=dict)


@dataclass(frozen=True)
class InnerList:
    items: list[Item]
    params: dict[str, BareItem] = field(default_factory=dict)


_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_TOKEN = re.compile(r"[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*")
_INTEGER = re.compile(r"-?[0-9]+")
_BASE64 = re.compile(r"[A-Za-z0-9+/=]*")


class _Reader:
    """RFC 9651 §4.2, parsing from left to right; every failure is a :class:`SignatureError`."""

    def __init__(self, text: str) -> None:
        if not text.isascii():
            raise SignatureError("structured field: not ASCII")
        self.text, self.at = text.strip(" "), 0

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def done(self) -> bool:
        return self.at >= len(self.text)

    def take(self, char: str) -> None:
        if self.peek() != char:
            raise SignatureError(f"structured field: expected {char!r} at {self.at}")
        self.at += 1

    def match(self, pattern: re.Pattern[str], what: str) -> str:
        found = pattern.match(self.text, self.at)
        if not found:
            raise SignatureError(f"structured field: expected {what} at {self.at}")
        self.at = found.end()
        return found.group()

    def spaces(self, tabs: bool = False) -> None:
        while self.peek() == " " or (tabs and self.peek() == "\t"):
            self.at += 1

    def dictionary(self) -> dict[str, Item | InnerList]:
        members: dict[str, Item | InnerList] = {}
        while not self.done():
            key = self.match(_KEY, "a key")
            if key in members:  # RFC 9421 §4.2: a repeated label is not to be trusted
                raise SignatureError(f"structured field: {key!r} appears twice")
            if self.peek() == "=":
                self.at += 1
                members[key] = self.inner_list() if self.peek() == "(" else self.item()
            else:
                members[key] = Item(True, self.params())
            self.spaces(tabs=True)
            if self.done():
                break
            self.take(",")
            self.spaces(tabs=True)
            if self.done():
                raise SignatureError("structured field: trailing comma")
        return members

    def inner_list(self) -> InnerList:
        self.take("(")
        items = []
        while True:
            self.spaces()
            if self.peek() == ")":
                self.at += 1
                return InnerList(items, self.params())
            items.append(self.item())
            if self.peek() not in (" ", ")"):
                raise SignatureError(f"structured field: bad inner list at {self.at}")

    def item(self) -> Item:
        return Item(self.bare_item(), self.params())

    def params(self) -> dict[str, BareItem]:
        params: dict[str, BareItem] = {}
        while self.peek() == ";":
            self.at += 1
            self.spaces()
            key = self.match(_KEY, "a parameter name")
            value: BareItem = True
            if self.peek() == "=":
                self.at += 1
                value = self.bare_item()
            params[key] = value
        return params

    def bare_item(self) -> BareItem:
        char = self.peek()
        if char == '"':
            return self.string()
        if char == ":":
            self.at += 1
            text = self.match(_BASE64, "base64")
            self.take(":")
            try:
                return base64.b64decode(text, validate=True)
            except binascii.Error:
                raise SignatureError("structured field: bad byte sequence") from None
        if char == "?":
            self.at += 1
            flag = self.match(re.compile(r"[01]"), "?0 or ?1")
            return flag == "1"
        if char == "-" or char.isdigit():
            digits = self.match(_INTEGER, "an integer")
            if self.peek() == "." or len(digits.lstrip("-")) > 15:
                raise SignatureError("structured field: only integers of up to 15 digits")
            return int(digits)
        if char.isalpha() or char == "*":
            return Token(self.match(_TOKEN, "a token"))
        raise SignatureError(f"structured field: unexpected {char!r} at {self.at}")

    def string(self) -> str:
        self.take('"')
        out = []
        while not self.done():
            char = self.text[self.at]
            self.at += 1
            if char == "\\":
                escaped = self.peek()
                if escaped not in ('"', "\\"):
                    raise SignatureError("structured field: bad escape in a string")
                out.append(escaped)
                self.at += 1
            elif char == '"':
                return "".join(out)
            elif not " " <= char <= "~":
                raise SignatureError("structured field: control character in a string")
            else:
                out.append(char)
        raise SignatureError("structured field: unterminated string")


def parse_dictionary(text: str) -> dict[str, Item | InnerList]:
    """An sf-dictionary (RFC 9651 §4.2.2)."""
    return _Reader(text).dictionary()


def serialize_bare(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) > 999_999_999_999_999:
            raise SignatureError("structured field: integer out of range")
        return str(value)
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    if isinstance(value, Token):
        if not _TOKEN.fullmatch(value):
            raise SignatureError(f"structured field: {value!r} is not a token")
        return str(value)
    if not all(" " <= c <= "~" for c in value):
        raise SignatureError("structured field: strings are printable ASCII")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _serialize_params(params: Mapping[str, BareItem]) -> str:
    out = []
    for key, value in params.items():
        if not _KEY.fullmatch(key):
            raise SignatureError(f"structured field: {key!r} is not a key")
        out.append(f";{key}" if value is True else f";{key}={serialize_bare(value)}")
    return "".join(out)


def serialize_item(item: Item) -> str:
    return serialize_bare(item.value) + _serialize_params(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    return (
        "("
        + " ".join(serialize_item(i) for i in inner.items)
        + ")"
        + _serialize_params(inner.params)
    )


def serialize_dictionary(members: Mapping[str, Item | InnerList]) -> str:
    out = []
    for key, member in members.items():
        if not _KEY.fullmatch(key):
            raise SignatureError(f"structured field: {key!r} is not a key")
        if isinstance(member, InnerList):
            out.append(f"{key}={serialize_inner_list(member)}")
        elif member.value is True:
            out.append(key + _serialize_params(member.params))
        else:
            out.append(f"{key}={serialize_item(member)}")
    return ", ".join(out)


# Content-Digest (RFC 9530) -----------------------------------------------------------------
def content_digest(body: bytes) -> str:
    """The Content-Digest field value for ``body`` (sha-256)."""
    return serialize_dictionary({"sha-256": Item(hashlib.sha256(body).digest())})


def digest_matches(field_value: str, body: bytes) -> bool:
    """Whether the field's sha-256 member is the digest of ``body`` (other algorithms ignored)."""
    try:
        member = parse_dictionary(field_value).get("sha-256")
    except SignatureError:
        return False
    return (
        isinstance(member, Item)
        and isinstance(member.value, bytes)
        and secrets.compare_digest(member.value, hashlib.sha256(body).digest())
    )


# HTTP Message Signatures (RFC 9421) ---------------------------------------------------------
@dataclass(frozen=True)
class Message:
    """A request as the signer sends it and the verifier receives it.

    ``target`` is the request target in origin form (``/v1/path?query``); ``headers``
    maps lower-case field names to their value (several field lines already joined
    with ``", "``, RFC 9421 §2.1).
    """

    method: str
    target: str
    headers: Mapping[str, str]
    authority: str = ""
    scheme: str = "https"

    def component(self, name: str) -> str:
        """A component's value (RFC 9421 §2.1 fields, §2.2 derived components)."""
        path, _, query = self.target.partition("?")
        authority = (self.authority or self.headers.get("host", "")).lower()
        derived = {
            "@method": self.method.upper(),
            "@path": path or "/",
            "@query": "?" + query,
            "@request-target": self.target,
            "@authority": authority,
            "@scheme": self.scheme.lower(),
            "@target-uri": f"{self.scheme.lower()}://{authority}{self.target}",
        }
        if name.startswith("@"):
            if name not in derived:
                raise SignatureError(f"component {name}: not supported")
            return derived[name]
        if name != name.lower() or name not in self.headers:
            raise SignatureError(f"component {name}: not in the request")
        return self.headers[name].strip(" \t")


def signature_base(message: Message, components: list[str], params: dict[str, BareItem]) -> bytes:
    """RFC 9421 §2.5: what is signed."""
    if len(set(components)) != len(components):
        raise SignatureError("a component is covered twice")
    lines = []
    for name in components:
        value = message.component(name)
        if "\n" in value or "\r" in value:
            raise SignatureError(f"component {name}: contains a line break")
        lines.append(f'"{name}": {value}')
    covered = InnerList([Item(name) for name in components], params)
    lines.append(f'"@signature-params": {serialize_inner_list(covered)}')
    text = "\n".join(lines)
    if not text.isascii():
        raise SignatureError("the signature base is not ASCII")
    return text.encode("ascii")


def sign_request(
    key: Ed25519PrivateKey,
    keyid: str,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    created: int,
    nonce: str | None = None,
) -> dict[str, str]:
    """The fields to add to a request: Content-Digest, Signature-Input, Signature.

    Covers the method, path, query, body digest and, when ``headers`` has one, the
    ``Idempotency-Key``; ``created``, a fresh ``nonce``, ``keyid`` and ``alg`` are in
    the signature parameters.
    """
    digest = content_digest(body)
    lower = {name.lower(): value for name, value in headers.items()}
    lower["content-digest"] = digest
    components = ["@method", "@path", "@query", "content-digest"]
    if "idempotency-key" in lower:
        components.append("idempotency-key")
    params: dict[str, BareItem] = {
        "created": created,
        "nonce": nonce if nonce is not None else secrets.token_hex(16),
        "keyid": keyid,
        "alg": ALG,
    }
    base = signature_base(Message(method, target, lower), components, params)
    covered = InnerList([Item(name) for name in components], params)
    return {
        H_CONTENT_DIGEST: digest,
        H_SIGNATURE_INPUT: serialize_dictionary({LABEL: covered}),
        H_SIGNATURE: serialize_dictionary({LABEL: Item(key.sign(base))}),
    }


@dataclass(frozen=True)
class ReceivedSignature:
    """One signature read from a request, its base rebuilt; not yet verified."""

    label: str
    components: tuple[str, ...]
    params: dict[str, BareItem]
    signature: bytes
    base: bytes

    def param(self, name: str, kind: type) -> object:
        value = self.params.get(name)
        if value is None:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise SignatureError(f"signature parameter {name}: expected {kind.__name__}")
        return value

    def verify(self, public_key: Ed25519PublicKey) -> bool:
        """RFC 9421 §3.3.6: Ed25519 over the signature base, no prehash."""
        try:
            public_key.verify(self.signature, self.base)
        except InvalidSignature:
            return False
        return True


def read_signature(message: Message, label: str = LABEL) -> ReceivedSignature:
    """The signature labelled ``label`` (or the only one), with its base rebuilt from
    ``message`` (RFC 9421 §3.2 steps 1–6); raises :class:`SignatureError`."""
    inputs_field = message.headers.get(H_SIGNATURE_INPUT.lower())
    signatures_field = message.headers.get(H_SIGNATURE.lower())
    if not inputs_field or not signatures_field:
        raise SignatureError("no Signature-Input and Signature fields")
    inputs, signatures = parse_dictionary(inputs_field), parse_dictionary(signatures_field)
    if label not in inputs and len(inputs) == 1:
        label = next(iter(inputs))
    covered, signed = inputs.get(label), signatures.get(label)
    if not isinstance(covered, InnerList) or not isinstance(signed, Item):
        raise SignatureError(f"no signature labelled {label!r}")
    if not isinstance(signed.value, bytes) or not signed.value:
        raise SignatureError("the signature is not a byte sequence")
    if len(covered.items) > MAX_COMPONENTS:
        raise SignatureError("too many covered components")
    components = []
    for item in covered.items:
        # Component parameters (;sf, ;key, ;bs, ;req, ;name) are not part of this profile.
        if type(item.value) is not str or item.params:
            raise SignatureError("covered components are plain quoted names")
        components.append(item.value)
    base = signature_base(message, components, dict(covered.params))
    return ReceivedSignature(label, tuple(components), dict(covered.params), signed.value, base)


__all__ = [
    "ALG",
    "LABEL",
    "InnerList",
    "Item",
    "Message",
    "ReceivedSignature",
    "SignatureError",
    "Token",
    "content_digest",
    "digest_matches",
    "parse_dictionary",
    "read_signature",
    "serialize_dictionary",
    "sign_request",
    "signature_base",
]
