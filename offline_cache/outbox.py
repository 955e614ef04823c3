"""The outbox: where a submitted dossier waits, sealed, until it reaches the centre.

:class:`Outbox` is the interface; :class:`MemoryOutbox` is the in-memory
fake the contract tests hold the durable :class:`offline_cache.store.SqlOutbox`
to.  Only sealed boxes and non-personal metadata are held.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Protocol

from kiosk.dossier import DossierMeta


class OutboxFullError(RuntimeError):
    """New submissions are refused (the store is full); queued ones are kept."""


@dataclass(frozen=True)
class QueuedDossier:
    meta: DossierMeta
    sealed: bytes


class Outbox(Protocol):
    def put(self, meta: DossierMeta, sealed: bytes) -> None: ...

    def pending(self) -> list[QueuedDossier]: ...

    def find(self, code: str) -> DossierMeta | None: ...


class MemoryOutbox:
    """Thread-safe in-memory outbox (demo and tests)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._items: dict[str, QueuedDossier] = {}
        self._capacity = capacity
        self._lock = threading.Lock()

    def put(self, meta: DossierMeta, sealed: bytes) -> None:
        with self._lock:
            if len(self._items) >= self._capacity:
                raise OutboxFullError("outbox is full")
            if meta.code in self._items:
                raise ValueError(f"dossier {meta.code} is already queued")
            self._items[meta.code] = QueuedDossier(meta, sealed)

    def pending(self) -> list[QueuedDossier]:
        with self._lock:
            return sorted(self._items.values(), key=lambda q: q.meta.received_at)

    def find(self, code: str) -> DossierMeta | None:
        with self._lock:
            item = self._items.get(code.strip().upper())
            return item.meta if item else None
