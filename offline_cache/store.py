"""The durable outbox: SQLite through SQLAlchemy 2.0, migrated by Alembic.

The database itself (its settings for a kiosk that may lose power at any moment,
migrations, the check at opening, what a damaged file becomes) is in
:mod:`offline_cache.database`.  Beside the database: ``numbering.json``, the
numbering's high-water mark (:mod:`offline_cache.numbering`), and ``lookup-key``,
the kiosk's own key for the hash that proves who submitted a queued dossier.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import logging
import secrets
import shutil
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, delete, func, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.base.dossier import DossierMeta
from offline_cache.counters import adopt_numbers, settle_numbering, take_number
from offline_cache.database import make_engine, migrate, open_checked, store_error
from offline_cache.models import ContentRow, DossierRow, OutboxRow, RatingRow
from offline_cache.numbering import MARK_FILE, NumberingMark, Numbers
from offline_cache.outbox import (
    Build,
    Claim,
    DuplicateDossierError,
    EntryStatus,
    OutboxFullError,
    QueuedDossier,
    QueuedRating,
    submitter_digest,
)

log = logging.getLogger(__name__)


def _meta(row: DossierRow) -> DossierMeta:
    return DossierMeta(row.code, row.procedure_code, row.received_at, row.appointment)


def _is_full(exc: OperationalError) -> bool:
    # SQLITE_FULL ("database or disk is full"); PostgreSQL: "No space left on device".
    message = str(exc).lower()
    return "full" in message or "no space" in message


class SqlOutbox:
    """Implements :class:`offline_cache.outbox.Outbox` durably.

    Thread- and process-safe: each call is one short unit of work in its own
    session; claims are conditional updates, so two workers (the kiosk and a
    technician's ``kiosk sync run``) never lease the same entry.
    """

    def __init__(
        self,
        engine: Engine,
        capacity: int = 100_000,
        min_free_bytes: int = 0,
        free_space_path: Path | None = None,
        *,
        mark: NumberingMark | None = None,
        lookup_key: bytes | None = None,
        path: Path | None = None,
    ) -> None:
        self.engine = engine
        self.capacity = capacity
        self.min_free_bytes = min_free_bytes
        self.path = path or Path(engine.url.database or "kiosk.db")
        self._free_space_path = free_space_path
        # Without a mark (a bare engine: tests, tools) numbers come from the database alone.
        self._mark = mark
        self._lookup_key = lookup_key or secrets.token_bytes(32)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._lock = threading.Lock()
        self._refusals = 0
        self._last_refusal: tuple[str, str] | None = None  # (time, reason)

    @classmethod
    def open(cls, path: Path, min_free_bytes: int = 0, *, enrol: bool = False) -> SqlOutbox:
        """Open (create, migrate, check) the database at ``path``.

        ``enrol``: a kiosk with no numbering mark beside its database states that it
        has numbered nothing but what its database holds (demo mode, a new kiosk set up
        offline).  Otherwise the mark stays unknown, and dossiers unnumbered, until the
        centre answers a heartbeat (:meth:`adopt_numbering`).
        Raises :class:`StoreDamagedError` or :class:`StoreUnavailableError`.
        """
        engine, lookup_key = open_checked(path)
        folder = path.parent
        store = cls(
            engine,
            min_free_bytes=min_free_bytes,
            free_space_path=folder,
            mark=NumberingMark(folder / MARK_FILE),
            lookup_key=lookup_key,
            path=path,
        )
        store._settle_numbering(enrol)
        return store

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A read; a damaged database becomes :class:`StoreDamagedError`."""
        try:
            with self._sessions() as session:
                yield session
        except (DBAPIError, sqlite3.Error) as exc:
            found = store_error(self.path, exc)
            if found is None:
                raise
            raise found from exc

    @contextmanager
    def _unit(self) -> Iterator[Session]:
        """One write transaction; a full disk becomes :class:`OutboxFullError`."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except (DBAPIError, sqlite3.Error) as exc:
                session.rollback()
                if isinstance(exc, OperationalError) and _is_full(exc):
                    raise OutboxFullError("the disk is full", "disk_full") from exc
                found = store_error(self.path, exc)
                if found is None:
                    raise
                raise found from exc
            except OSError as exc:  # the numbering mark could not be written
                session.rollback()
                if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                    raise OutboxFullError("the disk is full", "disk_full") from exc
                raise
            except BaseException:
                session.rollback()
                raise

    # Numbering ---------------------------------------------------------------------
    def _settle_numbering(self, enrol: bool) -> None:
        assert self._mark is not None
        with self._lock, self._unit() as session:
            settle_numbering(session, self._mark, enrol)

    def numbering_mark(self) -> Numbers | None:
        return self._mark.read() if self._mark is not None else None

    def adopt_numbering(self, numbers: Mapping[str, object], origin: str = "centre") -> bool:
        """Raise the mark to the centre's numbers; True when the mark was unknown until now."""
        if self._mark is None:
            return False
        with self._lock, self._unit() as session:
            return adopt_numbers(session, self._mark, numbers, origin)

    # Submitting ----------------------------------------------------------------
    def _refused(self, error: OutboxFullError) -> None:
        free_mb = None
        if self._free_space_path is not None:
            try:
                free_mb = shutil.disk_usage(self._free_space_path).free // 1_000_000
            except OSError:
                pass
        self._refusals += 1
        self._last_refusal = (datetime.now().isoformat(timespec="seconds"), error.reason)
        log.warning(
            "submission_refused", extra={"fields": {"reason": error.reason, "free_mb": free_mb}}
        )

    def refusals(self) -> dict[str, object]:
        last_at, reason = self._last_refusal or (None, None)
        return {"count": self._refusals, "last_at": last_at, "reason": reason}

    def _check_room(self, session: Session) -> None:
        if self._free_space_path is not None and self.min_free_bytes:
            free = shutil.disk_usage(self._free_space_path).free
            if free < self.min_free_bytes:
                raise OutboxFullError(
                    f"only {free // 1_000_000} MB free on the disk", "low_free_space"
                )
        unsent = session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.state != "sent")
        )
        if (unsent or 0) >= self.capacity:
            raise OutboxFullError("outbox is full", "outbox_full")

    def _insert(
        self, session: Session, meta: DossierMeta, sealed: bytes, digest: str | None = None
    ) -> None:
        if session.get(DossierRow, meta.code) is not None:
            raise DuplicateDossierError(f"dossier {meta.code} is already queued")
        session.add(
            DossierRow(
                code=meta.code,
                procedure_code=meta.procedure_code,
                received_at=meta.received_at,
                appointment=meta.appointment,
                submitter_digest=digest,
            )
        )
        session.flush()  # the parent row first: the others refer to it
        digest = hashlib.sha256(sealed).hexdigest()
        session.add(ContentRow(code=meta.code, sealed=sealed, sealed_sha256=digest))
        session.add(
            OutboxRow(
                code=meta.code,
                state="pending",
                attempts=0,
                idempotency_key=secrets.token_hex(16),
            )
        )
        try:
            session.flush()
        except IntegrityError:
            raise DuplicateDossierError(f"dossier {meta.code} is already queued") from None

    def submit(
        self,
        day: date,
        code_for: Callable[[int], str],
        build: Build,
        submitter_id: str | None = None,
    ) -> DossierMeta:
        """Number, seal and queue in one transaction (see the Outbox protocol)."""
        try:
            with self._lock, self._unit() as session:
                self._check_room(session)
                number, reserve = take_number(session, self._mark, "dossier", day, required=True)
                meta, sealed = build(code_for(number))
                digest = (
                    submitter_digest(self._lookup_key, meta.code, submitter_id)
                    if submitter_id
                    else None
                )
                self._insert(session, meta, sealed, digest)
                reserve()  # the mark on disk, then the commit
                return meta
        except OutboxFullError as exc:
            self._refused(exc)
            raise

    def put(self, meta: DossierMeta, sealed: bytes) -> None:
        try:
            with self._lock, self._unit() as session:
                self._check_room(session)
                self._insert(session, meta, sealed)
        except OutboxFullError as exc:
            self._refused(exc)
            raise

    def next_number(self, name: str, day: date) -> int:
        """Queue tickets: from the mark when it is known, from the database otherwise."""
        with self._lock, self._unit() as session:
            number, reserve = take_number(session, self._mark, name, day, required=False)
            reserve()
            return number

    def submitted_by(self, code: str, id_number: str) -> bool:
        with self._read() as session:
            found = session.execute(
                select(DossierRow.submitter_digest, OutboxRow.state)
                .join(OutboxRow, OutboxRow.code == DossierRow.code)
                .where(DossierRow.code == code.strip().upper())
            ).first()
        if found is None or found[0] is None or found[1] == "sent":
            return False
        expected = submitter_digest(self._lookup_key, code, id_number)
        return hmac.compare_digest(found[0], expected)

    def mark_receipt(self, code: str, printed: bool, now: datetime) -> None:
        with self._unit() as session:
            session.execute(
                update(DossierRow)
                .where(DossierRow.code == code.strip().upper())
                .values(receipt="printed" if printed else "failed", receipt_at=now)
                .execution_options(synchronize_session=False)
            )

    def missing_receipts(self) -> list[DossierMeta]:
        with self._read() as session:
            rows = session.scalars(
                select(DossierRow)
                .where(or_(DossierRow.receipt.is_(None), DossierRow.receipt == "failed"))
                .order_by(DossierRow.received_at, DossierRow.code)
            ).all()
            return [_meta(row) for row in rows]

    # Reading ---------------------------------------------------------------------
    def pending(self) -> list[QueuedDossier]:
        with self._read() as session:
            rows = session.execute(
                select(DossierRow, ContentRow.sealed)
                .join(OutboxRow, OutboxRow.code == DossierRow.code)
                .join(ContentRow, ContentRow.code == DossierRow.code)
                .where(OutboxRow.state == "pending")
                .order_by(DossierRow.received_at, DossierRow.code)
            ).all()
            return [QueuedDossier(_meta(row), sealed) for row, sealed in rows]

    def find(self, code: str) -> DossierMeta | None:
        with self._read() as session:
            row = session.get(DossierRow, code.strip().upper())
            return _meta(row) if row else None

    def entry(self, code: str) -> EntryStatus | None:
        with self._read() as session:
            found = session.execute(
                select(DossierRow, OutboxRow)
                .join(OutboxRow, OutboxRow.code == DossierRow.code)
                .where(DossierRow.code == code.strip().upper())
            ).first()
            if found is None:
                return None
            row, out = found
            return EntryStatus(
                _meta(row),
                out.state,
                out.attempts,
                out.last_error,
                out.next_attempt_at,
                out.sent_at,
            )

    # Sending ---------------------------------------------------------------------
    @staticmethod
    def _due(now: datetime) -> Any:
        return or_(
            and_(
                OutboxRow.state == "pending",
                or_(OutboxRow.next_attempt_at.is_(None), OutboxRow.next_attempt_at <= now),
            ),
            and_(OutboxRow.state == "sending", OutboxRow.lease_until <= now),
        )

    def claim_next(self, now: datetime, lease: timedelta) -> Claim | None:
        token = secrets.token_hex(8)
        for _ in range(20):  # another worker may win the race for a candidate
            with self._unit() as session:
                code = session.scalar(
                    select(OutboxRow.code)
                    .join(DossierRow, DossierRow.code == OutboxRow.code)
                    .where(self._due(now))
                    .order_by(DossierRow.received_at, DossierRow.code)
                    .limit(1)
                )
                if code is None:
                    return None
                taken = session.execute(
                    update(OutboxRow)
                    .where(OutboxRow.code == code, self._due(now))
                    .values(state="sending", lease_token=token, lease_until=now + lease)
                    .execution_options(synchronize_session=False)
                )
                if taken.rowcount != 1:  # type: ignore[attr-defined]
                    continue
                row = session.get(DossierRow, code)
                out = session.get(OutboxRow, code)
                sealed = session.scalar(select(ContentRow.sealed).where(ContentRow.code == code))
                assert row is not None and out is not None
                return Claim(_meta(row), sealed or b"", out.idempotency_key, out.attempts, token)
        return None

    def _finish(self, claim: Claim, **values: Any) -> bool:
        with self._unit() as session:
            done = session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.code == claim.meta.code,
                    OutboxRow.state == "sending",
                    OutboxRow.lease_token == claim.token,
                )
                .values(lease_token=None, lease_until=None, **values)
                .execution_options(synchronize_session=False)
            )
            held = done.rowcount == 1  # type: ignore[attr-defined]
            if held and values.get("state") == "sent":
                # The centre holds the dossier: the kiosk keeps no copy of its content, and
                # the centre, not the kiosk, answers look-ups (the submitter's hash goes).
                session.execute(delete(ContentRow).where(ContentRow.code == claim.meta.code))
                session.execute(
                    update(DossierRow)
                    .where(DossierRow.code == claim.meta.code)
                    .values(submitter_digest=None)
                    .execution_options(synchronize_session=False)
                )
            return held

    def mark_sent(self, claim: Claim, now: datetime, central_ref: str) -> bool:
        return self._finish(
            claim,
            state="sent",
            sent_at=now,
            central_ref=central_ref[:64],
            attempts=OutboxRow.attempts + 1,
        )

    def mark_retry(self, claim: Claim, now: datetime, until: datetime, error: str) -> bool:
        return self._finish(
            claim,
            state="pending",
            next_attempt_at=until,
            last_error=error,
            last_error_at=now,
            attempts=OutboxRow.attempts + 1,
        )

    def mark_dead(self, claim: Claim, now: datetime, error: str) -> bool:
        return self._finish(
            claim,
            state="dead",
            last_error=error,
            last_error_at=now,
            attempts=OutboxRow.attempts + 1,
        )

    def release(self, claim: Claim, now: datetime, error: str) -> bool:
        return self._finish(claim, state="pending", last_error=error, last_error_at=now)

    def retry(self, code: str) -> bool:
        with self._unit() as session:
            done = session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.code == code.strip().upper(),
                    OutboxRow.state.in_(("dead", "pending")),
                )
                .values(state="pending", next_attempt_at=None)
                .execution_options(synchronize_session=False)
            )
            return done.rowcount == 1  # type: ignore[attr-defined]

    def wake_all(self) -> int:
        with self._unit() as session:
            done = session.execute(
                update(OutboxRow)
                .where(OutboxRow.state == "pending", OutboxRow.next_attempt_at.is_not(None))
                .values(next_attempt_at=None)
                .execution_options(synchronize_session=False)
            )
            return int(done.rowcount)  # type: ignore[attr-defined]

    def next_due(self) -> datetime | None:
        with self._read() as session:
            if session.scalar(
                select(func.count())
                .select_from(OutboxRow)
                .where(OutboxRow.state == "pending", OutboxRow.next_attempt_at.is_(None))
            ):
                return datetime.min
            return session.scalar(
                select(
                    func.min(func.coalesce(OutboxRow.next_attempt_at, OutboxRow.lease_until))
                ).where(OutboxRow.state.in_(("pending", "sending")))
            )

    def put_rating(self, rating: QueuedRating) -> None:
        with self._lock, self._unit() as session:
            if session.get(RatingRow, rating.key) is None:
                session.add(
                    RatingRow(
                        key=rating.key,
                        level=rating.level,
                        procedure_code=rating.procedure_code,
                        sealed_reason=rating.sealed_reason,
                        rated_at=rating.rated_at,
                        state="pending",
                    )
                )

    def pending_ratings(self, limit: int = 50) -> list[QueuedRating]:
        with self._read() as session:
            rows = session.scalars(
                select(RatingRow)
                .where(RatingRow.state == "pending")
                .order_by(RatingRow.rated_at, RatingRow.key)
                .limit(limit)
            ).all()
            return [
                QueuedRating(r.key, r.level, r.procedure_code, r.sealed_reason, r.rated_at)
                for r in rows
            ]

    def mark_rating(self, key: str, state: str) -> None:
        with self._unit() as session:
            session.execute(
                update(RatingRow)
                .where(RatingRow.key == key)
                .values(state=state, sealed_reason=None)
                .execution_options(synchronize_session=False)
            )

    def dead_letters(self) -> list[EntryStatus]:
        with self._read() as session:
            rows = session.execute(
                select(DossierRow, OutboxRow)
                .join(OutboxRow, OutboxRow.code == DossierRow.code)
                .where(OutboxRow.state == "dead")
                .order_by(DossierRow.received_at, DossierRow.code)
            ).all()
            return [
                EntryStatus(_meta(row), out.state, out.attempts, out.last_error, None, None)
                for row, out in rows
            ]

    def status(self, now: datetime) -> dict[str, object]:
        """For staff and technicians: counts by state, oldest pending age, last error."""
        with self._read() as session:
            counts = dict(
                session.execute(
                    select(OutboxRow.state, func.count()).group_by(OutboxRow.state)
                ).all()
            )
            oldest = session.scalar(
                select(func.min(DossierRow.received_at))
                .join(OutboxRow, OutboxRow.code == DossierRow.code)
                .where(OutboxRow.state == "pending")
            )
            last_error = session.scalar(
                select(OutboxRow.last_error)
                .where(OutboxRow.last_error.is_not(None))
                .order_by(OutboxRow.last_error_at.desc())
                .limit(1)
            )
        return {
            "counts": {str(k): int(v) for k, v in counts.items()},
            "oldest_pending_age_s": (now - oldest).total_seconds() if oldest else None,
            "last_error": last_error,
        }


__all__ = ["SqlOutbox", "make_engine", "migrate", "store_error"]
