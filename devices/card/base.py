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
from devices.card.errors import (
    AccessDeniedError,
    CardError,
    CardLinkError,
    CardRemovedError,
    CardTimeoutError,
    NotGenuineError,
    NotIdCardError,
)
from kiosk.base.events import Signal
from kiosk.base.identity import CitizenIdentity

# The errors and the access key are part of the reader interface: importable from here.
__all__ = [
    "AccessDeniedError",
    "AccessKey",
    "CardDeadlines",
    "CardError",
    "CardLinkError",
    "CardReadResult",
    "CardReader",
    "CardRemovedError",
    "CardTimeoutError",
    "NotGenuineError",
    "NotIdCardError",
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
    # A call to the card or reader passed its deadline and was abandoned; it has not
    # returned yet (a silent chip still on the reader, a hung driver).  Cards placed
    # meanwhile are still announced; the state clears when the call comes back.
    NOT_RESPONDING = "not_responding"


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


@dataclass(frozen=True)
class CardDeadlines:
    """How long a chip may take: each command (APDU) and the whole read, in seconds.

    Far above what any working chip needs (a command takes milliseconds, a whole
    read about a second): a deadline that passes means a silent chip or a hung
    reader, never a slow one.
    """

    apdu_s: float = 5.0
    read_s: float = 30.0


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
    # What the chip turned out to be (from DG1): "ID" + "VNM" for the CCCD, "P" for a
    # passport…  ``citizen_data``: DG13, the Vietnamese personal data, was read; without
    # it ``identity`` holds only what DG1 says, and the kiosk's services cannot be used.
    document_code: str = ""
    issuing_state: str = ""
    citizen_data: bool = True
    # Passive authentication verified: the CSCA and the master list that vouched for it.
    vouched_by: str = ""


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
