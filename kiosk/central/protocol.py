"""The central API's wire format, shared by the kiosk and the reference service.

Requests are signed by the kiosk with its own Ed25519 key (one credential per
kiosk, revocable at the centre) as HTTP Message Signatures (RFC 9421, in
:mod:`kiosk.central.signatures`).  The scheme before it (``X-Kiosk-*`` headers,
a signature over ``METHOD \\n PATH?QUERY \\n TIMESTAMP \\n NONCE \\n SHA-256(body)``)
is kept here, :func:`sign_headers` and :func:`verify_signature`, because kiosks
not yet updated still send it; it does not cover the ``Idempotency-Key``.

Both bind a request to a moment (within :data:`MAX_SKEW_S` of the centre's
clock) and a nonce the centre remembers for that window, so a captured request
can be neither altered nor replayed.

The limits below are the API's contract (``docs/central-api.md``): the reference
centre enforces them and a province's own centre must enforce the same.

The procedure catalogue travels in a signed envelope (Ed25519, the centre's
catalogue key, which kiosks trust by configuration).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.base.central import DossierUpload
from kiosk.base.dossier import CODE_PATTERN

API = "/v1"
MAX_SKEW_S = 300
MAX_BODY = 25 * 1024 * 1024  # a dossier with its captured papers
# Bodies of the other calls (checked against Content-Length before anything is read).
MAX_LOOKUP_BODY = 1024
MAX_RATING_BODY = 16 * 1024
MAX_HEARTBEAT_BODY = 64 * 1024
MAX_REASON_SEALED = 8 * 1024  # a rating's sealed free-text reason, decoded
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
NONCE = re.compile(r"^[A-Za-z0-9+/=_-]{16,64}$")
PROCEDURE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
ID_NUMBER = re.compile(r"^[0-9]{12}$")
# The numbering a kiosk id names: "<unit code>-K<kiosk number>" (kiosk.sync_setup.kiosk_id).
KIOSK_NUMBERING = re.compile(r"^(?P<unit>[A-Za-z0-9.]{2,20})-K(?P<number>[0-9]{2})$")
H_KIOSK, H_TIME, H_NONCE, H_SIG = (
    "X-Kiosk-Id",
    "X-Kiosk-Timestamp",
    "X-Kiosk-Nonce",
    "X-Kiosk-Signature",
)
H_IDEMPOTENCY = "Idempotency-Key"
KIOSK_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
RATING_LEVELS = ("very_satisfied", "satisfied", "dissatisfied")


class ProtocolError(ValueError):
    """A payload or envelope does not follow the protocol (the message says how)."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise ProtocolError(f"{what}: expected base64 text")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        raise ProtocolError(f"{what}: not valid base64") from None


def canonical(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    digest = hashlib.sha256(body).hexdigest()
    return f"{method.upper()}\n{path}\n{timestamp}\n{nonce}\n{digest}".encode()


def sign_headers(
    key: Ed25519PrivateKey, kiosk_id: str, method: str, path: str, body: bytes, now: float
) -> dict[str, str]:
    """The previous scheme's headers for one request (a fresh nonce each time).

    Kiosks now sign with RFC 9421 (:func:`kiosk.central.signatures.sign_request`); the
    centre still checks this scheme (:func:`verify_signature`) for kiosks not yet updated.
    """
    timestamp, nonce = str(int(now)), secrets.token_hex(16)
    signature = key.sign(canonical(method, path, timestamp, nonce, body))
    return {H_KIOSK: kiosk_id, H_TIME: timestamp, H_NONCE: nonce, H_SIG: b64(signature)}


def verify_signature(
    public_key: Ed25519PublicKey, headers: dict[str, str], method: str, path: str, body: bytes
) -> bool:
    fields = {name.lower(): value for name, value in headers.items()}
    try:
        signature = unb64(fields.get(H_SIG.lower()), "signature")
        timestamp, nonce = fields.get(H_TIME.lower(), ""), fields.get(H_NONCE.lower(), "")
        public_key.verify(signature, canonical(method, path, timestamp, nonce, body))
    except (InvalidSignature, ProtocolError):
        return False
    return True


# Keys ----------------------------------------------------------------------------
def key_fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, its first 128 bits in groups of four hex digits: what
    a technician reads aloud at enrolment and the centre's operator compares."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest().upper()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def save_private_key(key: Any, path: Path) -> None:
    """PEM, readable by its owner only (written before the mode could leak it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    tmp = path.with_suffix(".tmp")
    tmp.touch(mode=0o600)
    tmp.write_bytes(pem)
    tmp.replace(path)


def save_public_key(key: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def load_ed25519_private(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: expected an Ed25519 private key")
    return key


def load_ed25519_public(path: Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path}: expected an Ed25519 public key")
    return key


# The signed catalogue --------------------------------------------------------------
def sign_catalogue(key: Ed25519PrivateKey, version: str, catalogue: bytes) -> bytes:
    """The envelope the centre serves: the catalogue bytes exactly as signed."""
    signed = version.encode("utf-8") + b"\n" + catalogue
    envelope = {"version": version, "catalogue": b64(catalogue), "signature": b64(key.sign(signed))}
    return json.dumps(envelope).encode("utf-8")


def open_catalogue(public_key: Ed25519PublicKey, envelope: bytes) -> tuple[str, bytes]:
    """Check the envelope's signature; returns (version, catalogue bytes)."""
    try:
        raw = json.loads(envelope)
    except ValueError:
        raise ProtocolError("catalogue envelope: not JSON") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("version"), str):
        raise ProtocolError("catalogue envelope: missing version")
    version = raw["version"]
    catalogue = unb64(raw.get("catalogue"), "catalogue envelope: catalogue")
    signature = unb64(raw.get("signature"), "catalogue envelope: signature")
    try:
        public_key.verify(signature, version.encode("utf-8") + b"\n" + catalogue)
    except InvalidSignature:
        raise ProtocolError("catalogue envelope: the signature does not match") from None
    return version, catalogue


# Payloads --------------------------------------------------------------------------
def parse_dossier_upload(body: bytes) -> DossierUpload:
    """A dossier upload from its JSON body (or :class:`ProtocolError`)."""
    raw = _object(body)
    code = raw.get("code")
    if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
        raise ProtocolError("code: expected a dossier code like 000.00.01.H01-261120-K010001")
    procedure = raw.get("procedure_code")
    if not isinstance(procedure, str) or not PROCEDURE_CODE.fullmatch(procedure):
        raise ProtocolError("procedure_code: expected a procedure code (1–40 characters)")
    received_raw, appointment_raw = raw.get("received_at"), raw.get("appointment")
    try:
        if not isinstance(received_raw, str) or len(received_raw) > 32:
            raise ValueError
        received_at = datetime.fromisoformat(received_raw)
        if appointment_raw is not None and (
            not isinstance(appointment_raw, str) or len(appointment_raw) > 10
        ):
            raise ValueError
        appointment = date.fromisoformat(appointment_raw) if appointment_raw else None
    except ValueError:
        raise ProtocolError("received_at/appointment: expected ISO 8601 dates") from None
    return DossierUpload(
        code, procedure, received_at, appointment, unb64(raw.get("sealed"), "sealed")
    )


@dataclass(frozen=True)
class RatingUpload:
    level: str
    procedure_code: str | None
    reason_sealed: bytes | None


def parse_rating(body: bytes) -> RatingUpload:
    """A rating from its JSON body (or :class:`ProtocolError`)."""
    raw = _object(body)
    level = raw.get("level")
    if level not in RATING_LEVELS:
        raise ProtocolError(f"level: expected one of {', '.join(RATING_LEVELS)}")
    procedure = raw.get("procedure_code")
    if procedure is not None and (
        not isinstance(procedure, str) or not PROCEDURE_CODE.fullmatch(procedure)
    ):
        raise ProtocolError("procedure_code: expected a procedure code (1–40 characters) or null")
    reason = raw.get("reason_sealed")
    sealed = unb64(reason, "reason_sealed") if reason is not None else None
    if sealed is not None and not 1 <= len(sealed) <= MAX_REASON_SEALED:
        raise ProtocolError(f"reason_sealed: 1 to {MAX_REASON_SEALED} bytes")
    return RatingUpload(str(level), procedure, sealed)


def parse_lookup(body: bytes) -> str:
    """The ID number of a status look-up (or :class:`ProtocolError`)."""
    id_number = _object(body).get("id_number")
    if not isinstance(id_number, str) or not ID_NUMBER.fullmatch(id_number):
        raise ProtocolError("id_number: expected the 12 digits of an ID number")
    return id_number


def code_numbering(code: str) -> tuple[str, int]:
    """The numbering a dossier code was taken from: (unit code, kiosk number)."""
    unit, _day, serial = code.upper().rsplit("-", 2)
    return unit, int(serial[1:3])


def _object(body: bytes) -> dict[str, Any]:
    try:
        raw = json.loads(body)
    except ValueError:  # UnicodeDecodeError too
        raise ProtocolError("body: not JSON") from None
    except RecursionError:
        raise ProtocolError("body: nested too deeply") from None
    if not isinstance(raw, dict):
        raise ProtocolError("body: expected a JSON object")
    return raw


def parse_object(body: bytes) -> dict[str, Any]:
    """A JSON object body (or :class:`ProtocolError`)."""
    return _object(body)
