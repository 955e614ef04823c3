"""The outbox: where a submitted dossier waits, sealed, until it reaches the centre.

:class:`Outbox` is the repository interface the core and the sync worker use;
:class:`MemoryOutbox` is the in-memory fake that one contract suite holds to
the same behaviour as the durable :class:`offline_cache.store.SqlOutbox`.
Only sealed boxes and non-personal metadata are held.

Life of an entry (ODK Collect's explicit status column, with its lessons:
lock a record once sending starts, keep *why* sending failed)::

    pending ──claim──▶ sending ──▶ sent      (content deleted)
       ▲                  │
       └──── retry ◀──────┴──▶ dead          (permanent failure; staff retry)

A claim is a lease: a worker killed while sending leaves the entry to be
claimed again once the lease has run out, and the centre recognises the
repeated idempotency key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from kiosk.base.dossier import DossierMeta
from offline_cache.numbering import Numbers, clean_numbers, merge

STATES = ("pending", "sending", "sent", "dead")


class OutboxFullError(RuntimeError):
    """New submissions are refused (the store or the disk is full); queued ones are kept.

    ``reason`` names the cause for the log and the heartbeat: ``outbox_full``,
    ``low_free_space`` or ``disk_full``.
    """

    def __init__(self, message: str, reason: str = "outbox_full") -> None:
        super().__init__(message)
        self.reason = reason


class DuplicateDossierError(ValueError):
    """A dossier with this code is already in the outbox."""


class StoreError(RuntimeError):
    """The kiosk's database cannot be used; the message is one sentence for a technician."""

    def __init__(self, message: str, path: object = None) -> None:
        super().__init__(message)
        self.path = path


class StoreDamagedError(StoreError):
    """The database file is damaged (``kiosk store check`` / ``salvage``); it is left as it is."""


class StoreUnavailableError(StoreError):
    """The database cannot be opened at all (a folder, no permission, a read-only disk)."""


def submitter_digest(key: bytes, code: str, id_number: str) -> str:
    """A keyed hash proving who submitted ``code`` (never the ID number itself).

    HMAC-SHA256 with the kiosk's own secret, over the code and the ID number, so the
    same citizen's dossiers do not share a value and nothing outside the kiosk can
    compute it.
    """
    message = f"{code.strip().upper()}\n{id_number.strip()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class QueuedDossier:
    meta: DossierMeta
    sealed: bytes


@dataclass(frozen=True)
class Claim:
    """An entry leased to one worker for one sending attempt."""

    meta: DossierMeta
    sealed: bytes
    idempotency_key: str
    attempts: int
    token: str


@dataclass(frozen=True)
class EntryStatus:
    """What staff see of one entry (no personal data)."""

    meta: DossierMeta
    state: str
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    sent_at: datetime | None


@dataclass(frozen=True)
class QueuedRating:
    key: str  # also the idempotency key at the centre
    level: str
    procedure_code: str | None
    sealed_reason: bytes | None
    rated_at: datetime


Build = Callable[[str], tuple[DossierMeta, bytes]]


class Outbox(Protocol):
    def submit(
        self,
        day: date,
        code_for: Callable[[int], str],
        build: Build,
        submitter_id: str | None = None,
    ) -> DossierMeta:
        """Number, build and queue a dossier in one transaction.

        ``code_for(n)`` makes the code from the day's next number;
        ``build(code)`` seals the content for that code.  If anything fails,
        nothing is kept (and the number is not used up).  ``submitter_id`` (the
        citizen's ID number) is kept only as a keyed hash, for :meth:`submitted_by`.
        Raises :class:`~offline_cache.numbering.NumberingUnknownError` until the
        numbering's mark is known.
        """
        ...

    def submitted_by(self, code: str, id_number: str) -> bool:
        """True when ``code`` waits here (not yet at the centre) and ``id_number`` submitted it."""
        ...

    def numbering_mark(self) -> Numbers | None:
        """The numbering's high-water mark (for the heartbeat); None while unknown."""
        ...

    def adopt_numbering(self, numbers: Mapping[str, object], origin: str = "centre") -> bool:
        """Raise the mark to ``numbers`` (the centre's answer); True when that made it known."""
        ...

    def mark_receipt(self, code: str, printed: bool, now: datetime) -> None:
        """Record whether the citizen's receipt came out of the printer."""
        ...

    def missing_receipts(self) -> list[DossierMeta]:
        """Dossiers whose receipt was never printed (killed before it, or the printer failed)."""
        ...

    def refusals(self) -> dict[str, object]:
        """Submissions refused since start-up (full disk or store): count, last time, reason."""
        ...

    def put(self, meta: DossierMeta, sealed: bytes) -> None: ...

    def next_number(self, name: str, day: date) -> int:
        """1, 2, 3, … per name and per day; never the same number twice."""
        ...

    def pending(self) -> list[QueuedDossier]: ...

    def find(self, code: str) -> DossierMeta | None: ...

    def entry(self, code: str) -> EntryStatus | None: ...

    def claim_next(self, now: datetime, lease: timedelta) -> Claim | None:
        """Lease the oldest due entry (pending and due, or sending with a lapsed lease)."""
        ...

    def mark_sent(self, claim: Claim, now: datetime, central_ref: str) -> bool: ...

    def mark_retry(self, claim: Claim, now: datetime, until: datetime, error: str) -> bool:
        """A retryable failure: counts an attempt and waits until ``until``."""
        ...

    def mark_dead(self, claim: Claim, now: datetime, error: str) -> bool: ...

    def release(self, claim: Claim, now: datetime, error: str) -> bool:
        """Give the entry back without counting an attempt (the kiosk, not it, was refused)."""
        ...

    def retry(self, code: str) -> bool:
        """Staff: make a dead or waiting entry due now.  False when there is none."""
        ...

    def wake_all(self) -> int:
        """The network is back: every waiting entry is due now."""
        ...

    def next_due(self) -> datetime | None: ...

    def dead_letters(self) -> list[EntryStatus]:
        """Refused dossiers with their reasons, oldest first (for staff)."""
        ...

    def put_rating(self, rating: QueuedRating) -> None: ...

    def pending_ratings(self, limit: int = 50) -> list[QueuedRating]:
        """Oldest first."""
        ...

    def mark_rating(self, key: str, state: str) -> None:
        """``sent``, or ``dead`` when the centre refused it for good."""
        ...

    def status(self, now: datetime) -> dict[str, object]: ...


@dataclass
class _Entry:
    meta: DossierMeta
    sealed: bytes | None
    key: str
    digest: str | None = None
    receipt: str | None = None
    state: str = "pending"
    attempts: int = 0
    next_attempt_at: datetime | None = None
    token: str | None = None
    lease_until: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    sent_at: datetime | None = None


def _due(entry: _Entry, now: datetime) -> bool:
    if entry.state == "pending":
        return entry.next_attempt_at is None or entry.next_attempt_at <= now
    return entry.state == "sending" and entry.lease_until is not None and entry.lease_until <= now


class MemoryOutbox:
    """Thread-safe in-memory outbox (tests and tools; nothing survives a restart)."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._items: dict[str, _Entry] = {}
        self._numbers: dict[tuple[str, date], int] = {}
        self._ratings: dict[str, tuple[QueuedRating, str]] = {}
        self._key = secrets.token_bytes(32)
        self._refusals = 0
        self._last_refusal: tuple[str, str] | None = None
        self.capacity = capacity
        self._lock = threading.RLock()

    def submit(
        self,
        day: date,
        code_for: Callable[[int], str],
        build: Build,
        submitter_id: str | None = None,
    ) -> DossierMeta:
        with self._lock:
            number = self._numbers.get(("dossier", day), 0) + 1
            meta, sealed = build(code_for(number))
            self.put(meta, sealed)
            if submitter_id:
                self._items[meta.code].digest = submitter_digest(self._key, meta.code, submitter_id)
            self._numbers[("dossier", day)] = number
            return meta

    def submitted_by(self, code: str, id_number: str) -> bool:
        with self._lock:
            e = self._items.get(code.strip().upper())
            if e is None or e.digest is None or e.state == "sent":
                return False
            return hmac.compare_digest(e.digest, submitter_digest(self._key, code, id_number))

    def numbering_mark(self) -> Numbers | None:
        with self._lock:
            numbers: Numbers = {}
            for (name, day), value in self._numbers.items():
                numbers.setdefault(name, {})[day.isoformat()] = value
            return merge(numbers)

    def adopt_numbering(self, numbers: Mapping[str, object], origin: str = "centre") -> bool:
        with self._lock:
            for name, days in clean_numbers(numbers).items():
                for day, value in days.items():
                    key = (name, date.fromisoformat(day))
                    self._numbers[key] = max(self._numbers.get(key, 0), value)
            return False  # always known: nothing survives a restart to be lost

    def mark_receipt(self, code: str, printed: bool, now: datetime) -> None:
        with self._lock:
            e = self._items.get(code.strip().upper())
            if e is not None:
                e.receipt = "printed" if printed else "failed"

    def missing_receipts(self) -> list[DossierMeta]:
        with self._lock:
            return [e.meta for e in self._ordered() if e.receipt != "printed"]

    def refusals(self) -> dict[str, object]:
        with self._lock:
            last_at, reason = self._last_refusal or (None, None)
            return {"count": self._refusals, "last_at": last_at, "reason": reason}

    def put(self, meta: DossierMeta, sealed: bytes) -> None:
        with self._lock:
            unsent = sum(1 for e in self._items.values() if e.state != "sent")
            if unsent >= self.capacity:
                self._refusals += 1
                self._last_refusal = (datetime.now().isoformat(timespec="seconds"), "outbox_full")
                raise OutboxFullError("outbox is full")
            if meta.code in self._items:
                raise DuplicateDossierError(f"dossier {meta.code} is already queued")
            self._items[meta.code] = _Entry(meta, sealed, secrets.token_hex(16))

    def next_number(self, name: str, day: date) -> int:
        with self._lock:
            value = self._numbers.get((name, day), 0) + 1
            self._numbers[(name, day)] = value
            return value

    def pending(self) -> list[QueuedDossier]:
        with self._lock:
            return [
                QueuedDossier(e.meta, e.sealed or b"")
                for e in self._ordered()
                if e.state == "pending"
            ]

    def _ordered(self) -> list[_Entry]:
        return sorted(self._items.values(), key=lambda e: (e.meta.received_at, e.meta.code))

    def find(self, code: str) -> DossierMeta | None:
        with self._lock:
            item = self._items.get(code.strip().upper())
            return item.meta if item else None

    def entry(self, code: str) -> EntryStatus | None:
        with self._lock:
            e = self._items.get(code.strip().upper())
            if e is None:
                return None
            return EntryStatus(
                e.meta, e.state, e.attempts, e.last_error, e.next_attempt_at, e.sent_at
            )

    def claim_next(self, now: datetime, lease: timedelta) -> Claim | None:
        with self._lock:
            for e in self._ordered():
                if _due(e, now):
                    e.state, e.token, e.lease_until = "sending", secrets.token_hex(8), now + lease
                    return Claim(e.meta, e.sealed or b"", e.key, e.attempts, e.token)
            return None

    def _held(self, claim: Claim) -> _Entry | None:
        e = self._items.get(claim.meta.code)
        return e if e and e.state == "sending" and e.token == claim.token else None

    def mark_sent(self, claim: Claim, now: datetime, central_ref: str) -> bool:
        with self._lock:
            e = self._held(claim)
            if e is None:
                return False
            e.state, e.sealed, e.sent_at, e.token, e.lease_until = "sent", None, now, None, None
            e.digest = None  # the centre answers look-ups now
            e.attempts += 1
            return True

    def mark_retry(self, claim: Claim, now: datetime, until: datetime, error: str) -> bool:
        with self._lock:
            e = self._held(claim)
            if e is None:
                return False
            e.state, e.token, e.lease_until = "pending", None, None
            e.attempts += 1
            e.next_attempt_at, e.last_error, e.last_error_at = until, error, now
            return True

    def mark_dead(self, claim: Claim, now: datetime, error: str) -> bool:
        with self._lock:
            e = self._held(claim)
            if e is None:
                return False
            e.state, e.token, e.lease_until = "dead", None, None
            e.attempts += 1
            e.last_error, e.last_error_at = error, now
            return True

    def release(self, claim: Claim, now: datetime, error: str) -> bool:
        with self._lock:
            e = self._held(claim)
            if e is None:
                return False
            e.state, e.token, e.lease_until = "pending", None, None
            e.last_error, e.last_error_at = error, now
            return True

    def retry(self, code: str) -> bool:
        with self._lock:
            e = self._items.get(code.strip().upper())
            if e is None or e.state not in ("dead", "pending"):
                return False
            e.state, e.next_attempt_at = "pending", None
            return True

    def wake_all(self) -> int:
        with self._lock:
            waiting = [
                e for e in self._items.values() if e.state == "pending" and e.next_attempt_at
            ]
            for e in waiting:
                e.next_attempt_at = None
            return len(waiting)

    def next_due(self) -> datetime | None:
        with self._lock:
            items = self._items.values()
            times = [e.next_attempt_at or datetime.min for e in items if e.state == "pending"]
            times += [e.lease_until for e in items if e.state == "sending" and e.lease_until]
            return min(times) if times else None

    def put_rating(self, rating: QueuedRating) -> None:
        with self._lock:
            self._ratings.setdefault(rating.key, (rating, "pending"))

    def pending_ratings(self, limit: int = 50) -> list[QueuedRating]:
        with self._lock:
            waiting = [r for r, state in self._ratings.values() if state == "pending"]
            return sorted(waiting, key=lambda r: r.rated_at)[:limit]

    def mark_rating(self, key: str, state: str) -> None:
        with self._lock:
            if key in self._ratings:
                self._ratings[key] = (self._ratings[key][0], state)

    def dead_letters(self) -> list[EntryStatus]:
        with self._lock:
            return [
                EntryStatus(e.meta, e.state, e.attempts, e.last_error, None, None)
                for e in self._ordered()
                if e.state == "dead"
            ]

    def status(self, now: datetime) -> dict[str, object]:
        with self._lock:
            counts: dict[str, int] = {}
            for e in self._items.values():
                counts[e.state] = counts.get(e.state, 0) + 1
            waiting = [e.meta.received_at for e in self._items.values() if e.state == "pending"]
            errors = [e for e in self._items.values() if e.last_error and e.last_error_at]
            last = max(errors, key=lambda e: e.last_error_at or now) if errors else None
            oldest = min(waiting) if waiting else None
            return {
                "counts": counts,
                "oldest_pending_age_s": (now - oldest).total_seconds() if oldest else None,
                "last_error": last.last_error if last else None,
            }
