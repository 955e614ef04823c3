"""A damaged database, as the probing found it: eight real corruptions of a kiosk's files.

Each is opened by a command in a child process (one plain sentence naming the file
and what to do, never a traceback; the file kept as it was), checked with
``kiosk store check`` and salvaged with ``kiosk store salvage``: every readable queued
dossier comes back still sealed, byte for byte, and numbering goes on after the last
number ever handed out.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.base.dossier import DossierCodes, DossierMeta
from kiosk.cli.main import main
from offline_cache.store import SqlOutbox

CODES = DossierCodes("000.00.01.H01", 3)
IN_FILE, IN_WAL = 60, 10
WAL_SHM = ("-wal", "-shm")


def _fill(
    folder: Path, codes: DossierCodes, day: int, count: int, sealed: dict[str, bytes]
) -> None:
    store = SqlOutbox.open(folder / "kiosk.db", enrol=True)
    rng = random.Random(day)
    for i in range(count):
        when = datetime(2026, 11, day, 9, i % 60)

        def build(code: str, when: datetime = when) -> tuple[DossierMeta, bytes]:
            sealed[code] = rng.randbytes(rng.randrange(2_000, 6_000))
            return DossierMeta(code, "CT-TT", when, None), sealed[code]

        store.submit(when.date(), lambda n, w=when: codes.code(w, n), build, "001090012345")
    store.engine.dispose()  # checkpoints the WAL into the file


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A kiosk with 60 queued dossiers in its file and 10 more still in its WAL."""
    root = tmp_path_factory.mktemp("template")
    sealed: dict[str, bytes] = {}
    _fill(root / "data", CODES, 20, IN_FILE, sealed)
    # Ten more, left in the WAL as a killed kiosk leaves them (the files copied mid-run).
    store = SqlOutbox.open(root / "data" / "kiosk.db")
    for i in range(IN_WAL):
        when = datetime(2026, 11, 20, 10, i)

        def build(code: str, when: datetime = when) -> tuple[DossierMeta, bytes]:
            sealed[code] = os.urandom(3_000)
            return DossierMeta(code, "CT-TT", when, None), sealed[code]

        store.submit(when.date(), lambda n, w=when: CODES.code(w, n), build)
    live = root / "live"
    shutil.copytree(root / "data", live, ignore=shutil.ignore_patterns("*-shm"))
    store.engine.dispose()
    shutil.rmtree(root / "data")
    # Another kiosk's database, for a WAL that belongs elsewhere.
    _fill(root / "other", DossierCodes("000.00.01.H01", 4), 21, 30, {})
    other = SqlOutbox.open(root / "other" / "kiosk.db")
    for i in range(5):
        when = datetime(2026, 11, 21, 11, i)
        other.submit(
            when.date(),
            lambda n, w=when: DossierCodes("000.00.01.H01", 4).code(w, n),
            lambda code, w=when: (DossierMeta(code, "XX", w, None), b"x" * 3_000),
        )
    shutil.copy(root / "other" / "kiosk.db-wal", root / "foreign-wal")
    other.engine.dispose()
    return root, sealed


def zero_length(d: Path, _root: Path) -> None:
    (d / "kiosk.db").write_bytes(b"")
    (d / "kiosk.db-wal").unlink()


def truncated(d: Path, _root: Path) -> None:
    db = d / "kiosk.db"
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])
    (d / "kiosk.db-wal").unlink()


def header_overwritten(d: Path, _root: Path) -> None:
    _overwrite(d / "kiosk.db", 0, 100)
    (d / "kiosk.db-wal").unlink()


def pages_overwritten(d: Path, _root: Path) -> None:
    db = d / "kiosk.db"
    rng = random.Random(3)
    for page in rng.sample(range(3, db.stat().st_size // 4096), 3):
        _overwrite(db, page * 4096, 4096)
    (d / "kiosk.db-wal").unlink()


def first_page_damaged(d: Path, _root: Path) -> None:
    _overwrite(d / "kiosk.db", 100, 4096 - 100)
    (d / "kiosk.db-wal").unlink()


def wal_garbage(d: Path, _root: Path) -> None:
    wal = d / "kiosk.db-wal"
    wal.write_bytes(random.Random(4).randbytes(wal.stat().st_size))


def foreign_wal(d: Path, root: Path) -> None:
    shutil.copy(root / "foreign-wal", d / "kiosk.db-wal")


def a_folder(d: Path, _root: Path) -> None:
    (d / "kiosk.db").unlink()
    (d / "kiosk.db-wal").unlink()
    (d / "kiosk.db").mkdir()


def _overwrite(path: Path, offset: int, length: int) -> None:
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(random.Random(offset).randbytes(length))


Damage = Callable[[Path, Path], None]
# (damage, what opening says: "damaged" / "unavailable" / None for opens, queued saved at least)
CASES: list[tuple[Damage, str | None, int]] = [
    (zero_length, None, 0),
    (truncated, "damaged", 20),
    (header_overwritten, "damaged", IN_FILE),
    (pages_overwritten, "damaged", IN_FILE - 12),
    (first_page_damaged, "damaged", IN_FILE),
    (wal_garbage, None, IN_FILE),
    (foreign_wal, "damaged", IN_FILE),
    (a_folder, "unavailable", 0),
]


def kiosk(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _setup(template: tuple[Path, dict[str, bytes]], tmp_path: Path, damage: Damage) -> Path:
    root, _ = template
    data = tmp_path / "data"
    shutil.copytree(root / "live", data)
    damage(data, root)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[centre]\nunit_code = "000.00.01.H01"\nkiosk_number = 3\n'
        f'[storage]\ndata_dir = "{data}"\n[logging]\nfile = false\n',
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize(("damage", "said", "saved"), CASES, ids=[c[0].__name__ for c in CASES])
def test_a_damaged_database_is_one_sentence_then_checked_and_salvaged(
    template: tuple[Path, dict[str, bytes]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    damage: Damage,
    said: str | None,
    saved: int,
) -> None:
    _, sealed = template
    config = _setup(template, tmp_path, damage)
    db = tmp_path / "data" / "kiosk.db"
    before = db.read_bytes() if db.is_file() else None

    # What was found: `kiosk sync status` printed a SQLAlchemy traceback for six of these.
    # Opened on a copy: opening a database with a WAL folds the WAL into it.
    shutil.copytree(tmp_path / "data", tmp_path / "opened")
    opened = tmp_path / "opened.toml"
    opened.write_text(
        config.read_text(encoding="utf-8").replace(
            str(tmp_path / "data"), str(tmp_path / "opened")
        ),
        encoding="utf-8",
    )
    status = kiosk(opened, "sync", "status")
    assert "Traceback" not in status.stderr
    if said is None:
        assert status.returncode == 0, status.stderr
    else:
        [line] = [x for x in status.stderr.splitlines() if not x.startswith("{")]
        assert status.returncode == 4
        assert str(tmp_path / "opened" / "kiosk.db") in line
        if said == "damaged":
            assert "is damaged" in line and "kiosk store salvage" in line
        else:
            assert "cannot be opened" in line and "storage.data_dir" in line
        opened_db = tmp_path / "opened" / "kiosk.db"
        assert before is None or opened_db.read_bytes() == before  # kept as it was

    assert main(["--config", str(config), "store", "check"]) == 1
    checked = capsys.readouterr().out
    assert "NOT healthy" in checked
    if damage is a_folder:
        assert "is not a file" in checked
        return
    assert "on 2026-11-20 are not in the database" in checked or said == "damaged"

    assert main(["--config", str(config), "store", "salvage"]) == 0
    report = capsys.readouterr().out
    assert "the damaged file is kept as" in report
    [kept] = [p for p in tmp_path.glob("data/kiosk.db.damaged-*") if p.name[-4:] not in WAL_SHM]
    assert kept.read_bytes() == before
    assert "dossier 70 on 2026-11-20" in report.split("numbering goes on after:")[1]
    store = SqlOutbox.open(db)
    with store.engine.connect() as connection:
        # Queued ones, and sealed boxes whose record was lost (kept as refused, for staff).
        kept_boxes = dict(
            connection.exec_driver_sql("SELECT code, sealed FROM dossier_contents").all()
        )
    assert {q.meta.code for q in store.pending()} <= set(kept_boxes)
    assert len(kept_boxes) >= saved, report
    for code, box in kept_boxes.items():
        assert box == sealed[code]  # still sealed, byte for byte
        assert code.endswith(tuple(f"{n:04d}" for n in range(1, IN_FILE + IN_WAL + 1)))
        assert "-K03" in code  # another kiosk's dossiers (a foreign WAL) are left out
    mark = store.numbering_mark()
    assert mark is not None and mark["dossier"]["2026-11-20"] == 70
    assert kiosk(config, "sync", "status").returncode == 0


def test_salvage_refuses_while_the_kiosk_has_the_database_open(tmp_path: Path) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    store.pending()  # a connection is open, as in the running kiosk
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    salvage = kiosk(config, "store", "salvage")
    assert salvage.returncode == 4 and "Traceback" not in salvage.stderr
    assert "is open in another process" in salvage.stderr
    assert not list(tmp_path.glob("kiosk.db.damaged-*"))


def test_a_healthy_database_checks_healthy(tmp_path: Path) -> None:
    SqlOutbox.open(tmp_path / "kiosk.db", enrol=True).engine.dispose()
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    checked = kiosk(config, "store", "check", "--json")
    assert checked.returncode == 0, checked.stderr
    report = json.loads(checked.stdout)
    assert report["healthy"] and report["problems"] == []
    assert report["numbering"] == {} and report["numbering_origin"] == "enrolled"


def test_the_kiosk_itself_says_the_same_sentence(tmp_path: Path) -> None:
    data = tmp_path / "data"
    SqlOutbox.open(data / "kiosk.db", enrol=True).engine.dispose()
    _overwrite(data / "kiosk.db", 0, 100)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{data}"\n[logging]\nfile = false\n', encoding="utf-8"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(config), "run", "--demo", "--windowed"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert run.returncode == 4 and "Traceback" not in run.stderr
    assert f"The kiosk's database {data / 'kiosk.db'} is damaged" in run.stderr
