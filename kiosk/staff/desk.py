"""Staff sign-in and the staff session: card + PIN or PIN alone, lockouts, the idle timeout.

A staff member signs in with their own chip ID card (read and checked for forgery by the
same machinery as a citizen's: the identify journey hands over the verified ID number)
plus their PIN, or with staff ID and PIN alone where the centre allows it
(``centre.staff_pin_only``).  Each failure is counted per staff ID; after a few the ID
is locked for a time that doubles with each further failure (:func:`lockout_until`).
Every sign-in, failure and sign-out is written to the audit trail.

The staff session ends after ``session.staff_idle_timeout_s`` without a staff action,
and at once when the card it was opened with leaves the reader.

Thread contract: the database and Argon2id work (about 0.2 s) run where the caller
runs them: the staff journey calls this on its task thread, never on the GUI thread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kiosk.staff.audit import AuditTrail
from kiosk.staff.directory import card_digest
from kiosk.staff.pins import PinHasher, lockout_until
from kiosk.staff.roles import Operator, Role
from offline_cache.staff_store import StaffStore

log = logging.getLogger(__name__)

# A hash to verify against when the staff ID is unknown: the answer takes as long.
_DUMMY_PIN = "00000000"


@dataclass(frozen=True)
class SignInResult:
    """What a sign-in attempt came to (``reason`` is a message key's last part)."""

    operator: Operator | None
    reason: str = ""  # wrong | locked | not_allowed | ok
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.operator is not None


@dataclass
class StaffSession:
    operator: Operator
    by_card: bool
    last_action: float


class StaffDesk:
    def __init__(
        self,
        store: StaffStore,
        trail: AuditTrail,
        *,
        pin_only: bool,
        idle_timeout_s: float,
        hasher: PinHasher | None = None,
        now: Callable[[], datetime] = datetime.now,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.trail = trail
        self.pin_only = pin_only
        self.idle_timeout_s = idle_timeout_s
        self.hasher = hasher or PinHasher()
        self._now = now
        self._clock = clock
        self.session: StaffSession | None = None
        self._dummy_hash: str | None = None

    @property
    def operator(self) -> Operator | None:
        return self.session.operator if self.session else None

    # Checking a PIN --------------------------------------------------------------------
    def check(self, staff_id: str, pin: str, *, card_sha256: str | None = None) -> SignInResult:
        """Staff ID (or card) + PIN, counted against the lockout; no session opened.

        Used to sign in and to confirm one action (a face override) on a citizen's screen.
        """
        now = self._now()
        account = (
            self.store.account_by_card(card_sha256) if card_sha256 else self.store.account(staff_id)
        )
        key = account.staff_id if account else (staff_id or "card")
        lock = self.store.lockout(key)
        if lock.locked_until is not None and lock.locked_until > now:
            self.trail.record(key, "unknown", "sign_in_refused", reason="locked")
            return SignInResult(None, "locked", lock.locked_until)
        if account is None:
            if self._dummy_hash is None:
                self._dummy_hash = self.hasher.hash(_DUMMY_PIN)
            self.hasher.verify(self._dummy_hash, pin)  # as slow as a known ID
            return self._failed(key, "unknown", now, by_card=card_sha256 is not None)
        if not self.hasher.verify(account.pin_hash, pin):
            return self._failed(key, account.role, now, by_card=card_sha256 is not None)
        self.store.clear_failures(key)
        return SignInResult(Operator(account.staff_id, Role(account.role)), "ok")

    def _failed(self, key: str, role: str, now: datetime, *, by_card: bool) -> SignInResult:
        lock = self.store.record_failure(key, now, lambda n: lockout_until(n, now))
        self.trail.record(
            key,
            role,
            "sign_in_failed",
            failures=lock.failures,
            card=by_card,
            locked=lock.locked_until is not None,
        )
        log.info("staff_sign_in_failed", extra={"fields": {"failures": lock.failures}})
        if lock.locked_until is not None:
            return SignInResult(None, "locked", lock.locked_until)
        return SignInResult(None, "wrong")

    # Signing in and out ----------------------------------------------------------------
    def sign_in_card(self, id_number: str, pin: str) -> SignInResult:
        """The staff member's own card, read and verified, and their PIN."""
        return self.sign_in_digest(card_digest(id_number), pin)

    def sign_in_digest(self, card_sha256: str, pin: str) -> SignInResult:
        """The same, with the card's digest (the journey keeps no ID number)."""
        return self._opened(self.check("", pin, card_sha256=card_sha256), by_card=True)

    def sign_in_pin(self, staff_id: str, pin: str) -> SignInResult:
        """Staff ID and PIN alone (only where ``centre.staff_pin_only`` allows it)."""
        if not self.pin_only:
            return SignInResult(None, "not_allowed")
        return self._opened(self.check(staff_id.strip(), pin), by_card=False)

    def _opened(self, result: SignInResult, *, by_card: bool) -> SignInResult:
        if result.operator is None:
            return result
        self.session = StaffSession(result.operator, by_card, self._clock())
        self.trail.record(
            result.operator.staff_id, result.operator.role.value, "sign_in", card=by_card
        )
        return result

    def sign_out(self, reason: str) -> Operator | None:
        """End the staff session (``reason``: signed_out, timeout, card_removed, ended)."""
        session, self.session = self.session, None
        if session is not None:
            op = session.operator
            self.trail.record(op.staff_id, op.role.value, "sign_out", reason=reason)
        return session.operator if session else None

    # The session -----------------------------------------------------------------------
    def touch(self) -> None:
        if self.session is not None:
            self.session.last_action = self._clock()

    def expired(self) -> bool:
        session = self.session
        return session is not None and self._clock() - session.last_action >= self.idle_timeout_s

    def card_removed(self) -> bool:
        """The reader's card left: True when that ended a staff session opened with it."""
        if self.session is not None and self.session.by_card:
            self.sign_out("card_removed")
            return True
        return False

    def record(self, action: str, dossier_code: str | None = None, **detail: object) -> None:
        """An action of the signed-in operator (retry, reprint, …) into the audit trail."""
        op = self.operator
        actor, role = (op.staff_id, op.role.value) if op else ("kiosk", Role.CITIZEN.value)
        self.trail.record(actor, role, action, dossier_code, **detail)  # type: ignore[arg-type]
        self.touch()


__all__ = ["SignInResult", "StaffDesk", "StaffSession"]
