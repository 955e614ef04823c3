"""The audit trail: hash-chained, signed, and `verify` names each kind of tampering."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.staff.audit import HEAD_FILE, AuditTrail, read_head, verify
from offline_cache.staff_store import StaffStore
from tests.kiosk.staff.conftest import KIOSK, Clock


def _trail(store: StaffStore, key: Ed25519PrivateKey, wall: Clock, tmp_path: Path) -> AuditTrail:
    trail = AuditTrail(store, key, KIOSK, tmp_path / HEAD_FILE, now=wall)
    for n, action in enumerate(["sign_in", "face_override", "retry", "reprint", "sign_out"]):
        wall.advance(60)
        trail.record(f"NV{n:03d}", "staff", action, "79001-20261204-0001" if n else None)
    return trail


def _check(trail: AuditTrail, store: StaffStore, tmp_path: Path) -> list[tuple[str, int]]:
    findings = verify(
        store.audit_entries(), {trail.key_id: trail.public_key}, read_head(tmp_path / HEAD_FILE)
    )
    return [(f.kind, f.seq) for f in findings]


def _sql(tmp_path: Path, *statements: str) -> None:
    with sqlite3.connect(tmp_path / "kiosk.db") as db:
        for statement in statements:
            db.execute(statement)


@pytest.fixture
def trail(store: StaffStore, key: Ed25519PrivateKey, wall: Clock, tmp_path: Path) -> AuditTrail:
    return _trail(store, key, wall, tmp_path)


def test_an_untouched_log_verifies(trail: AuditTrail, store: StaffStore, tmp_path: Path) -> None:
    entries = store.audit_entries()
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == "" and entries[1].prev_hash == entries[0].entry_hash
    assert _check(trail, store, tmp_path) == []


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (["UPDATE audit_log SET action = 'reprint' WHERE seq = 3"], [("edited", 3)]),
        (
            ["UPDATE audit_log SET actor = 'NV999', entry_hash = 'f' || entry_hash WHERE seq = 2"],
            [("edited", 2)],
        ),
        (["DELETE FROM audit_log WHERE seq = 3"], [("deleted", 4)]),
        (["DELETE FROM audit_log WHERE seq IN (2, 3)"], [("deleted", 4)]),
        (["DELETE FROM audit_log WHERE seq = 5"], [("truncated", 5)]),
        (
            [
                "UPDATE audit_log SET seq = seq + 10 WHERE seq >= 3",
                "UPDATE audit_log SET seq = seq - 9 WHERE seq >= 13",
                "INSERT INTO audit_log SELECT 3, at, 'NV777', role, 'face_override', NULL, "
                "detail, prev_hash, 'ab' || entry_hash, signature, key_id, NULL "
                "FROM audit_log WHERE seq = 2",
            ],
            [("inserted", 3)],
        ),
        (
            [
                "UPDATE audit_log SET seq = 100 WHERE seq = 3",
                "UPDATE audit_log SET seq = 3 WHERE seq = 4",
                "UPDATE audit_log SET seq = 4 WHERE seq = 100",
            ],
            [("reordered", 4)],
        ),
    ],
    ids=[
        "edited",
        "edited-rehashed",
        "deleted",
        "two-deleted",
        "cut-at-end",
        "inserted",
        "swapped",
    ],
)
def test_verify_names_each_kind_of_tampering(
    trail: AuditTrail,
    store: StaffStore,
    tmp_path: Path,
    statements: list[str],
    expected: list[tuple[str, int]],
) -> None:
    _sql(tmp_path, *statements)
    assert _check(trail, store, tmp_path) == expected


def test_a_forged_key_is_not_accepted(trail: AuditTrail, store: StaffStore, tmp_path: Path) -> None:
    other = AuditTrail(store, Ed25519PrivateKey.generate(), KIOSK)
    assert {f.kind for f in verify(store.audit_entries(), {other.key_id: other.public_key})} == {
        "unknown_key"
    }


def test_entries_hold_no_free_text(store: StaffStore, key: Ed25519PrivateKey, wall: Clock) -> None:
    trail = AuditTrail(store, key, KIOSK, now=wall)
    row = trail.record("NV001", "staff", "face_override", "X-1", reason="looks_alike", note_len=12)
    assert row.detail == '{"note_len": 12, "reason": "looks_alike"}'
