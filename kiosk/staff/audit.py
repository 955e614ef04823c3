"""The audit trail: every staff and technician action, hash-chained and signed.

Each entry carries the SHA-256 of the entry before it and is signed (Ed25519) with the
kiosk's key, the one its requests to the centre are signed with.  The entry's hash
covers its time, actor, role, action, dossier code, detail, the previous hash and the
key id, but not its row number: so a changed row number (entries swapped) is told
apart from changed content.  A head mark beside the database (the last entry's number
and hash, written after each append) tells entries cut from the end.

No citizen data: the actor is a staff ID, a dossier is named by its code, and the
detail holds only choices from short lists (a reason code, a step, a count); free text
a staff member types is kept as a length, never as text.

:func:`verify` names each kind of tampering: ``edited`` (an entry's content no longer
matches its signature), ``inserted`` (an entry the chain does not go through),
``deleted`` (the chain points to an entry that is not there), ``reordered`` (entries
all genuine but out of order), ``truncated`` (entries missing after the last one).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from offline_cache.staff_store import AuditRow, StaffStore

log = logging.getLogger(__name__)

HEAD_FILE = "audit-head.json"
MAX_DETAIL = 1000


def key_id(public_key: Ed25519PublicKey, kiosk: str) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return f"{kiosk}:{hashlib.sha256(raw).hexdigest()[:16]}"


def entry_hash(row: AuditRow) -> str:
    """The SHA-256 of an entry's canonical content (its row number excluded)."""
    content = {
        "at": row.at.isoformat(timespec="microseconds"),
        "actor": row.actor,
        "role": row.role,
        "action": row.action,
        "dossier_code": row.dossier_code,
        "detail": row.detail,
        "prev_hash": row.prev_hash,
        "key_id": row.key_id,
    }
    data = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Finding:
    """One problem :func:`verify` found: its kind and the entry (row number) it concerns."""

    kind: str  # edited | inserted | deleted | reordered | truncated | unknown_key
    seq: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "seq": self.seq, "message": self.message}


class AuditTrail:
    """Appends signed entries to the kiosk's audit log (any thread; one short transaction).

    ``head_path``: the head mark (None: no mark, tail cuts are not detected).
    """

    def __init__(
        self,
        store: StaffStore,
        key: Ed25519PrivateKey,
        kiosk: str,
        head_path: Path | None = None,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.store = store
        self._key = key
        self.public_key = key.public_key()
        self.key_id = key_id(self.public_key, kiosk)
        self.head_path = head_path
        self._now = now

    def record(
        self,
        actor: str,
        role: str,
        action: str,
        dossier_code: str | None = None,
        **detail: str | int | bool | None,
    ) -> AuditRow:
        """Append one entry.  ``detail``: short values only (never a name or an ID number)."""
        text = json.dumps(detail, sort_keys=True, ensure_ascii=False)[:MAX_DETAIL]
        at = self._now()

        def make(seq: int, previous: str) -> AuditRow:
            unsigned = AuditRow(
                seq, at, actor, role, action, dossier_code, text, previous, "", "", self.key_id
            )
            digest = entry_hash(unsigned)
            signature = base64.b64encode(self._key.sign(digest.encode("ascii"))).decode()
            return AuditRow(
                seq,
                at,
                actor,
                role,
                action,
                dossier_code,
                text,
                previous,
                digest,
                signature,
                self.key_id,
            )

        row = self.store.append_audit(make)
        if self.head_path is not None:
            write_head(self.head_path, row.seq, row.entry_hash)
        log.info("audit_recorded", extra={"fields": {"seq": row.seq, "action": action}})
        return row


def write_head(path: Path, seq: int, digest: str) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="ascii") as fh:
        json.dump({"seq": seq, "hash": digest}, fh)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def read_head(path: Path) -> tuple[int, str] | None:
    try:
        raw = json.loads(path.read_text(encoding="ascii"))
        return int(raw["seq"]), str(raw["hash"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _genuine(row: AuditRow, keys: dict[str, Ed25519PublicKey]) -> bool | None:
    """True: content and signature match; False: they do not; None: the key is unknown."""
    key = keys.get(row.key_id)
    if key is None:
        return None
    if entry_hash(row) != row.entry_hash:
        return False
    try:
        key.verify(base64.b64decode(row.signature, validate=True), row.entry_hash.encode("ascii"))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def verify(
    rows: list[AuditRow],
    keys: dict[str, Ed25519PublicKey],
    head: tuple[int, str] | None = None,
) -> list[Finding]:
    """Every problem in ``rows`` (in row-number order); an empty list: the log is intact."""
    findings: list[Finding] = []
    genuine: list[AuditRow] = []
    verdicts = {row.seq: _genuine(row, keys) for row in rows}
    for row in rows:
        if verdicts[row.seq] is None:
            findings.append(
                Finding("unknown_key", row.seq, f"entry {row.seq}: signed by an unknown key")
            )
        elif verdicts[row.seq]:
            genuine.append(row)
    by_hash = {row.entry_hash: row for row in genuine}
    # Entries whose signature fails: edited in place, or slipped in where none was.
    for index, row in enumerate(rows):
        if verdicts[row.seq] is not False:
            continue
        before = next((r for r in reversed(rows[:index]) if verdicts[r.seq]), None)
        after = next((r for r in rows[index + 1 :] if verdicts[r.seq]), None)
        skipped = after is not None and after.prev_hash == (before.entry_hash if before else "")
        if skipped or (
            after is None and before is not None and head == (before.seq, before.entry_hash)
        ):
            findings.append(
                Finding("inserted", row.seq, f"entry {row.seq} was inserted: the chain skips it")
            )
        else:
            findings.append(
                Finding("edited", row.seq, f"entry {row.seq} was edited: its signature fails")
            )
    # Genuine entries: follow the chain's links to find its true order, in runs that a
    # deleted entry interrupts; an entry the true order puts elsewhere was moved.
    tampered = {f.seq for f in findings}
    after_link = {row.prev_hash: row for row in genuine}
    runs: list[list[AuditRow]] = []
    for row in genuine:
        if row.prev_hash in by_hash:
            continue  # not the start of a run
        run = [row]
        while (nxt := after_link.get(run[-1].entry_hash)) is not None and len(run) <= len(rows):
            run.append(nxt)
        runs.append(run)
        if row.prev_hash == "":
            continue
        stored_before = [r for r in rows if r.seq < row.seq]
        if stored_before and stored_before[-1].seq in tampered:
            continue  # right after an edited entry: that finding explains the break
        first = stored_before[-1].seq + 1 if stored_before else 1
        missing = f"entry {first}" if row.seq - first <= 1 else f"entries {first} to {row.seq - 1}"
        if row.seq <= first:
            missing = "an entry"
        findings.append(Finding("deleted", row.seq, f"{missing} deleted before entry {row.seq}"))
    true_order = [row for run in sorted(runs, key=lambda r: r[0].seq) for row in run]
    kept = _longest_increasing([row.seq for row in true_order])
    for index, row in enumerate(true_order):
        if row.seq in kept:
            continue
        before = true_order[index - 1].seq if index else None
        where = f"after entry {before}" if before is not None else "first"
        findings.append(
            Finding("reordered", row.seq, f"entry {row.seq} was moved: it belongs {where}")
        )
    if head is not None:
        head_seq, head_hash = head
        last = rows[-1] if rows else None
        if head_hash not in by_hash and (last is None or last.seq < head_seq):
            first = (last.seq + 1) if last else 1
            findings.append(
                Finding(
                    "truncated",
                    head_seq,
                    f"entries {first} to {head_seq} deleted from the end of the log",
                )
            )
    return sorted(findings, key=lambda f: (f.seq, f.kind))


def _longest_increasing(values: list[int]) -> set[int]:
    """The values of one longest strictly increasing subsequence (patience sorting)."""
    import bisect

    tails: list[int] = []  # index into values of the smallest tail of each length
    parent: list[int | None] = [None] * len(values)
    for i, value in enumerate(values):
        at = bisect.bisect_left([values[t] for t in tails], value)
        parent[i] = tails[at - 1] if at else None
        if at == len(tails):
            tails.append(i)
        else:
            tails[at] = i
    kept: set[int] = set()
    cursor = tails[-1] if tails else None
    while cursor is not None:
        kept.add(values[cursor])
        cursor = parent[cursor]
    return kept


def load_public_keys(paths: list[Path], kiosk: str) -> dict[str, Ed25519PublicKey]:
    """The kiosk's public keys by key id, from PEM files of private or public keys."""
    keys: dict[str, Ed25519PublicKey] = {}
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        key: Any
        try:
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError):
            try:
                key = serialization.load_pem_public_key(data)
            except ValueError:
                continue
        if isinstance(key, Ed25519PublicKey):
            keys[key_id(key, kiosk)] = key
    return keys


__all__ = [
    "HEAD_FILE",
    "AuditTrail",
    "Finding",
    "entry_hash",
    "key_id",
    "load_public_keys",
    "read_head",
    "verify",
    "write_head",
]
