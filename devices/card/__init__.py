"""Chip ID card readers."""

from devices.card.base import (
    CardError,
    CardReader,
    CardReadResult,
    CardRemovedError,
    ReaderState,
    ReaderStatus,
    ReadStep,
)

__all__ = [
    "CardError",
    "CardReadResult",
    "CardReader",
    "CardRemovedError",
    "ReadStep",
    "ReaderState",
    "ReaderStatus",
]
