"""The reference centre's tables (SQLite; a reference service has no migrations)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class KioskRow(Base):
    __tablename__ = "kiosks"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The numbering its dossier codes use: {unit_code}-{yyMMdd}-K{kiosk_number:02}{nnnn}.
    unit_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    kiosk_number: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ReceivedDossier(Base):
    __tablename__ = "received_dossiers"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    procedure_code: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    appointment: Mapped[date | None] = mapped_column(Date, nullable=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    content_sha256: Mapped[str] = mapped_column(String(64))
    id_hash: Mapped[str] = mapped_column(String(64))
    central_ref: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(24), default="received")
    # When the centre learnt the fee was paid (its bank's or the counter's record); the
    # dossier itself only ever says "to pay".
    paid_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ReceivedRating(Base):
    __tablename__ = "received_ratings"
    idempotency_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(24))
    procedure_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    content_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)


class Heartbeat(Base):
    __tablename__ = "heartbeats"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    payload: Mapped[str] = mapped_column(Text)


class SeenNonce(Base):
    __tablename__ = "seen_nonces"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[int] = mapped_column(Integer, index=True)


def add_missing_columns(engine: Engine, metadata: MetaData | None = None) -> None:
    """A reference service has no migrations; columns added since a database was made
    are added to it (all nullable), so an older demo centre keeps working.  ``metadata``:
    the tables to look at (default: the dossiers' and kiosks' tables)."""
    with engine.begin() as connection:
        for table in (metadata or Base.metadata).sorted_tables:
            present = {
                row[1] for row in connection.exec_driver_sql(f"PRAGMA table_info({table.name})")
            }
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(engine.dialect)
                    connection.exec_driver_sql(
                        f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"
                    )


def make_engine(path: Path) -> Engine:
    """SQLite in WAL mode; ``synchronous=NORMAL``: a commit survives the process being
    killed, and the nonce written for every request costs no fsync (a reference service)."""
    engine = create_engine(f"sqlite:///{path}")

    def pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    event.listen(engine, "connect", pragmas)
    return engine


__all__ = [
    "Base",
    "Heartbeat",
    "KioskRow",
    "ReceivedDossier",
    "ReceivedRating",
    "SeenNonce",
    "add_missing_columns",
    "make_engine",
]
