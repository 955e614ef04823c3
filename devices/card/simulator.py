"""A simulated card reader with a card described by a JSON profile.

Used by the demo, the headless tour and the tests.  Inserting and removing
the card are *physical* acts: they change presence at once (from any
thread), so a test can pull the card out in the middle of a read, exactly as
a citizen can.  Reading runs on the reader's own thread like the real
adapter and reports the same named steps.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from devices.card.base import (
    AccessDeniedError,
    CardError,
    CardReadResult,
    CardRemovedError,
    ReaderState,
    ReaderStatus,
    ReadStep,
)
from devices.worker import DeviceThread
from kiosk.events import Signal
from kiosk.paths import ASSETS
from kiosk.session import CitizenIdentity

DEMO_PROFILE = ASSETS / "cards" / "demo-card.json"
READER_NAME = "Simulated CCCD reader"


@dataclass(frozen=True)
class SimulatedCard:
    """A card's content; ``fault`` makes it misbehave ('unreadable', 'access_denied')."""

    id_number: str
    full_name: str
    date_of_birth: date
    sex: str
    nationality: str
    ethnicity: str
    place_of_origin: str
    place_of_residence: str
    date_of_issue: date
    date_of_expiry: date | None
    photo: bytes
    fault: str | None = None

    def __repr__(self) -> str:
        return "SimulatedCard(<personal data>)"

    @classmethod
    def from_profile(cls, path: Path = DEMO_PROFILE) -> SimulatedCard:
        raw = json.loads(path.read_text(encoding="utf-8"))
        photo_path = (path.parent / raw["photo"]).resolve()
        expiry = raw.get("date_of_expiry")
        return cls(
            id_number=raw["id_number"],
            full_name=raw["full_name"],
            date_of_birth=date.fromisoformat(raw["date_of_birth"]),
            sex=raw.get("sex", ""),
            nationality=raw.get("nationality", "Việt Nam"),
            ethnicity=raw.get("ethnicity", ""),
            place_of_origin=raw.get("place_of_origin", ""),
            place_of_residence=raw.get("place_of_residence", ""),
            date_of_issue=date.fromisoformat(raw["date_of_issue"]),
            date_of_expiry=date.fromisoformat(expiry) if expiry else None,
            photo=photo_path.read_bytes(),
            fault=raw.get("fault"),
        )

    def identity(self) -> CitizenIdentity:
        return CitizenIdentity(
            id_number=self.id_number,
            full_name=self.full_name,
            date_of_birth=self.date_of_birth,
            sex=self.sex,
            nationality=self.nationality,
            ethnicity=self.ethnicity,
            place_of_origin=self.place_of_origin,
            place_of_residence=self.place_of_residence,
            date_of_issue=self.date_of_issue,
            date_of_expiry=self.date_of_expiry,
            photo=bytearray(self.photo),
        )


class SimulatedCardReader:
    """Implements :class:`devices.card.base.CardReader` without hardware."""

    def __init__(self, step_delay_s: float = 0.15) -> None:
        self.step_delay_s = step_delay_s
        self._thread = DeviceThread("card-reader")
        self._card: SimulatedCard | None = None
        self._lock = threading.Lock()
        self._removed = threading.Event()
        self.status_changed = Signal("status_changed")
        self.card_inserted = Signal("card_inserted")
        self.card_removed = Signal("card_removed")
        self.read_progress = Signal("read_progress")

    # Lifecycle -----------------------------------------------------------
    def start(self) -> None:
        self._thread.start()
        self._thread.call(lambda: self.status_changed.emit(self.status()))

    def stop(self) -> None:
        self._thread.stop()

    def status(self) -> ReaderStatus:
        with self._lock:
            present = self._card is not None
        return ReaderStatus(ReaderState.CARD_PRESENT if present else ReaderState.READY, READER_NAME)

    # Physical acts (any thread) -----------------------------------------
    def insert(self, card: SimulatedCard) -> None:
        with self._lock:
            self._card = card
            self._removed.clear()
        # The snapshot is taken now: by the time the reader thread announces it,
        # the card may already be gone again.
        self._thread.call(self._announce, self.card_inserted, self.status())

    def remove(self) -> None:
        with self._lock:
            had_card = self._card is not None
            self._card = None  # the card (and its data) leaves with the citizen
            self._removed.set()
        if had_card:
            self._thread.call(self._announce, self.card_removed, self.status())

    def _announce(self, signal: Signal, status: ReaderStatus) -> None:
        signal.emit(status)
        self.status_changed.emit(status)

    # Reading (on the reader thread) --------------------------------------
    def read_card(self) -> Future[CardReadResult]:
        return self._thread.call(self._read)

    def _step(self, step: ReadStep) -> None:
        self.read_progress.emit(step)
        if self._removed.wait(self.step_delay_s):
            raise CardRemovedError("card removed during read")

    def _read(self) -> CardReadResult:
        timings: dict[str, float] = {}
        with self._lock:
            card = self._card
        if card is None:
            raise CardRemovedError("no card on the reader")
        for step in ReadStep:
            started = time.perf_counter()
            self._step(step)
            if step is ReadStep.UNLOCKING and card.fault == "access_denied":
                raise AccessDeniedError("access key rejected")
            if step is ReadStep.READING_DETAILS and card.fault == "unreadable":
                raise CardError("card did not answer")
            timings[step.value] = (time.perf_counter() - started) * 1000
        return CardReadResult(card.identity(), authenticity="not_checked", timings_ms=timings)
