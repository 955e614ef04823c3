"""Who may sign in: the staff list from the centre (signed like the catalogue) or the local
list a technician manages offline.

The centre serves ``GET /v1/staff`` as a signed envelope::

    {"version": "2026.12.04-1", "staff": "<base64 JSON>", "signature": "<base64 Ed25519>"}

signed with the centre's catalogue key over ``b"kiosk-staff-list\\n" + version + b"\\n" +
staff`` (the prefix keeps a catalogue signature from passing for a staff list).  The
JSON is a list of ``{"staff_id", "role", "pin_hash", "card_sha256"}``: a staff ID, never
a name; the PIN as an Argon2id hash; the staff member's own ID card as the SHA-256 of
:func:`card_digest`.  A list is used only when the signature verifies and every entry
is valid; anything wrong leaves the kiosk with the list it has.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from kiosk.central.protocol import ProtocolError, b64, unb64
from kiosk.staff.roles import Role
from offline_cache.staff_store import AccountRow, StaffStore

log = logging.getLogger(__name__)

STAFF_ID = re.compile(r"^[A-Za-z0-9._-]{2,40}$")
DOMAIN = b"kiosk-staff-list\n"
CENTRE, LOCAL = "centre", "local"


class StaffListError(ValueError):
    """A staff list that cannot be used (the message says why, without any PIN hash)."""


def card_digest(id_number: str) -> str:
    """What a staff list holds of a staff member's ID card number (SHA-256, hex)."""
    return hashlib.sha256(b"kiosk-staff-card\n" + id_number.strip().encode("ascii")).hexdigest()


def check_staff_id(staff_id: str) -> str:
    if not STAFF_ID.match(staff_id or ""):
        raise StaffListError(f"staff ID {staff_id[:40]!r}: 2 to 40 letters, digits, . _ -")
    return staff_id


def _entry(raw: Any, source: str, index: int) -> AccountRow:
    if not isinstance(raw, dict):
        raise StaffListError(f"entry {index}: not an object")
    staff_id = check_staff_id(str(raw.get("staff_id", "")))
    role = raw.get("role")
    if role not in (Role.STAFF.value, Role.TECHNICIAN.value):
        raise StaffListError(f"entry {index} ({staff_id}): role must be staff or technician")
    pin_hash = raw.get("pin_hash")
    if not isinstance(pin_hash, str) or not pin_hash.startswith("$argon2id$"):
        raise StaffListError(f"entry {index} ({staff_id}): pin_hash must be an Argon2id hash")
    card = raw.get("card_sha256")
    if card is not None and not (isinstance(card, str) and re.fullmatch(r"[0-9a-f]{64}", card)):
        raise StaffListError(f"entry {index} ({staff_id}): card_sha256 must be 64 hex digits")
    return AccountRow(staff_id, role, pin_hash, card, source)


def parse_list(data: bytes, source: str) -> list[AccountRow]:
    try:
        raw = json.loads(data)
    except ValueError:
        raise StaffListError("staff list: not JSON") from None
    if not isinstance(raw, list):
        raise StaffListError("staff list: expected a list of staff")
    rows = [_entry(item, source, index) for index, item in enumerate(raw)]
    if len({row.staff_id for row in rows}) != len(rows):
        raise StaffListError("staff list: a staff ID appears twice")
    return rows


def sign_list(key: Ed25519PrivateKey, version: str, rows: list[dict[str, Any]]) -> bytes:
    """The envelope the centre serves (the reference centre and tests use this)."""
    data = json.dumps(rows, ensure_ascii=False, sort_keys=True).encode("utf-8")
    signature = key.sign(DOMAIN + version.encode("utf-8") + b"\n" + data)
    return json.dumps(
        {"version": version, "staff": b64(data), "signature": b64(signature)}
    ).encode()


def open_list(public_key: Ed25519PublicKey, envelope: bytes) -> tuple[str, list[AccountRow]]:
    """Check the envelope's signature and every entry; returns (version, accounts)."""
    try:
        raw = json.loads(envelope)
    except ValueError:
        raise StaffListError("staff list envelope: not JSON") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("version"), str):
        raise StaffListError("staff list envelope: missing version")
    version = raw["version"]
    try:
        data = unb64(raw.get("staff"), "staff list envelope: staff")
        signature = unb64(raw.get("signature"), "staff list envelope: signature")
    except ProtocolError as exc:
        raise StaffListError(str(exc)) from None
    try:
        public_key.verify(signature, DOMAIN + version.encode("utf-8") + b"\n" + data)
    except InvalidSignature:
        raise StaffListError("staff list envelope: the signature does not match") from None
    return version, parse_list(data, CENTRE)


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.split(r"[.-]", version))


def adopt_list(
    store: StaffStore, public_key: Ed25519PublicKey, envelope: bytes, now: datetime
) -> str:
    """Replace the centre's accounts with a newer signed list; returns what happened."""
    try:
        version, rows = open_list(public_key, envelope)
    except StaffListError as exc:
        log.error("staff_list_rejected", extra={"fields": {"reason": str(exc)[:200]}})
        return f"rejected: {exc}"
    current = store.list_version(CENTRE)
    if current is not None and _version_key(version) <= _version_key(current):
        return "unchanged"
    store.replace_accounts(CENTRE, rows, version, now)
    log.info("staff_list_updated", extra={"fields": {"version": version, "count": len(rows)}})
    return f"updated to {version}"


__all__ = [
    "CENTRE",
    "LOCAL",
    "StaffListError",
    "adopt_list",
    "card_digest",
    "check_staff_id",
    "open_list",
    "parse_list",
    "sign_list",
]
