"""The durable outbox: SQLite through SQLAlchemy 2.0, migrated by Alembic.

SQLite settings, chosen for a kiosk that may lose power at any moment:

- ``journal_mode=WAL``: readers (the sync worker, staff screens) never block
  the writer submitting a dossier, and a crash leaves a consistent database;
- ``synchronous=FULL``: a dossier whose receipt was printed must survive a
  power cut, so every commit waits for the WAL to reach the disk (NORMAL could
  lose the last transactions on power loss, acceptable for caches, not here);
- ``foreign_keys=ON``.

The schema is created and upgraded only by Alembic migrations (never
``create_all``), so an upgrade of the kiosk keeps every queued dossier.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, and_, create_engine, delete, event, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.base.dossier import DossierMeta
from offline_cache.models import ContentRow, CounterRow, DossierRow, OutboxRow, RatingRow
from offline_cache.outbox import (
    Build,
    Claim,
    DuplicateDossierError,
    EntryStatus,
    OutboxFullError,
    QueuedDossier,
    QueuedRating,
)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    # Another process (the kiosk and a technician's `kiosk sync run`) may hold the
    # write lock for a moment: wait for it rather than fail.
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent)."""
    # Alembic narrates every step at INFO, from its import on ("setup plugin …"); the
    # kiosk's log and a technician's terminal want only what went wrong.  Imported here,
    # not at the top: the level must be set first, and Alembic is a large import that
    # nothing but this function needs (the kiosk's start-up).
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one; with foreign
            # keys on, that DROP would cascade and delete every queued dossier's content
            # and outbox entry.  The pragma only changes outside a transaction.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        with connection.begin():
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left {len(broken)} dangling rows")
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def _meta(row: DossierRow) -> DossierMeta:
    return DossierMeta(row.code, row.procedure_code, row.received_at, row.appointment)


def _is_full(exc: OperationalError) -> bool:
    # SQLITE_FULL ("database or disk is full"); PostgreSQL: "No space left on device".
    text = str(exc).lower()
    return "full" in text or "no space" in text


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
    ) -> None:
        self.engine = engine
        self.capacity = capacity
        self.min_free_bytes = min_free_bytes
        self._free_space_path = free_space_path
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path, min_free_bytes: int = 0) -> SqlOutbox:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        return cls(engine, min_free_bytes=min_free_bytes, free_space_path=path.parent)

    @contextmanager
    def _unit(self) -> Iterator[Session]:
        """One write transaction; a full disk becomes :class:`OutboxFullError`."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except OperationalError as exc:
                session.rollback()
                if _is_full(exc):
                    raise OutboxFullError("the disk is full") from exc
                raise
            except BaseException:
                session.rollback()
                raise

    # Submitting ----------------------------------------------------------------
    def _check_room(self, session: Session) -> None:
        if self._free_space_path is not None and self.min_free_bytes:
            free = shutil.disk_usage(self._free_space_path).free
            if free < self.min_free_bytes:
                raise OutboxFullError(f"only {free // 1_000_000} MB free on the disk")
        unsent = session.scalar(
            select(func.count()).select_from(OutboxRow).where(OutboxRow.state != "sent")
        )
        if (unsent or 0) >= self.capacity:
            raise OutboxFullError("outbox is full")

    def _insert(self, session: Session, meta: DossierMeta, sealed: bytes) -> None:
        if session.get(DossierRow, meta.code) is not None:
            raise DuplicateDossierError(f"dossier {meta.code} is already queued")
        session.add(
            DossierRow(
                code=meta.code,
                procedure_code=meta.procedure_code,
                received_at=meta.received_at,
                appointment=meta.appointment,
            )
        )
        session.flush()  # the parent row first: the others refer to it
        session.add(ContentRow(code=meta.code, sealed=sealed))
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

    def _take_number(self, session: Session, name: str, day: date) -> int:
        row = session.get(CounterRow, (name, day), with_for_update=True)
        if row is None:
            row = CounterRow(name=name, day=day, value=0)
            session.add(row)
        row.value += 1
        session.flush()
        return row.value

    def submit(self, day: date, code_for: Callable[[int], str], build: Build) -> DossierMeta:
        """Number, seal and queue in one transaction (see the Outbox protocol)."""
        with self._lock, self._unit() as session:
            self._check_room(session)
            number = self._take_number(session, "dossier", day)
            meta, sealed = build(code_for(number))
            self._insert(session, meta, sealed)
            return meta

    def put(self, meta: DossierMeta, sealed: bytes) -> None:
        with self._lock, self._unit() as session:
            self._check_room(session)
            self._insert(session, meta, sealed)

    def next_number(self, name: str, day: date) -> int:
        with self._lock, self._unit() as session:
            return self._take_number(session, name, day)

    # Reading ---------------------------------------------------------------------
    def pending(self) -> list[QueuedDossier]:
        with self._sessions() as session:
            rows = session.execute(
                select(DossierRow, ContentRow.sealed)
                .join(OutboxRow, OutboxRow.code == DossierRow.code)
                .join(ContentRow, ContentRow.code == DossierRow.code)
                .where(OutboxRow.state == "pending")
                .order_by(DossierRow.received_at, DossierRow.code)
            ).all()
            return [QueuedDossier(_meta(row), sealed) for row, sealed in rows]

    def find(self, code: str) -> DossierMeta | None:
        with self._sessions() as session:
            row = session.get(DossierRow, code.strip().upper())
            return _meta(row) if row else None

    def entry(self, code: str) -> EntryStatus | None:
        with self._sessions() as session:
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
                # The centre holds the dossier: the kiosk keeps no copy of its content.
                session.execute(delete(ContentRow).where(ContentRow.code == claim.meta.code))
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
        with self._sessions() as session:
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
        with self._sessions() as session:
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
        with self._sessions() as session:
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
        with self._sessions() as session:
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


__all__ = ["SqlOutbox", "make_engine", "migrate"]
