"""A simulated card reader with a card described by a JSON profile.

Used by the demo, the headless tour and the tests.  Inserting and removing
the card are *physical* acts: they change presence at once (from any
thread), so a test can pull the card out in the middle of a read, exactly as
a citizen can.  Reading runs on the reader's own thread like the real
adapter, through the real protocol stack, against the project's emulator,
with the real adapter's deadlines: each APDU goes through a ``card-io``
thread (:mod:`devices.card.deadline`), a silent chip holds that thread until
the card is taken off, and the reader shows NOT_RESPONDING meanwhile.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cryptography import x509

from devices.card.access import AccessKey
from devices.card.base import (
    CardDeadlines,
    CardReadResult,
    CardRemovedError,
    ReaderSignals,
    ReaderState,
    ReaderStatus,
)
from devices.card.chipread import read_identity
from devices.card.deadline import CardIo, IoTransport
from devices.card.emulator.builder import ChipContent, build_chip, build_passport
from devices.card.emulator.chip import ChipSilentError, EmulatedChip
from devices.card.emulator.pki import TestPki, create_test_pki
from devices.worker import DeviceThread
from kiosk.base.events import Signal
from kiosk.base.identity import CitizenIdentity
from kiosk.base.paths import ASSETS

DEMO_PROFILE = ASSETS / "cards" / "demo-card.json"
READER_NAME = "Simulated CCCD reader"


@dataclass(frozen=True)
class SimulatedCard:
    """A card's content, as its profile describes it."""

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
    fault: str | None = None  # 'unreadable': the chip stays mute; 'silent': see below
    can: str = ""
    # 'altered', 'untrusted', 'clone', 'altered_certificate', 'no_sod' (emulator.builder)
    tamper: str | None = None
    silent_after: int = 1  # fault 'silent': answers this many commands, then nothing
    # 'cccd', or 'passport': an ordinary ICAO TD3 passport (no DG13) of another state
    document: str = "cccd"

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
            can=raw.get("can", ""),
            tamper=raw.get("tamper"),
            silent_after=int(raw.get("silent_after", 1)),
            document=raw.get("document", "cccd"),
        )

    def qr_text(self) -> str:
        """What the QR code on this card's front says (no expiry date: see devices.card.qr)."""
        return "|".join(
            [
                self.id_number,
                "",
                self.full_name,
                f"{self.date_of_birth:%d%m%Y}",
                self.sex,
                self.place_of_residence,
                f"{self.date_of_issue:%d%m%Y}",
            ]
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


class _ChipOnReader:
    """The in-process transport: APDUs go straight to the emulated chip.

    Presence is checked before every APDU, so pulling the card out mid-read
    fails the read exactly where a real reader would.  A silent chip holds the
    call until the card is taken off, as pcscd does.
    """

    def __init__(self, chip: EmulatedChip, removed: threading.Event, delay_s: float) -> None:
        self.chip = chip
        self.removed = removed
        self.delay_s = delay_s

    def transmit(self, apdu: bytes) -> bytes:
        if self.removed.is_set() or (self.delay_s and self.removed.wait(self.delay_s)):
            raise CardRemovedError("card removed during read")
        try:
            return self.chip.transmit(apdu)
        except ChipSilentError:
            self.removed.wait()  # no answer, ever: only taking the card off ends the call
            raise CardRemovedError("card removed during read") from None


class SimulatedCardReader(ReaderSignals):
    """Implements :class:`devices.card.base.CardReader` with the project's chip emulator.

    The card's files are built from its profile and signed by ``pki`` when it
    is placed on the reader; reading runs the real protocol (BAC, secure
    messaging, passive authentication) over an in-process transport.
    """

    def __init__(
        self,
        pki: TestPki | None = None,
        trust_store: list[x509.Certificate] | None = None,
        apdu_delay_s: float = 0.0,
        deadlines: CardDeadlines | None = None,
    ) -> None:
        super().__init__()
        self.pki = pki or create_test_pki("Simulator")
        self.trust_store = [self.pki.csca] if trust_store is None else trust_store
        self.apdu_delay_s = apdu_delay_s
        self.deadlines = deadlines or CardDeadlines()
        self._thread = DeviceThread("card-reader")
        self._chip: EmulatedChip | None = None
        self._lock = threading.Lock()
        self._removed = threading.Event()  # a new one for each card placed
        self._io: CardIo | None = None  # the card-io thread of the next read
        self._stuck = False  # an abandoned call has not come back yet

    # Lifecycle -----------------------------------------------------------
    def start(self) -> None:
        self._thread.start()
        self._thread.call(lambda: self.status_changed.emit(self.status()))

    def stop(self) -> None:
        if self._io is not None:
            self._io.stop()
            self._io = None
        self._thread.stop()

    def status(self) -> ReaderStatus:
        with self._lock:
            present, stuck = self._chip is not None, self._stuck
        if stuck:
            return ReaderStatus(ReaderState.NOT_RESPONDING, READER_NAME)
        return ReaderStatus(ReaderState.CARD_PRESENT if present else ReaderState.READY, READER_NAME)

    @property
    def chip(self) -> EmulatedChip | None:
        """The chip on the reader (tests switch on its faults)."""
        return self._chip

    # Physical acts (any thread) -----------------------------------------
    def insert(self, card: SimulatedCard) -> None:
        chip = EmulatedChip(card_content(card, self.pki))
        if card.fault == "unreadable":
            chip.mute = True
        if card.fault == "silent":
            chip.silent_after = card.silent_after
        with self._lock:
            self._chip = chip
            self._removed = threading.Event()
        # The snapshot is taken now: by the time the reader thread announces it,
        # the card may already be gone again.
        self._thread.call(self._announce, self.card_inserted, self.status())

    def remove(self) -> None:
        with self._lock:
            had_card = self._chip is not None
            self._chip = None  # the card (and its data) leaves with the citizen
            self._removed.set()
        if had_card:
            self._thread.call(self._announce, self.card_removed, self.status())

    def _announce(self, signal: Signal, status: ReaderStatus) -> None:
        signal.emit(status)
        self.status_changed.emit(status)

    # Reading (on the reader thread) --------------------------------------
    def read_card(self, key: AccessKey) -> Future[CardReadResult]:
        return self._thread.call(self._read, key)

    def _read(self, key: AccessKey) -> CardReadResult:
        with self._lock:
            chip, removed = self._chip, self._removed
        if chip is None:
            raise CardRemovedError("no card on the reader")
        io = self._io = self._io or CardIo(self.deadlines)
        io.begin_read()
        try:
            io.call(chip.reset)  # a fresh connection powers the chip up again
            transport = IoTransport(io, _ChipOnReader(chip, removed, self.apdu_delay_s))
            return read_identity(transport, key, self.trust_store, self.read_progress.emit)
        finally:
            io.end_read()
            if io.abandoned:
                self._abandon(io)

    def _abandon(self, io: CardIo) -> None:
        """As the PC/SC adapter: the blocked call is left; the next read gets a new thread."""
        self._io = None
        with self._lock:
            self._stuck = True
        io.abandon(self._recovered)
        self.status_changed.emit(self.status())

    def _recovered(self) -> None:
        # On the abandoned card-io thread, once its call came back (the card taken off).
        with self._lock:
            self._stuck = False
        self._thread.call(lambda: self.status_changed.emit(self.status()))


def card_content(card: SimulatedCard, pki: TestPki) -> ChipContent:
    """The chip a card profile describes, signed by ``pki``: a CCCD or a passport."""
    if card.document == "passport":
        return build_passport(card.identity(), pki, tamper=card.tamper)
    return build_chip(card.identity(), pki, can=card.can, tamper=card.tamper)
