"""The card reader interface.

Signals carry value snapshots (``ReaderStatus``), never live objects, and
fire on the reader's own thread.  ``read_card`` returns a future at once; the
reading itself runs on the reader thread.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from devices.card.access import AccessKey
from devices.card.errors import AccessDeniedError, CardError, CardRemovedError, NotGenuineError
from kiosk.base.events import Signal
from kiosk.base.identity import CitizenIdentity

# The errors and the access key are part of the reader interface: importable from here.
__all__ = [
    "AccessDeniedError",
    "AccessKey",
    "CardError",
    "CardReadResult",
    "CardReader",
    "CardRemovedError",
    "NotGenuineError",
    "ReadStep",
    "ReaderSignals",
    "ReaderState",
    "ReaderStatus",
]


class ReaderState(StrEnum):
    READY = "ready"  # a reader is there, no card
    CARD_PRESENT = "card_present"
    NO_READER = "no_reader"
    NO_SERVICE = "no_service"  # the PC/SC daemon is not running


@dataclass(frozen=True)
class ReaderStatus:
    state: ReaderState
    reader_name: str = ""


class ReadStep(StrEnum):
    """Named steps shown to the citizen while the card is read."""

    CONNECTING = "connecting"
    UNLOCKING = "unlocking"
    READING_DETAILS = "reading_details"
    READING_PHOTO = "reading_photo"
    CHECKING = "checking"


@dataclass
class CardReadResult:
    identity: CitizenIdentity
    authenticity: str = "not_checked"  # verified | signer_not_trusted | data_altered | not_checked
    timings_ms: dict[str, float] = field(default_factory=dict)
    detail: str = ""  # for technicians: which check said what (never personal data)
    apdus: int = 0
    bytes_in: int = 0
    access_control: str = ""  # BAC or PACE
    active_authentication: str = "not_checked"  # verified | failed (a clone) | not_checked
    chip_authentication: str = "not_checked"  # likewise, from DG14


class ReaderSignals:
    """The four signals every reader adapter fires, all from its own thread."""

    def __init__(self) -> None:
        self.status_changed = Signal("status_changed")  # (ReaderStatus)
        self.card_inserted = Signal("card_inserted")  # (ReaderStatus)
        self.card_removed = Signal("card_removed")  # (ReaderStatus)
        self.read_progress = Signal("read_progress")  # (ReadStep)


class CardReader(Protocol):
    status_changed: Signal  # (ReaderStatus)
    card_inserted: Signal  # (ReaderStatus)
    card_removed: Signal  # (ReaderStatus)
    read_progress: Signal  # (ReadStep)

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def status(self) -> ReaderStatus: ...

    def read_card(self, key: AccessKey) -> Future[CardReadResult]: ...
