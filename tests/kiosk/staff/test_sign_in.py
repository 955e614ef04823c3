"""Staff sign-in: card + PIN, PIN alone where allowed, lockouts that grow, the session's end."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.staff.audit import AuditTrail, verify
from kiosk.staff.desk import StaffDesk
from kiosk.staff.directory import LOCAL, card_digest
from kiosk.staff.pins import PinHasher
from kiosk.staff.roles import Role
from offline_cache.staff_store import AccountRow, StaffStore
from tests.kiosk.staff.conftest import KIOSK, Clock

CARD_NUMBER = "079090001234"


class Ticks:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def ticks() -> Ticks:
    return Ticks()


def _desk(
    store: StaffStore,
    key: Ed25519PrivateKey,
    hasher: PinHasher,
    wall: Clock,
    ticks: Ticks,
    pin_only: bool = True,
) -> StaffDesk:
    now = wall.at
    store.put_account(
        AccountRow("NV001", "staff", hasher.hash("2468"), card_digest(CARD_NUMBER), LOCAL), now
    )
    store.put_account(AccountRow("KT01", "technician", hasher.hash("13579"), None, LOCAL), now)
    trail = AuditTrail(store, key, KIOSK, now=wall)
    return StaffDesk(
        store, trail, pin_only=pin_only, idle_timeout_s=180, hasher=hasher, now=wall, clock=ticks
    )


@pytest.fixture
def desk(
    store: StaffStore, key: Ed25519PrivateKey, hasher: PinHasher, wall: Clock, ticks: Ticks
) -> StaffDesk:
    return _desk(store, key, hasher, wall, ticks)


def test_the_staff_card_and_pin_sign_in(desk: StaffDesk, store: StaffStore) -> None:
    result = desk.sign_in_card(CARD_NUMBER, "2468")
    assert result.ok and result.operator is not None
    assert (result.operator.staff_id, result.operator.role) == ("NV001", Role.STAFF)
    [entry] = store.audit_entries()
    assert (entry.actor, entry.action) == ("NV001", "sign_in")
    assert CARD_NUMBER not in repr(store.audit_entries())  # the card number is never kept


def test_someone_elses_card_or_a_wrong_pin_is_refused(desk: StaffDesk) -> None:
    assert desk.sign_in_card("001099009999", "2468").reason == "wrong"
    assert desk.sign_in_card(CARD_NUMBER, "1111").reason == "wrong"
    assert desk.operator is None


def test_pin_alone_signs_in_where_the_centre_allows_it(
    store: StaffStore, key: Ed25519PrivateKey, hasher: PinHasher, wall: Clock, ticks: Ticks
) -> None:
    desk = _desk(store, key, hasher, wall, ticks, pin_only=True)
    result = desk.sign_in_pin("KT01", "13579")
    assert result.operator is not None and result.operator.role is Role.TECHNICIAN
    strict = _desk(store, key, hasher, wall, ticks, pin_only=False)
    assert strict.sign_in_pin("KT01", "13579").reason == "not_allowed"
    assert strict.operator is None


def test_the_lockout_grows_with_each_failure(desk: StaffDesk, wall: Clock) -> None:
    waits = []
    for _ in range(6):
        result = desk.sign_in_pin("NV001", "0000")
        if result.locked_until is not None:
            waits.append((result.locked_until - wall.at).total_seconds())
            wall.advance(waits[-1])  # wait out the lock, then fail again
    assert waits == [30, 60, 120, 240]
    # While locked, even the right PIN is refused.
    desk.sign_in_pin("NV001", "0000")
    assert desk.sign_in_pin("NV001", "2468").reason == "locked"
    wall.advance(3600)
    assert desk.sign_in_pin("NV001", "2468").ok
    # A success starts the count again.
    desk.sign_out("signed_out")
    assert desk.sign_in_pin("NV001", "0000").reason == "wrong"


def test_an_unknown_staff_id_is_locked_like_a_known_one(desk: StaffDesk) -> None:
    results = [desk.sign_in_pin("NV404", "1234").reason for _ in range(3)]
    assert results == ["wrong", "wrong", "locked"]


def test_the_staff_session_times_out_when_idle(desk: StaffDesk, ticks: Ticks) -> None:
    desk.sign_in_pin("NV001", "2468")
    ticks.t += 170
    desk.touch()
    ticks.t += 170
    assert not desk.expired()
    ticks.t += 11
    assert desk.expired()


def test_taking_the_card_away_ends_a_card_session_only(
    desk: StaffDesk, store: StaffStore, tmp_path: Path
) -> None:
    desk.sign_in_pin("NV001", "2468")
    assert not desk.card_removed() and desk.operator is not None
    desk.sign_out("signed_out")
    desk.sign_in_card(CARD_NUMBER, "2468")
    assert desk.card_removed() and desk.operator is None
    actions = [(e.action, e.detail) for e in store.audit_entries()]
    assert actions[-1] == ("sign_out", '{"reason": "card_removed"}')
    assert verify(store.audit_entries(), {desk.trail.key_id: desk.trail.public_key}) == []
