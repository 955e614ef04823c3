"""One contract for every outbox: the in-memory fake and the durable SQLite store."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from kiosk.dossier import DossierMeta
from offline_cache.outbox import MemoryOutbox, Outbox, OutboxFullError
from offline_cache.store import SqlOutbox


def meta(code: str, minute: int) -> DossierMeta:
    return DossierMeta(code, "CT-TT", datetime(2026, 11, 20, 9, minute), date(2026, 11, 25))


def memory(_tmp: Path, capacity: int = 10_000) -> Outbox:
    return MemoryOutbox(capacity)


def sqlite_store(tmp: Path, capacity: int = 10_000) -> Outbox:
    outbox = SqlOutbox.open(tmp / "kiosk.db")
    outbox.capacity = capacity
    return outbox


@pytest.fixture(params=[memory, sqlite_store], ids=["memory", "sqlite"])
def make(request: pytest.FixtureRequest) -> Callable[..., Outbox]:
    return request.param


def test_pending_is_oldest_first_and_find_ignores_case(make, tmp_path: Path) -> None:
    outbox = make(tmp_path)
    outbox.put(meta("B-2", 5), b"sealed-2")
    outbox.put(meta("A-1", 1), b"sealed-1")
    assert [q.meta.code for q in outbox.pending()] == ["A-1", "B-2"]
    assert [q.sealed for q in outbox.pending()] == [b"sealed-1", b"sealed-2"]
    assert outbox.find(" a-1 ") == meta("A-1", 1)
    assert outbox.find("C-3") is None


def test_a_dossier_is_never_queued_twice(make, tmp_path: Path) -> None:
    outbox = make(tmp_path)
    outbox.put(meta("A-1", 1), b"x")
    with pytest.raises(ValueError, match="already queued"):
        outbox.put(meta("A-1", 1), b"x")
    assert len(outbox.pending()) == 1


def test_a_full_outbox_refuses_new_dossiers_and_keeps_the_queue(make, tmp_path: Path) -> None:
    outbox = make(tmp_path, capacity=2)
    outbox.put(meta("A-1", 1), b"x")
    outbox.put(meta("A-2", 2), b"y")
    with pytest.raises(OutboxFullError):
        outbox.put(meta("A-3", 3), b"z")
    assert len(outbox.pending()) == 2


def test_queued_dossiers_survive_a_restart(tmp_path: Path) -> None:
    SqlOutbox.open(tmp_path / "kiosk.db").put(meta("A-1", 1), b"sealed")
    again = SqlOutbox.open(tmp_path / "kiosk.db")  # migrations run again: a no-op
    assert [q.meta.code for q in again.pending()] == ["A-1"]


def test_the_database_is_wal_migrated_and_holds_no_clear_content(tmp_path: Path) -> None:
    SqlOutbox.open(tmp_path / "kiosk.db").put(meta("A-1", 1), b"\x01\x02sealed-bytes")
    db = sqlite3.connect(tmp_path / "kiosk.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    columns = {row[1] for row in db.execute("PRAGMA table_info(dossiers)")}
    assert columns == {
        "code",
        "procedure_code",
        "received_at",
        "appointment",
        "state",
        "attempts",
        "last_error",
        "idempotency_key",
        "sealed",
    }


def test_sync_status_counts_and_ages_the_queue(tmp_path: Path, capsys) -> None:
    import json

    from kiosk.cli import main

    outbox = SqlOutbox.open(tmp_path / "data" / "kiosk.db")
    outbox.put(meta("A-1", 1), b"x")
    outbox.put(meta("A-2", 2), b"y")
    report = outbox.status(datetime(2026, 11, 20, 10, 1))
    assert report == {"counts": {"pending": 2}, "oldest_pending_age_s": 3600.0, "last_error": None}
    config = tmp_path / "k.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    assert main(["--config", str(config), "sync", "status", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["counts"] == {"pending": 2}
