"""Staff PINs: stored as Argon2id hashes (``argon2-cffi``), and the lockout that grows with
each failure.

A PIN is short, so its hash alone would not stop a thief who copied the database: the
Argon2id cost (memory-hard, RFC 9106) slows each guess, and the kiosk itself locks a
staff ID after a few wrong PINs for a time that doubles with each further failure.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

PIN_PATTERN = re.compile(r"^[0-9]{4,8}$")
FREE_FAILURES = 3  # wrong PINs before the first lockout
FIRST_LOCKOUT = timedelta(seconds=30)
LONGEST_LOCKOUT = timedelta(hours=1)


class PinError(ValueError):
    """A PIN that is not 4 to 8 digits."""


def check_pin_format(pin: str) -> str:
    if not PIN_PATTERN.match(pin or ""):
        raise PinError("a PIN is 4 to 8 digits")
    return pin


class PinHasher:
    """Argon2id with RFC 9106's second recommended parameters by default (t=3, 64 MiB).

    The parameters travel inside each hash, so a hash made with other costs (a centre's
    list, a test's cheap ones) still verifies.
    """

    def __init__(self, time_cost: int = 3, memory_kib: int = 65536, parallelism: int = 4) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )

    def hash(self, pin: str) -> str:
        return self._hasher.hash(check_pin_format(pin))

    def verify(self, pin_hash: str, pin: str) -> bool:
        """True when ``pin`` matches; False for a wrong PIN or a hash that is not Argon2id."""
        if not pin_hash.startswith("$argon2id$"):
            return False  # only Argon2id is accepted (no weaker variant from a list)
        try:
            return self._hasher.verify(pin_hash, pin)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def lockout_until(failures: int, now: datetime) -> datetime | None:
    """Until when a staff ID is locked after ``failures`` wrong sign-ins in a row.

    None for the first :data:`FREE_FAILURES`; then 30 s, 1 min, 2 min … up to an hour.
    """
    if failures < FREE_FAILURES:
        return None
    doublings = min(failures - FREE_FAILURES, 16)
    return now + min(FIRST_LOCKOUT * (2**doublings), LONGEST_LOCKOUT)


__all__ = [
    "FREE_FAILURES",
    "PinError",
    "PinHasher",
    "check_pin_format",
    "lockout_until",
]
