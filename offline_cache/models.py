"""The local store's tables (SQLAlchemy 2.0 declarative models).

Three tables, written together when a dossier is submitted:

- ``dossiers``: what may stay readable on a kiosk (code, procedure, times);
  kept after sending so a citizen can look a dossier up;
- ``dossier_contents``: the sealed box (everything about the citizen,
  encrypted for the central service's key); deleted once the centre has it;
- ``outbox``: the sync work item (state, attempts, next attempt, lease, last
  error, idempotency key).

``counters`` numbers dossiers and queue tickets per day, in the same
database, so a dossier's number and the dossier commit in one transaction
(and never below the mark file beside it: ``offline_cache/numbering.py``).

``dossiers`` also remembers whether the citizen's receipt was printed, and,
until the centre holds the dossier, a keyed hash of the submitter's ID number
so the kiosk's own look-up answers only the person who submitted it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class DossierRow(Base):
    __tablename__ = "dossiers"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    procedure_code: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    appointment: Mapped[date | None] = mapped_column(Date, nullable=True)
    # HMAC-SHA256 of code + ID number with the kiosk's own key; cleared once sent.
    submitter_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # None: not printed yet (or killed before it); "printed"; "failed"; "unknown" (older rows).
    receipt: Mapped[str | None] = mapped_column(String(16), nullable=True)
    receipt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class ContentRow(Base):
    __tablename__ = "dossier_contents"

    code: Mapped[str] = mapped_column(
        String(40), ForeignKey("dossiers.code", ondelete="CASCADE"), primary_key=True
    )
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    # The box's SHA-256: a salvage tells a whole box from one a damaged page cut short.
    sealed_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)


class OutboxRow(Base):
    __tablename__ = "outbox"

    code: Mapped[str] = mapped_column(
        String(40), ForeignKey("dossiers.code", ondelete="CASCADE"), primary_key=True
    )
    # pending → sending (leased to one worker) → sent | dead (permanent failure)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    lease_token: Mapped[str | None] = mapped_column(String(32), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_error_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    central_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)


class CounterRow(Base):
    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


class RatingRow(Base):
    """A citizen's rating waiting for the centre (the free-text reason is sealed)."""

    __tablename__ = "ratings"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)  # also the idempotency key
    level: Mapped[str] = mapped_column(String(24))
    procedure_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    sealed_reason: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    rated_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
