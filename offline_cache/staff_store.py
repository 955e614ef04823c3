"""The staff tables of the kiosk's database (migration 0005): the staff list, lockouts,
staff calls waiting for the centre, the audit log, and what the staff dashboard reads.

Nothing here knows about PINs or signatures: :mod:`kiosk.staff` decides, this module
stores.  Each call is one short unit of work (SQLite, WAL), safe from any thread and
from a technician's command beside the running kiosk.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError

from offline_cache.database import open_checked, store_error

_meta = MetaData()

accounts = Table(
    "staff_accounts",
    _meta,
    Column("staff_id", String(40), primary_key=True),
    Column("role", String(16)),
    Column("pin_hash", Text),
    Column("card_sha256", String(64)),
    Column("source", String(16)),
    Column("list_version", String(40)),
    Column("updated_at", DateTime),
)
lockouts = Table(
    "staff_lockouts",
    _meta,
    Column("staff_id", String(40), primary_key=True),
    Column("failures", Integer),
    Column("locked_until", DateTime),
    Column("last_failure_at", DateTime),
)
calls = Table(
    "staff_calls",
    _meta,
    Column("call_id", String(32), primary_key=True),
    Column("step", String(40)),
    Column("called_at", DateTime),
    Column("state", String(16)),
    Column("attempts", Integer),
    Column("last_error", Text),
    Column("sent_at", DateTime),
    Column("acknowledged_at", DateTime),
)
audit = Table(
    "audit_log",
    _meta,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime),
    Column("actor", String(40)),
    Column("role", String(16)),
    Column("action", String(40)),
    Column("dossier_code", String(40)),
    Column("detail", Text),
    Column("prev_hash", String(64)),
    Column("entry_hash", String(64)),
    Column("signature", Text),
    Column("key_id", String(120)),
    Column("sent_at", DateTime),
)
# The existing tables, only as far as the dashboard reads them.
_dossiers = Table(
    "dossiers",
    _meta,
    Column("code", String(40), primary_key=True),
    Column("procedure_code", String(40)),
    Column("received_at", DateTime),
    Column("receipt", String(16)),
    Column("assisted_by", String(40)),
)
_outbox = Table(
    "outbox",
    _meta,
    Column("code", String(40), primary_key=True),
    Column("state", String(16)),
    Column("attempts", Integer),
    Column("last_error", Text),
)
_counters = Table(
    "counters",
    _meta,
    Column("name", String(40), primary_key=True),
    Column("day", DateTime, primary_key=True),
    Column("value", Integer),
)


@dataclass(frozen=True)
class AccountRow:
    staff_id: str
    role: str
    pin_hash: str
    card_sha256: str | None
    source: str  # "centre" | "local"
    list_version: str | None = None


@dataclass(frozen=True)
class Lockout:
    failures: int
    locked_until: datetime | None


@dataclass(frozen=True)
class CallRow:
    call_id: str
    step: str
    called_at: datetime
    state: str  # pending | sent | acknowledged | closed
    attempts: int
    last_error: str | None
    # An alert the kiosk raises itself (no citizen asked): why, e.g. "receipt_not_printed",
    # its detail (the printer's reason: "paper_out") and the dossier it concerns.
    reason: str | None = None
    detail: str | None = None
    dossier_code: str | None = None


@dataclass(frozen=True)
class AuditRow:
    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    dossier_code: str | None
    detail: str  # JSON, no citizen data
    prev_hash: str
    entry_hash: str
    signature: str
    key_id: str
    sent_at: datetime | None = None


@dataclass(frozen=True)
class DossierLine:
    """One of today's dossiers as staff see it (no citizen data)."""

    code: str
    procedure_code: str
    received_at: datetime
    state: str  # pending | sending | sent | dead
    attempts: int
    last_error: str | None
    receipt: str | None
    assisted_by: str | None


class StaffStore:
    """The staff tables in the kiosk's database (the engine of :class:`SqlOutbox`)."""

    def __init__(self, engine: Engine, path: Path | None = None) -> None:
        self.engine = engine
        self.path = path or Path(engine.url.database or "kiosk.db")

    @classmethod
    def open(cls, path: Path) -> StaffStore:
        """Open (create, migrate, check) the database at ``path`` (the technician's commands)."""
        engine, _ = open_checked(path)
        return cls(engine, path)

    @contextmanager
    def _unit(self, immediate: bool = False) -> Iterator[Connection]:
        try:
            with self.engine.connect() as connection:
                if immediate:  # serialise appends across processes: the chain is one line
                    driver = connection.connection.driver_connection
                    old = driver.isolation_level  # type: ignore[union-attr]
                    driver.isolation_level = None  # type: ignore[union-attr]
                    try:
                        connection.exec_driver_sql("BEGIN IMMEDIATE")
                        try:
                            yield connection
                            connection.exec_driver_sql("COMMIT")
                        except BaseException:
                            connection.exec_driver_sql("ROLLBACK")
                            raise
                    finally:
                        driver.isolation_level = old  # type: ignore[union-attr]
                    return
                with connection.begin():
                    yield connection
        except (DBAPIError, sqlite3.Error) as exc:
            found = store_error(self.path, exc)
            if found is None:
                raise
            raise found from exc

    # The staff list ------------------------------------------------------------------
    def replace_accounts(
        self, source: str, rows: list[AccountRow], version: str | None, now: datetime
    ) -> None:
        """All of ``source``'s accounts become ``rows`` (the other source's are kept)."""
        with self._unit() as db:
            db.execute(delete(accounts).where(accounts.c.source == source))
            for row in rows:
                db.execute(delete(accounts).where(accounts.c.staff_id == row.staff_id))
                db.execute(insert(accounts).values(**_account_values(row, version, now)))

    def put_account(self, row: AccountRow, now: datetime) -> None:
        with self._unit() as db:
            db.execute(delete(accounts).where(accounts.c.staff_id == row.staff_id))
            db.execute(insert(accounts).values(**_account_values(row, row.list_version, now)))

    def remove_account(self, staff_id: str) -> bool:
        with self._unit() as db:
            done = db.execute(delete(accounts).where(accounts.c.staff_id == staff_id))
            return bool(done.rowcount)

    def account(self, staff_id: str) -> AccountRow | None:
        with self._unit() as db:
            row = db.execute(select(accounts).where(accounts.c.staff_id == staff_id)).first()
        return _account(row) if row else None

    def account_by_card(self, card_sha256: str) -> AccountRow | None:
        with self._unit() as db:
            row = db.execute(select(accounts).where(accounts.c.card_sha256 == card_sha256)).first()
        return _account(row) if row else None

    def accounts(self) -> list[AccountRow]:
        with self._unit() as db:
            rows = db.execute(select(accounts).order_by(accounts.c.staff_id)).all()
        return [_account(row) for row in rows]

    def list_version(self, source: str) -> str | None:
        with self._unit() as db:
            return db.execute(
                select(func.max(accounts.c.list_version)).where(accounts.c.source == source)
            ).scalar()

    # Lockouts ------------------------------------------------------------------------
    def lockout(self, staff_id: str) -> Lockout:
        with self._unit() as db:
            row = db.execute(select(lockouts).where(lockouts.c.staff_id == staff_id)).first()
        return Lockout(row.failures, row.locked_until) if row else Lockout(0, None)

    def record_failure(
        self, staff_id: str, now: datetime, locked_until: Callable[[int], datetime | None]
    ) -> Lockout:
        """One more failure; ``locked_until(failures)`` says until when (one transaction)."""
        with self._unit(immediate=True) as db:
            row = db.execute(select(lockouts).where(lockouts.c.staff_id == staff_id)).first()
            failures = (row.failures if row else 0) + 1
            until = locked_until(failures)
            values = {"failures": failures, "locked_until": until, "last_failure_at": now}
            if row is None:
                db.execute(insert(lockouts).values(staff_id=staff_id, **values))
            else:
                db.execute(update(lockouts).where(lockouts.c.staff_id == staff_id).values(values))
        return Lockout(failures, until)

    def clear_failures(self, staff_id: str) -> None:
        with self._unit() as db:
            db.execute(delete(lockouts).where(lockouts.c.staff_id == staff_id))

    # Staff calls ---------------------------------------------------------------------
    def add_call(
        self,
        call_id: str,
        step: str,
        now: datetime,
        *,
        reason: str | None = None,
        detail: str | None = None,
        dossier_code: str | None = None,
    ) -> None:
        """A call to send; an alert the kiosk raises itself has a ``reason`` (no new
        columns this round: the three ride in ``step`` as ``step|reason|detail|code``)."""
        if reason is not None:
            step = _ALERT_SEP.join((step, reason, detail or "", dossier_code or ""))
        with self._unit() as db:
            db.execute(
                insert(calls).values(
                    call_id=call_id, step=step, called_at=now, state="pending", attempts=0
                )
            )

    def call(self, call_id: str) -> CallRow | None:
        with self._unit() as db:
            row = db.execute(select(calls).where(calls.c.call_id == call_id)).first()
        return _call(row) if row else None

    def calls_in(self, *states: str) -> list[CallRow]:
        with self._unit() as db:
            rows = db.execute(
                select(calls).where(calls.c.state.in_(states)).order_by(calls.c.called_at)
            ).all()
        return [_call(row) for row in rows]

    def mark_call(self, call_id: str, state: str, now: datetime, error: str | None = None) -> None:
        values: dict[str, Any] = {"state": state, "last_error": error}
        if state == "sent":
            values["sent_at"] = now
        elif state == "acknowledged":
            values["acknowledged_at"] = now
        if error is not None:
            values["attempts"] = calls.c.attempts + 1
        with self._unit() as db:  # a withdrawn call stays withdrawn (the relay may race it)
            db.execute(
                update(calls)
                .where(calls.c.call_id == call_id, calls.c.state != "withdrawn")
                .values(values)
            )

    # The audit log -------------------------------------------------------------------
    def append_audit(self, make: Callable[[int, str], AuditRow]) -> AuditRow:
        """Append one entry: ``make(seq, previous hash)`` builds it inside the transaction,
        so two writers (the kiosk, a technician's command) never fork the chain."""
        with self._unit(immediate=True) as db:
            last = db.execute(
                select(audit.c.seq, audit.c.entry_hash).order_by(audit.c.seq.desc()).limit(1)
            ).first()
            seq, previous = (last.seq + 1, last.entry_hash) if last else (1, "")
            row = make(seq, previous)
            values = dict(row.__dict__)
            db.execute(insert(audit).values(**values))
        return row

    def audit_entries(self, limit: int | None = None) -> list[AuditRow]:
        """Entries in the order they are stored (by sequence number)."""
        with self._unit() as db:
            query = select(audit).order_by(audit.c.seq)
            if limit is not None:
                query = select(audit).order_by(audit.c.seq.desc()).limit(limit)
            rows = db.execute(query).all()
        entries = [AuditRow(**row._mapping) for row in rows]
        return sorted(entries, key=lambda entry: entry.seq)

    def unsent_audit(self, limit: int = 100) -> list[AuditRow]:
        with self._unit() as db:
            rows = db.execute(
                select(audit).where(audit.c.sent_at.is_(None)).order_by(audit.c.seq).limit(limit)
            ).all()
        return [AuditRow(**row._mapping) for row in rows]

    def mark_audit_sent(self, seqs: list[int], now: datetime) -> None:
        with self._unit() as db:
            db.execute(update(audit).where(audit.c.seq.in_(seqs)).values(sent_at=now))

    # What the dashboard reads --------------------------------------------------------
    def dossiers_on(self, day: date) -> list[DossierLine]:
        start = datetime.combine(day, time.min)
        end = datetime.combine(day, time.max)
        with self._unit() as db:
            rows = db.execute(
                select(
                    _dossiers.c.code,
                    _dossiers.c.procedure_code,
                    _dossiers.c.received_at,
                    _outbox.c.state,
                    _outbox.c.attempts,
                    _outbox.c.last_error,
                    _dossiers.c.receipt,
                    _dossiers.c.assisted_by,
                )
                .join(_outbox, _outbox.c.code == _dossiers.c.code, isouter=True)
                .where(_dossiers.c.received_at.between(start, end))
                .order_by(_dossiers.c.received_at.desc(), _dossiers.c.code)
            ).all()
        return [
            DossierLine(
                r.code,
                r.procedure_code,
                r.received_at,
                r.state or "sent",
                r.attempts or 0,
                r.last_error,
                r.receipt,
                r.assisted_by,
            )
            for r in rows
        ]

    def set_assisted(self, code: str, staff_id: str) -> None:
        with self._unit() as db:
            db.execute(
                update(_dossiers).where(_dossiers.c.code == code).values(assisted_by=staff_id)
            )

    def tickets_issued(self, day: date) -> int:
        """Queue tickets issued on ``day`` (all areas: the counters named ``queue-…``)."""
        with self._unit() as db:
            value = db.execute(
                select(func.coalesce(func.sum(_counters.c.value), 0)).where(
                    _counters.c.name.like("queue-%"), func.date(_counters.c.day) == day.isoformat()
                )
            ).scalar()
        return int(value or 0)


def _account_values(row: AccountRow, version: str | None, now: datetime) -> dict[str, Any]:
    return {
        "staff_id": row.staff_id,
        "role": row.role,
        "pin_hash": row.pin_hash,
        "card_sha256": row.card_sha256,
        "source": row.source,
        "list_version": version,
        "updated_at": now,
    }


def _account(row: Any) -> AccountRow:
    return AccountRow(
        row.staff_id, row.role, row.pin_hash, row.card_sha256, row.source, row.list_version
    )


_ALERT_SEP = "|"


def _call(row: Any) -> CallRow:
    step, reason, detail, code = (row.step.split(_ALERT_SEP) + [""] * 3)[:4]
    return CallRow(
        row.call_id,
        step,
        row.called_at,
        row.state,
        row.attempts,
        row.last_error,
        reason or None,
        detail or None,
        code or None,
    )


__all__ = [
    "AccountRow",
    "AuditRow",
    "CallRow",
    "DossierLine",
    "Lockout",
    "StaffStore",
]
