"""One contract for every outbox: the in-memory fake and the durable SQLite store."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.base.dossier import DossierCodes, DossierMeta
from offline_cache.outbox import DuplicateDossierError, MemoryOutbox, Outbox, OutboxFullError
from offline_cache.store import SqlOutbox, make_engine, migrate

NOW = datetime(2026, 11, 20, 10, 0)
LEASE = timedelta(seconds=30)


def meta(code: str, minute: int) -> DossierMeta:
    return DossierMeta(code, "CT-TT", datetime(2026, 11, 20, 9, minute), date(2026, 11, 25))


def memory(_tmp: Path, capacity: int = 10_000) -> Outbox:
    return MemoryOutbox(capacity)


def sqlite_store(tmp: Path, capacity: int = 10_000) -> Outbox:
    outbox = SqlOutbox.open(tmp / "kiosk.db", enrol=True)
    outbox.capacity = capacity
    return outbox


@pytest.fixture(params=[memory, sqlite_store], ids=["memory", "sqlite"])
def make(request: pytest.FixtureRequest) -> Callable[..., Outbox]:
    return request.param


def submit(outbox: Outbox, minute: int = 0, fail: bool = False) -> DossierMeta:
    codes = DossierCodes("000.00.01.H01", 3)
    when = datetime(2026, 11, 20, 9, minute)

    def build(code: str) -> tuple[DossierMeta, bytes]:
        if fail:
            raise RuntimeError("sealing failed")
        return DossierMeta(code, "CT-TT", when, None), f"sealed {code}".encode()

    return outbox.submit(when.date(), lambda n: codes.code(when, n), build)


def test_pending_is_oldest_first_and_find_ignores_case(make, tmp_path: Path) -> None:
    outbox = make(tmp_path)
    outbox.put(meta("B-2", 5), b"sealed-2")
    outbox.put(meta("A-1", 1), b"sealed-1")
    assert [q.meta.code for q in outbox.pending()] == ["A-1", "B-2"]
    assert [q.sealed for q in outbox.pending()] == [b"sealed-1", b"sealed-2"]
    assert outbox.find(" a-1 ") == meta("A-1", 1)
    assert outbox.find("C-3") is None


def test_submit_numbers_dossiers_per_day_and_a_failure_uses_no_number(make, tmp_path: Path) -> None:
    outbox = make(tmp_path)
    first = submit(outbox, 1)
    with pytest.raises(RuntimeError):
        submit(outbox, 2, fail=True)
    second = submit(outbox, 3)
    assert [first.code, second.code] == [
        "000.00.01.H01-261120-K030001",
        "000.00.01.H01-261120-K030002",
    ]
    assert [q.sealed for q in outbox.pending()] == [
        f"sealed {first.code}".encode(),
        f"sealed {second.code}".encode(),
    ]


def test_numbers_count_per_name_and_day(make, tmp_path: Path) -> None:
    outbox = make(tmp_path)
    day, tomorrow = date(2026, 11, 20), date(2026, 11, 21)
    assert [outbox.next_number("queue-A", day) for _ in range(3)] == [1, 2, 3]
    assert outbox.next_number("queue-B", day) == 1
    assert outbox.next_number("queue-A", tomorrow) == 1


def test_a_dossier_is_never_queued_twice(make, tmp_path: Path) -> None:
    outbox = make(tmp_path)
    outbox.put(meta("A-1", 1), b"x")
    with pytest.raises(DuplicateDossierError, match="already queued"):
        outbox.put(meta("A-1", 1), b"x")
    assert len(outbox.pending()) == 1


def test_a_full_outbox_refuses_new_dossiers_and_keeps_the_queue(make, tmp_path: Path) -> None:
    outbox = make(tmp_path, capacity=2)
    outbox.put(meta("A-1", 1), b"x")
    outbox.put(meta("A-2", 2), b"y")
    with pytest.raises(OutboxFullError):
        outbox.put(meta("A-3", 3), b"z")
    with pytest.raises(OutboxFullError):
        submit(outbox)
    assert len(outbox.pending()) == 2
    # Sending frees room: sent dossiers no longer count.
    claim = outbox.claim_next(NOW, LEASE)
    assert claim and outbox.mark_sent(claim, NOW, "C-1")
    outbox.put(meta("A-3", 3), b"z")


def test_claims_are_oldest_first_leased_and_exclusive(make, tmp_path: Path) -> None:
    outbox = make(tmp_path)
    outbox.put(meta("B-2", 5), b"2")
    outbox.put(meta("A-1", 1), b"1")
    first = outbox.claim_next(NOW, LEASE)
    second = outbox.claim_next(NOW, LEASE)
    assert first and second and (first.meta.code, second.meta.code) == ("A-1", "B-2")
    assert first.sealed == b"1" and first.idempotency_key != second.idempotency_key
    assert outbox.claim_next(NOW, LEASE) is None  # both are being sent
    assert outbox.entry("A-1").state == "sending"  # type: ignore[union-attr]
    assert outbox.pending() == []


def test_a_lapsed_lease_is_claimed_again_with_the_same_key_and_the_old_holder_is_ignored(
    make, tmp_path: Path
) -> None:
    outbox = make(tmp_path)
    outbox.put(meta("A-1", 1), b"1")
    crashed = outbox.claim_next(NOW, LEASE)
    assert outbox.claim_next(NOW + LEASE / 2, LEASE) is None
    again = outbox.claim_next(NOW + LEASE, LEASE)
    assert crashed and again and again.idempotency_key == crashed.idempotency_key
    # The first worker wakes up late: its result no longer counts.
    assert not outbox.mark_sent(crashed, NOW, "C-1")
    assert outbox.mark_sent(again, NOW + LEASE, "C-1")
    assert outbox.entry("A-1").state == "sent"  # type: ignore[union-attr]


def test_retry_waits_dead_needs_staff_and_sent_drops_the_content(make, tmp_path: Path) -> None:
    outbox = make(tmp_path)
    for i, code in enumerate(("A-1", "A-2", "A-3")):
        outbox.put(meta(code, i), code.encode())
    one, two, three = (outbox.claim_next(NOW, LEASE) for _ in range(3))
    assert one and two and three
    assert outbox.mark_retry(one, NOW, NOW + timedelta(minutes=5), "timeout")
    assert outbox.mark_dead(two, NOW, "422 invalid dossier")
    assert outbox.mark_sent(three, NOW, "C-3")
    assert outbox.claim_next(NOW, LEASE) is None
    assert outbox.next_due() == NOW + timedelta(minutes=5)
    assert outbox.claim_next(NOW + timedelta(minutes=5), LEASE).meta.code == "A-1"  # type: ignore[union-attr]
    dead = outbox.entry("A-2")
    assert dead and (dead.state, dead.attempts, dead.last_error) == (
        "dead",
        1,
        "422 invalid dossier",
    )
    assert [(e.meta.code, e.last_error) for e in outbox.dead_letters()] == [
        ("A-2", "422 invalid dossier")
    ]
    assert outbox.retry("a-2") and outbox.entry("A-2").state == "pending"  # type: ignore[union-attr]
    assert not outbox.retry("A-3") and not outbox.retry("NOPE")
    sent = outbox.entry("A-3")
    assert sent and sent.sent_at == NOW and outbox.find("A-3") is not None
    assert outbox.status(NOW)["counts"] == {"sending": 1, "pending": 1, "sent": 1}
    assert outbox.status(NOW)["last_error"] in ("timeout", "422 invalid dossier")


def test_wake_all_makes_waiting_entries_due(make, tmp_path: Path) -> None:
    outbox = make(tmp_path)
    outbox.put(meta("A-1", 1), b"1")
    claim = outbox.claim_next(NOW, LEASE)
    assert claim and outbox.mark_retry(claim, NOW, NOW + timedelta(hours=1), "down")
    assert outbox.claim_next(NOW, LEASE) is None
    assert outbox.wake_all() == 1
    assert outbox.claim_next(NOW, LEASE) is not None


def test_release_keeps_the_attempt_count(make, tmp_path: Path) -> None:
    outbox = make(tmp_path)
    outbox.put(meta("A-1", 1), b"1")
    claim = outbox.claim_next(NOW, LEASE)
    assert claim and outbox.release(claim, NOW, "401 kiosk not registered")
    entry = outbox.entry("A-1")
    assert entry and (entry.state, entry.attempts) == ("pending", 0)


def test_two_threads_never_claim_the_same_dossier(make, tmp_path: Path) -> None:
    outbox = make(tmp_path)
    for i in range(40):
        outbox.put(meta(f"A-{i:02d}", i % 60), b"x")
    claimed: list[str] = []

    def worker() -> None:
        while (claim := outbox.claim_next(NOW, LEASE)) is not None:
            claimed.append(claim.meta.code)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(f"A-{i:02d}" for i in range(40))


def test_ratings_wait_oldest_first_once_each_and_drop_the_reason_when_sent(
    make, tmp_path: Path
) -> None:
    from offline_cache.outbox import QueuedRating

    outbox = make(tmp_path)
    late = QueuedRating("k2", "satisfied", None, None, NOW)
    early = QueuedRating("k1", "dissatisfied", "CT-TT", b"sealed reason", NOW - LEASE)
    for rating in (late, early, late):
        outbox.put_rating(rating)
    assert outbox.pending_ratings() == [early, late]
    outbox.mark_rating("k1", "sent")
    assert outbox.pending_ratings() == [late]


def test_queued_dossiers_and_numbers_survive_a_restart(tmp_path: Path) -> None:
    first = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    submit(first, 1)
    assert first.next_number("queue-A", date(2026, 11, 20)) == 1
    again = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)  # migrations run again: a no-op
    assert [q.meta.code[-4:] for q in again.pending()] == ["0001"]
    assert submit(again, 2).code.endswith("K030002")
    assert again.next_number("queue-A", date(2026, 11, 20)) == 2


def test_two_processes_sharing_the_database_never_reuse_a_number(tmp_path: Path) -> None:
    a = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    b = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    codes = [submit(store, i).code for i, store in enumerate((a, b, a, b))]
    assert len(set(codes)) == 4


def test_upgrade_from_the_first_schema_keeps_queued_dossiers(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'kiosk.db'}")
    migrate(engine, "0001")
    with engine.begin() as db:
        db.exec_driver_sql(
            "INSERT INTO dossiers (code, procedure_code, received_at, appointment, state, "
            "attempts, last_error, idempotency_key, sealed) VALUES "
            "('A-1', 'CT-TT', '2026-11-20 09:01:00', '2026-11-25', 'pending', 2, 'timeout', "
            "'key-1', x'0102')"
        )
    store = SqlOutbox.open(tmp_path / "kiosk.db")
    [queued] = store.pending()
    assert queued.meta == meta("A-1", 1) and queued.sealed == b"\x01\x02"
    entry = store.entry("A-1")
    assert entry and (entry.attempts, entry.last_error) == (2, "timeout")
    claim = store.claim_next(NOW, LEASE)
    assert claim and claim.idempotency_key == "key-1"


def test_the_database_is_wal_migrated_and_holds_no_clear_content(tmp_path: Path) -> None:
    SqlOutbox.open(tmp_path / "kiosk.db").put(meta("A-1", 1), b"\x01\x02sealed-bytes")
    db = sqlite3.connect(tmp_path / "kiosk.db")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0005"
    readable = {
        table: {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for table in ("dossiers", "dossier_contents")
    }
    # The submitter is there only as a keyed hash (checked in test_lookup_proof.py).
    assert readable == {
        "dossiers": {
            "code",
            "procedure_code",
            "received_at",
            "appointment",
            "submitter_digest",
            "receipt",
            "receipt_at",
            "assisted_by",  # a staff ID (never a citizen's data), for the staff dashboard
        },
        "dossier_contents": {"code", "sealed", "sealed_sha256"},
    }


def test_a_full_database_refuses_the_dossier_and_keeps_the_queue(tmp_path: Path) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db")
    store.put(meta("A-1", 1), b"x")
    # A real SQLITE_FULL: the database may not grow past its current size.
    with store.engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
    store.engine.dispose()

    from sqlalchemy import event

    def cap(dbapi_connection, _record) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count={pages}")

    event.listen(store.engine, "connect", cap)
    with pytest.raises(OutboxFullError, match="full"):
        for i in range(50):
            store.put(meta(f"B-{i}", 2), b"y" * 20_000)
    assert store.pending()[0].meta.code == "A-1"
    claim = store.claim_next(NOW, LEASE)
    assert claim and claim.meta.code == "A-1"


def test_low_free_space_refuses_new_dossiers(tmp_path: Path) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db", min_free_bytes=10**18)
    with pytest.raises(OutboxFullError, match="MB free"):
        store.put(meta("A-1", 1), b"x")
    assert store.pending() == []


def test_sync_status_counts_and_ages_the_queue(tmp_path: Path, capsys) -> None:
    import json

    from kiosk.cli.main import main

    outbox = SqlOutbox.open(tmp_path / "data" / "kiosk.db")
    outbox.put(meta("A-1", 1), b"x")
    outbox.put(meta("A-2", 2), b"y")
    report = outbox.status(datetime(2026, 11, 20, 10, 1))
    assert report == {"counts": {"pending": 2}, "oldest_pending_age_s": 3600.0, "last_error": None}
    config = tmp_path / "k.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    assert main(["--config", str(config), "sync", "status", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed["counts"] == {"pending": 2} and printed["refused"] == []


def test_a_migration_cut_short_leaves_no_half_schema(tmp_path: Path) -> None:
    """Found by the power-loss test: each CREATE committed on its own, so a cut during the
    first start left tables without their Alembic revision, and every start after failed
    with "table dossiers already exists"."""
    from sqlalchemy import event

    engine = make_engine(f"sqlite:///{tmp_path / 'kiosk.db'}")

    def cut(_conn, _cursor, statement: str, *_args) -> None:
        if "CREATE TABLE counters" in statement:
            raise OSError("power cut")

    event.listen(engine, "before_cursor_execute", cut)
    with pytest.raises(OSError, match="power cut"):
        migrate(engine)
    engine.dispose()
    db = sqlite3.connect(tmp_path / "kiosk.db")
    assert db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall() == []
    db.close()
    store = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)  # the next start goes through
    assert submit(store).code.endswith("K030001")


def test_the_submitter_and_the_receipt_are_remembered(make, tmp_path: Path) -> None:
    outbox = make(tmp_path)
    when = datetime(2026, 11, 20, 9, 0)
    codes = DossierCodes("000.00.01.H01", 3)
    queued = outbox.submit(
        when.date(),
        lambda n: codes.code(when, n),
        lambda code: (DossierMeta(code, "CT-TT", when, None), b"sealed"),
        "001090012345",
    )
    assert outbox.submitted_by(queued.code, "001090012345")
    assert not outbox.submitted_by(queued.code, "001090012346")
    assert [m.code for m in outbox.missing_receipts()] == [queued.code]
    outbox.mark_receipt(queued.code, False, NOW)  # the printer failed: still missing
    assert [m.code for m in outbox.missing_receipts()] == [queued.code]
    outbox.mark_receipt(queued.code, True, NOW)
    assert outbox.missing_receipts() == []
    assert outbox.numbering_mark() == {"dossier": {"2026-11-20": 1}}
    assert outbox.refusals() == {"count": 0, "last_at": None, "reason": None}
