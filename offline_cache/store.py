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

import secrets
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import sessionmaker

from kiosk.dossier import DossierMeta
from offline_cache.models import DossierRow
from offline_cache.outbox import OutboxFullError, QueuedDossier

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _meta(row: DossierRow) -> DossierMeta:
    return DossierMeta(row.code, row.procedure_code, row.received_at, row.appointment)


class SqlOutbox:
    """Implements :class:`offline_cache.outbox.Outbox` durably.

    Thread-safe: each call opens its own short session (one unit of work).
    """

    def __init__(self, engine: Engine, capacity: int = 100_000) -> None:
        self.engine = engine
        self.capacity = capacity
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._lock = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> SqlOutbox:
        path.parent.mkdir(parents=True, exist_ok=True)
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        return cls(engine)

    def put(self, meta: DossierMeta, sealed: bytes) -> None:
        """Queue a sealed dossier: metadata and content commit together or not at all."""
        row = DossierRow(
            code=meta.code,
            procedure_code=meta.procedure_code,
            received_at=meta.received_at,
            appointment=meta.appointment,
            state="pending",
            attempts=0,
            idempotency_key=secrets.token_hex(16),
            sealed=sealed,
        )
        with self._lock, self._sessions() as session:
            count = session.query(DossierRow).count()
            if count >= self.capacity:
                raise OutboxFullError("outbox is full")
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                raise ValueError(f"dossier {meta.code} is already queued") from None
            except OperationalError as exc:
                session.rollback()
                if "full" in str(exc).lower():  # SQLITE_FULL: the disk is full
                    raise OutboxFullError("the disk is full") from exc
                raise

    def pending(self) -> list[QueuedDossier]:
        with self._sessions() as session:
            rows = session.scalars(
                select(DossierRow)
                .where(DossierRow.state == "pending")
                .order_by(DossierRow.received_at, DossierRow.code)
            ).all()
            return [QueuedDossier(_meta(row), row.sealed) for row in rows]

    def find(self, code: str) -> DossierMeta | None:
        with self._sessions() as session:
            row = session.get(DossierRow, code.strip().upper())
            return _meta(row) if row else None

    def status(self, now: datetime) -> dict[str, object]:
        """For staff and technicians: counts by state, oldest pending age, last error."""
        with self._sessions() as session:
            counts = dict(
                session.execute(
                    select(DossierRow.state, func.count()).group_by(DossierRow.state)
                ).all()
            )
            oldest = session.scalar(
                select(func.min(DossierRow.received_at)).where(DossierRow.state == "pending")
            )
            last_error = session.scalar(
                select(DossierRow.last_error)
                .where(DossierRow.last_error.is_not(None))
                .order_by(DossierRow.received_at.desc())
                .limit(1)
            )
        return {
            "counts": {str(k): int(v) for k, v in counts.items()},
            "oldest_pending_age_s": (now - oldest).total_seconds() if oldest else None,
            "last_error": last_error,
        }


__all__ = ["SqlOutbox", "make_engine", "migrate"]
