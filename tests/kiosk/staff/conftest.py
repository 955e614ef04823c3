"""Shared pieces for the staff tests: a real SQLite database at the head migration, cheap
Argon2id costs (the parameters travel in each hash), the kiosk's signing key."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.staff.pins import PinHasher
from offline_cache.staff_store import StaffStore

KIOSK = "79001-K01"


class Clock:
    """Wall time the test moves by hand."""

    def __init__(self) -> None:
        self.at = datetime(2026, 12, 4, 9, 0)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def store(tmp_path: Path) -> StaffStore:
    return StaffStore.open(tmp_path / "kiosk.db")


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def hasher() -> PinHasher:
    return PinHasher(time_cost=1, memory_kib=1024, parallelism=1)


@pytest.fixture
def wall() -> Clock:
    return Clock()
