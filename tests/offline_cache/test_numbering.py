"""Dossier numbers never repeat: not after a restart, nor a lost, emptied or replaced database.

The high-water mark beside the database (``numbering.json``) is on disk before a
number commits, travels in the heartbeat, and comes back from the centre.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from kiosk.base.dossier import DossierCodes, DossierMeta, code_day_and_number
from offline_cache.numbering import MARK_FILE, NumberingMark, NumberingUnknownError
from offline_cache.store import SqlOutbox
from offline_cache.sync import SyncWorker
from tests.central_helpers import queue_dossiers, start_central

DAY = datetime(2026, 11, 20, 9, 0)
CODES = DossierCodes("000.00.01.H01", 3)


def submit(store: SqlOutbox, when: datetime = DAY) -> str:
    def build(code: str) -> tuple[DossierMeta, bytes]:
        return DossierMeta(code, "CT-TT", when, None), f"sealed {code}".encode()

    return store.submit(when.date(), lambda n: CODES.code(when, n), build).code


def number(code: str) -> int:
    parsed = code_day_and_number(code)
    assert parsed is not None
    return parsed[1]


def lose(folder: Path, how: str) -> None:
    """What the probing did to the kiosk's database (the mark beside it survives)."""
    db = folder / "kiosk.db"
    for side in ("kiosk.db-wal", "kiosk.db-shm"):
        (folder / side).unlink(missing_ok=True)
    if how == "deleted":
        db.unlink()
    elif how == "zero-length":
        db.write_bytes(b"")


@pytest.mark.parametrize("how", ["deleted", "zero-length"])
def test_a_lost_database_never_hands_out_that_days_numbers_again(tmp_path: Path, how: str) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    issued = [submit(store) for _ in range(3)]
    store.engine.dispose()
    lose(tmp_path, how)
    again = SqlOutbox.open(tmp_path / "kiosk.db")  # a kiosk in service: no enrolment
    after = [submit(again) for _ in range(2)]
    assert not set(after) & set(issued)
    assert [number(c) for c in after] == [4, 5]


def test_a_database_replaced_by_an_older_copy_goes_on_after_the_newest_number(
    tmp_path: Path,
) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    submit(store)
    store.engine.dispose()
    old = tmp_path / "backup"
    old.mkdir()
    shutil.copy(tmp_path / "kiosk.db", old / "kiosk.db")  # WAL checkpointed at dispose
    store = SqlOutbox.open(tmp_path / "kiosk.db")
    issued = [submit(store) for _ in range(3)]
    store.engine.dispose()
    lose(tmp_path, "deleted")
    shutil.copy(old / "kiosk.db", tmp_path / "kiosk.db")
    restored = SqlOutbox.open(tmp_path / "kiosk.db")
    assert number(submit(restored)) == max(number(c) for c in issued) + 1


def test_an_older_copy_of_the_mark_is_raised_to_what_the_database_holds(tmp_path: Path) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    old_mark = (tmp_path / MARK_FILE).read_bytes()
    codes = [submit(store) for _ in range(4)]
    (tmp_path / MARK_FILE).write_bytes(old_mark)
    store.engine.dispose()
    again = SqlOutbox.open(tmp_path / "kiosk.db")
    assert again.numbering_mark() == {"dossier": {"2026-11-20": 4}}
    assert number(submit(again)) == number(codes[-1]) + 1


def test_the_mark_is_on_disk_before_the_number_commits(tmp_path: Path, monkeypatch) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    seen: list[tuple[int, int]] = []
    write = NumberingMark.write

    def spy(mark: NumberingMark, numbers, origin: str) -> None:
        write(mark, numbers, origin)
        on_disk = json.loads(mark.path.read_bytes())["numbers"]["dossier"]["2026-11-20"]
        # Another connection, like a power cut's survivor, sees what is committed.
        other = sqlite3.connect(tmp_path / "kiosk.db")
        [(committed,)] = other.execute("SELECT count(*) FROM dossiers").fetchall()
        other.close()
        seen.append((on_disk, committed))

    monkeypatch.setattr(NumberingMark, "write", spy)
    submit(store)
    submit(store)
    assert seen == [(1, 0), (2, 1)]  # the mark holds each number before its dossier commits


def test_a_failed_submission_uses_up_no_number_but_a_cut_after_the_mark_skips_one(
    tmp_path: Path,
) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)

    def broken(code: str) -> tuple[DossierMeta, bytes]:
        raise RuntimeError("sealing failed")

    with pytest.raises(RuntimeError):
        store.submit(DAY.date(), lambda n: CODES.code(DAY, n), broken)
    assert number(submit(store)) == 1
    # A power cut after the mark was written and before the commit: the mark is ahead.
    NumberingMark(tmp_path / MARK_FILE).write({"dossier": {"2026-11-20": 2}}, "database")
    assert number(submit(store)) == 3


def test_no_dossier_is_numbered_until_the_mark_is_known(tmp_path: Path) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db")  # a new kiosk, never enrolled
    assert store.numbering_mark() is None
    with pytest.raises(NumberingUnknownError, match="kiosk store enrol"):
        submit(store)
    assert store.pending() == []
    # Queue tickets are not held up: they number from the database meanwhile.
    assert store.next_number("queue-A", DAY.date()) == 1
    assert store.adopt_numbering({"dossier": {"2026-11-20": 41}}) is True
    assert number(submit(store)) == 42
    assert store.adopt_numbering({"dossier": {"2026-11-20": 7}}) is False  # never lowered
    assert number(submit(store)) == 43


def test_the_centres_answer_is_checked_before_it_is_kept(tmp_path: Path) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db")
    store.adopt_numbering(
        {
            "dossier": {"2026-11-20": 5, "not a day": 9, "2026-11-19": -3, "2026-11-18": True},
            "x" * 200: {"2026-11-20": 1},
            "queue-A": "twelve",
        }
    )
    assert store.numbering_mark() == {"dossier": {"2026-11-20": 5}}


def test_a_clock_set_far_back_is_refused_rather_than_trusted(tmp_path: Path) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    submit(store)
    with pytest.raises(NumberingUnknownError, match="check the clock"):
        submit(store, datetime(2026, 9, 1, 9, 0))
    assert number(submit(store, datetime(2026, 11, 1, 9, 0))) == 1  # within the window: fine


def test_the_mark_keeps_only_recent_days(tmp_path: Path) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    for day in (date(2026, 9, 1), date(2026, 11, 19), date(2026, 11, 20)):
        submit(store, datetime.combine(day, DAY.time()))
    mark = store.numbering_mark()
    assert mark == {"dossier": {"2026-11-19": 1, "2026-11-20": 1}}


def test_the_mark_file_is_written_atomically_and_privately(tmp_path: Path) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    submit(store)
    mark = tmp_path / MARK_FILE
    assert oct(mark.stat().st_mode & 0o777) == "0o600"
    assert json.loads(mark.read_bytes())["numbers"] == {"dossier": {"2026-11-20": 1}}
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_kiosk_that_lost_its_whole_data_folder_goes_on_after_what_the_centre_saw(
    tmp_path: Path,
) -> None:
    central = start_central(tmp_path)
    try:
        store = SqlOutbox.open(tmp_path / "kiosk" / "kiosk.db", enrol=True)
        worker = SyncWorker(store, central.client())
        worker.heartbeat()  # the centre now knows the mark: nothing numbered yet
        sent = queue_dossiers(store, central.service, 3)
        worker.run_once()  # the centre holds 1–3 (no heartbeat since)
        kept = queue_dossiers(store, central.service, 2)  # 4–5: queued, then a heartbeat
        worker.heartbeat()
        store.engine.dispose()
        shutil.rmtree(tmp_path / "kiosk")  # the disk was replaced: database and mark gone

        fresh = SqlOutbox.open(tmp_path / "kiosk" / "kiosk.db")
        with pytest.raises(NumberingUnknownError):
            queue_dossiers(fresh, central.service, 1)
        again = SyncWorker(fresh, central.client())
        again.heartbeat()  # the centre answers with the highest numbers it saw
        [after] = queue_dossiers(fresh, central.service, 1)
        assert number(after) == 6 and after not in sent + kept
        assert fresh.numbering_mark() == {"dossier": {"2026-11-20": 6}}
    finally:
        central.running.stop()


def test_the_centre_counts_the_codes_it_received_even_without_a_heartbeat(tmp_path: Path) -> None:
    central = start_central(tmp_path)
    try:
        store = SqlOutbox.open(tmp_path / "kiosk" / "kiosk.db", enrol=True)
        codes = queue_dossiers(store, central.service, 4)
        SyncWorker(store, central.client()).run_once()
        store.engine.dispose()
        shutil.rmtree(tmp_path / "kiosk")
        fresh = SqlOutbox.open(tmp_path / "kiosk" / "kiosk.db")
        SyncWorker(fresh, central.client()).heartbeat()
        [after] = queue_dossiers(fresh, central.service, 1)
        assert number(after) == max(number(c) for c in codes) + 1
    finally:
        central.running.stop()


def test_the_demo_kiosk_with_a_zero_length_database_does_not_reprint_a_code(
    tmp_path: Path,
) -> None:
    """The defect as found: `…-K010001` printed again after the database was emptied."""
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n[logging]\nfile = false\n',
        encoding="utf-8",
    )
    command = [sys.executable, "-m", "kiosk", "--config", str(config), "dossier", "submit-demo"]
    first = subprocess.run([*command, "--count", "2"], capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    for name in os.listdir(tmp_path / "data"):
        if name.startswith("kiosk.db-"):
            (tmp_path / "data" / name).unlink()
    (tmp_path / "data" / "kiosk.db").write_bytes(b"")
    second = subprocess.run([*command, "--count", "1"], capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    before, after = first.stdout.split(), second.stdout.split()
    assert len(before) == 2 and len(after) == 1
    assert after[0] not in before
    assert after[0].endswith("0003")


def test_the_technician_enrols_a_new_kiosk_offline(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{tmp_path}"\n[logging]\nfile = false\n', encoding="utf-8"
    )
    kiosk = [sys.executable, "-m", "kiosk", "--config", str(config)]
    status = subprocess.run([*kiosk, "sync", "status"], capture_output=True, text=True)
    assert "numbering: unknown" in status.stdout
    enrol = [*kiosk, "store", "enrol", "--offline"]
    enrolled = subprocess.run(enrol, capture_output=True, text=True)
    assert enrolled.returncode == 0, enrolled.stderr
    assert "numbering starts from this kiosk's database: nothing numbered yet" in enrolled.stdout
    assert number(submit(SqlOutbox.open(tmp_path / "kiosk.db"))) == 1
    twice = subprocess.run(enrol, capture_output=True, text=True)
    assert "already known" in twice.stdout
