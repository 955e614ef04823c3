"""A damaged database: say what is wrong (``kiosk store check``), save what can be read
(``kiosk store salvage``).

Both work on a copy of the damaged file and its ``-wal``, so the file itself is
never changed by looking at it.  Rows are read one table at a time in rowid order,
with SQLite's own indexes out of the way (``NOT INDEXED``); when a damaged page
breaks the scan, the reader steps over it (ever larger jumps in rowid) and goes on,
so one bad page loses the rows on it, not the table.

Salvage copies into a fresh database (same schema, by the migrations): every
readable dossier record with its outbox entry, the sealed content of every queued
dossier (still sealed: the kiosk cannot open it), the ratings, and the counters;
the numbering's mark becomes the highest of the mark file, the counters and the
numbers in every readable dossier code.  A queued dossier whose sealed content is
lost stays as a refused entry naming why, for staff; one whose record is lost is
listed by code.  Then the damaged files move aside (``kiosk.db.damaged-<time>``)
and the fresh database takes their place.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kiosk.base.dossier import code_day_and_number
from offline_cache.database import make_engine, migrate
from offline_cache.numbering import (
    MARK_FILE,
    NumberingMark,
    Numbers,
    merge,
    numbers_from_rows,
    sync_folder,
)
from offline_cache.outbox import STATES, StoreError

HEADER = b"SQLite format 3\x00"
# What each table holds, as the kiosk's latest schema names it (older files hold fewer).
TABLES = {
    "dossiers": (
        "code",
        "procedure_code",
        "received_at",
        "appointment",
        "submitter_digest",
        "receipt",
        "receipt_at",
    ),
    "dossier_contents": ("code", "sealed", "sealed_sha256"),
    "outbox": (
        "code",
        "state",
        "idempotency_key",
        "attempts",
        "next_attempt_at",
        "lease_token",
        "lease_until",
        "last_error",
        "last_error_at",
        "sent_at",
        "central_ref",
    ),
    "ratings": ("key", "level", "procedure_code", "sealed_reason", "rated_at", "state"),
    "counters": ("name", "day", "value"),
}
_SIDE_FILES = ("-wal", "-shm")


class StoreInUseError(StoreError):
    """Another process (the kiosk, ``kiosk sync run``) has the database open."""


@dataclass
class TableRead:
    rows: list[dict[str, object]] = field(default_factory=list)
    unreadable: int = 0  # damaged stretches stepped over
    error: str | None = None  # the table could not be read at all


@dataclass
class StoreCheck:
    """What ``kiosk store check`` found; ``problems`` are plain sentences."""

    path: Path
    problems: list[str]
    readable: dict[str, int | None]  # rows read per table (None: the table is unreadable)
    mark: Numbers | None
    mark_origin: str

    @property
    def healthy(self) -> bool:
        return not self.problems


@dataclass
class SalvageReport:
    kept_as: Path  # where the damaged file now is
    queued: list[str]  # saved with their sealed content
    sent: int  # records of dossiers the centre already has
    ratings: int
    lost: list[tuple[str, str]]  # (code, what was lost)
    unreadable: int  # damaged stretches stepped over
    numbers: Numbers
    notes: list[str] = field(default_factory=list)
    rekeyed: list[str] = field(default_factory=list)  # outbox entry lost: a new key
    without_record: list[str] = field(default_factory=list)  # sealed box kept, set aside
    left_out: list[str] = field(default_factory=list)  # not this kiosk's numbering


def in_use(path: Path) -> bool:
    """True when another process has the database open (it holds SQLite's shared lock).

    Every connection in WAL mode keeps a shared lock on the database file's lock
    bytes (the "shared" range after ``PENDING_BYTE``) while it is open.
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 510, 0x40000002, os.SEEK_SET)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 510, 0x40000002, os.SEEK_SET)
        return False
    finally:
        os.close(fd)


@contextlib.contextmanager
def _copy(path: Path, with_wal: bool = True, consistent: bool = False) -> Iterator[Path]:
    """The database (and its WAL) copied to a private folder: the original is never touched.

    ``consistent``: through SQLite's backup, read-only, so a kiosk writing meanwhile
    cannot tear the copy; a file SQLite cannot read that way is copied as bytes.
    """
    with tempfile.TemporaryDirectory(prefix="kiosk-store-") as folder:
        copy = Path(folder) / path.name
        copied = False
        if consistent and path.stat().st_size:
            try:
                with (
                    contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as src,
                    contextlib.closing(sqlite3.connect(copy)) as dst,
                ):
                    src.backup(dst)
                copied = True
            except sqlite3.Error:
                copy.unlink(missing_ok=True)
        if copied:
            yield copy
            return
        shutil.copyfile(path, copy)
        wal = path.with_name(path.name + "-wal")
        if with_wal and wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        yield copy


def _first_line(exc: BaseException) -> str:
    return (str(exc).splitlines() or [type(exc).__name__])[0][:200]


def _columns(db: sqlite3.Connection, table: str) -> tuple[str, ...]:
    try:
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
    except sqlite3.Error:
        return TABLES[table]
    return tuple(c for c in TABLES[table] if c in present) or TABLES[table]


def read_table(db: sqlite3.Connection, table: str, batch: int = 200) -> TableRead:
    """Every row of ``table`` that can be read, stepping over damaged pages."""
    result = TableRead()
    columns = _columns(db, table)
    query = (
        f"SELECT rowid, {', '.join(columns)} FROM {table} NOT INDEXED "
        "WHERE rowid > ? ORDER BY rowid LIMIT ?"
    )
    last, size = 0, batch
    while True:
        try:
            rows = db.execute(query, (last, size)).fetchall()
        except sqlite3.Error as exc:
            if size > 1:  # somewhere in this batch: go one row at a time
                size = 1
                continue
            # The row after ``last`` cannot be read: step over it, further each time.
            result.unreadable += 1
            result.error = _first_line(exc)
            rows = []
            for jump in (2**k for k in range(41)):
                try:
                    rows = db.execute(query, (last + jump, 1)).fetchall()
                    break
                except sqlite3.Error:
                    continue
        if not rows:
            return result
        for rowid, *values in rows:
            result.rows.append(dict(zip(columns, values, strict=True)))
            last = rowid
        size = batch


_KEYS = {"counters": ("name", "day"), "ratings": ("key",)}


def _union(newer: TableRead, older: TableRead, table: str) -> TableRead:
    """Rows of both reads, one per key, the newer read's first."""
    key_columns = _KEYS.get(table, ("code",))
    seen = {tuple(row.get(c) for c in key_columns) for row in newer.rows}
    rows = newer.rows + [r for r in older.rows if tuple(r.get(c) for c in key_columns) not in seen]
    error = newer.error if older.error is not None else None
    return TableRead(rows, newer.unreadable + older.unreadable, error)


def _numbers(
    tables: dict[str, TableRead], belongs: Callable[[str], bool] = lambda _code: True
) -> Numbers:
    counters = numbers_from_rows(
        (str(r["name"]), str(r["day"]), int(r["value"]))  # type: ignore[call-overload]
        for r in tables["counters"].rows
        if isinstance(r.get("value"), int) and isinstance(r.get("name"), str)
    )
    codes: Numbers = {"dossier": {}}
    for row in tables["dossiers"].rows:
        if not belongs(str(row.get("code", ""))):
            continue
        parsed = code_day_and_number(str(row.get("code", "")))
        if parsed is not None:
            day = parsed[0].isoformat()
            codes["dossier"][day] = max(codes["dossier"].get(day, 0), parsed[1])
    return merge(counters, codes)


def _rebuilt_header(size: int, page_size: int) -> bytes:
    """SQLite's 100-byte file header (sqlite.org/fileformat2.html §1.3) with the values the
    kiosk's databases always have; the page count from the file's size.  Nothing in it is
    about the data: page 1's own content starts after it."""
    header = bytearray(100)
    header[0:16] = HEADER
    header[16:18] = (1 if page_size == 65536 else page_size).to_bytes(2, "big")
    header[18:24] = bytes([2, 2, 0, 64, 32, 32])  # WAL, no reserved bytes, fixed fractions
    header[24:28] = (1).to_bytes(4, "big")  # change counter
    header[28:32] = (size // page_size).to_bytes(4, "big")
    header[40:44] = (1).to_bytes(4, "big")  # schema cookie
    header[44:48] = (4).to_bytes(4, "big")  # schema format
    header[56:60] = (1).to_bytes(4, "big")  # UTF-8
    header[92:96] = (1).to_bytes(4, "big")  # version-valid-for = change counter
    major, minor, patch = sqlite3.sqlite_version_info
    header[96:100] = (major * 1_000_000 + minor * 1000 + patch).to_bytes(4, "big")
    return bytes(header)


def _repair_header(copy: Path) -> bool:
    """An overwritten header on the copy: write a plausible one; True if SQLite reads it."""
    size = copy.stat().st_size
    for page_size in (4096, 1024, 2048, 8192, 16384, 32768, 65536, 512):
        if size < page_size or size % page_size:
            continue
        with open(copy, "r+b") as fh:
            fh.write(_rebuilt_header(size, page_size))
        if _schema_readable(copy):
            return True
    return False


def _schema_readable(copy: Path) -> bool:
    try:
        with contextlib.closing(sqlite3.connect(copy)) as db:
            db.execute("PRAGMA writable_schema=ON")
            return db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
    except sqlite3.Error:
        return False


def _borrow_schema(copy: Path) -> bool:
    """A damaged first page (the table of contents) on the copy: put in its place the first
    page of a new database made by the same migrations, whose tables start on the same
    pages as in any database the kiosk created (the rows are elsewhere, untouched)."""
    with tempfile.TemporaryDirectory(prefix="kiosk-schema-") as folder:
        fresh = Path(folder) / "fresh.db"
        engine = make_engine(f"sqlite:///{fresh}")
        migrate(engine)
        engine.dispose()
        with contextlib.closing(sqlite3.connect(fresh)) as db:
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            page_size = db.execute("PRAGMA page_size").fetchone()[0]
        first = fresh.read_bytes()[:page_size]
    size = copy.stat().st_size
    if size < page_size:
        return False
    with open(copy, "r+b") as fh:
        fh.write(_rebuilt_header(size, page_size) + first[100:])
    return _schema_readable(copy)


def _read_all(
    copy: Path, repairs: list[str] | None = None
) -> tuple[dict[str, TableRead], str | None]:
    """Every table's readable rows, and why the file could not be opened at all (if so).

    ``repairs`` collects what had to be rebuilt on the copy before it could be read.
    """
    tables = {name: TableRead() for name in TABLES}
    repairs = [] if repairs is None else repairs
    with open(copy, "rb") as fh:
        if fh.read(16) != HEADER and copy.stat().st_size >= 512 and _repair_header(copy):
            repairs.append("the file's header was overwritten (rebuilt on a copy to read it)")
    if not _schema_readable(copy) and copy.stat().st_size >= 512 and _borrow_schema(copy):
        repairs.append(
            "the table of contents (first page) was damaged (a new one was put on a copy)"
        )
    try:
        db = sqlite3.connect(copy)
        try:
            db.execute("PRAGMA query_only=ON")
            # Tolerate a table whose pages are past the end of a truncated file.
            db.execute("PRAGMA writable_schema=ON")
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            for name in TABLES:
                tables[name] = read_table(db, name)
        finally:
            db.close()
    except sqlite3.Error as exc:
        return tables, _first_line(exc)
    return tables, None


def check_store(path: Path) -> StoreCheck:
    """What is wrong with the database at ``path`` (nothing: ``healthy``)."""
    mark_file = NumberingMark(path.parent / MARK_FILE)
    mark = mark_file.read()
    problems: list[str] = []
    readable: dict[str, int | None] = {name: None for name in TABLES}
    if mark is None:
        problems.append(
            f"the numbering's mark ({path.parent / MARK_FILE}) is missing or unreadable: "
            "dossiers are not numbered until the centre answers or `kiosk store enrol` is run"
        )
    if not path.exists():
        problems.append(f"there is no database at {path} (a new one is made at the next start)")
        return StoreCheck(path, problems, readable, mark, mark_file.origin)
    if not path.is_file():
        problems.append(f"{path} is not a file: the kiosk cannot keep its database there")
        return StoreCheck(path, problems, readable, mark, mark_file.origin)
    if path.stat().st_size == 0:
        problems.append(f"{path} is empty (0 bytes): whatever it held is lost")
    repairs: list[str] = []
    with _copy(path, consistent=True) as copy:
        tables, fatal = _read_all(copy, repairs)
        problems.extend(repairs)
        details: list[str] = []
        if fatal is None:
            try:
                with contextlib.closing(sqlite3.connect(copy)) as db:
                    details = [row[0] for row in db.execute("PRAGMA integrity_check(8)")]
            except sqlite3.Error as exc:
                details = [_first_line(exc)]
    with open(path, "rb") as fh:
        header = fh.read(16)
    if fatal is not None:
        problems.append(f"SQLite cannot read {path}: {fatal}")
        if path.stat().st_size and header != HEADER:
            problems.append("the file does not start with SQLite's header: it was overwritten")
    elif details != ["ok"]:
        problems.append(f"SQLite's integrity check fails: {'; '.join(details)}")
    for name, table in tables.items():
        if table.error is None or table.rows:
            readable[name] = len(table.rows)
        if table.error is not None and not table.rows and fatal is None:
            problems.append(f"table {name} cannot be read: {table.error}")
        elif table.unreadable:
            problems.append(f"table {name}: {table.unreadable} damaged stretch(es) skipped")
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size >= 32:
        with open(wal, "rb") as fh:
            magic = int.from_bytes(fh.read(4), "big")
        if magic not in (0x377F0682, 0x377F0683):
            problems.append(f"{wal} is not a WAL file: the changes it held are lost")
    if mark is not None and fatal is None:
        stored = _numbers(tables).get("dossier", {})
        for day, value in sorted(mark.get("dossier", {}).items()):
            if value - stored.get(day, 0) > 1:  # one: a power cut between mark and commit
                problems.append(
                    f"dossiers numbered {stored.get(day, 0) + 1}–{value} on {day} are not in "
                    "the database (lost with it; their receipts may be in citizens' hands)"
                )
    return StoreCheck(path, problems, readable, mark, mark_file.origin)


def _clean_dossier(row: dict[str, object]) -> bool:
    code = row.get("code")
    return (
        isinstance(code, str)
        and 0 < len(code) <= 40
        and code.isprintable()
        and isinstance(row.get("procedure_code"), str)
        and isinstance(row.get("received_at"), str)
    )


def _insert(db: sqlite3.Connection, table: str, row: dict[str, object]) -> None:
    names = [c for c in TABLES[table] if c in row]
    db.execute(
        f"INSERT OR IGNORE INTO {table} ({', '.join(names)}) "
        f"VALUES ({', '.join('?' for _ in names)})",
        [row[c] for c in names],
    )


def _rebuild(
    fresh: Path,
    tables: dict[str, TableRead],
    report: SalvageReport,
    belongs: Callable[[str], bool],
) -> None:
    """Write what was read into a new database made by the migrations."""
    engine = make_engine(f"sqlite:///{fresh}")
    migrate(engine)
    engine.dispose()
    damaged_boxes: set[str] = set()
    contents: dict[str, dict[str, object]] = {}
    for r in tables["dossier_contents"].rows:
        box, digest = r.get("sealed"), r.get("sealed_sha256")
        if not isinstance(box, bytes):
            continue
        if isinstance(digest, str) and hashlib.sha256(box).hexdigest() != digest:
            damaged_boxes.add(str(r["code"]))  # cut short or overwritten: it would not open
            continue
        contents[str(r["code"])] = r
    entries = {str(r["code"]): r for r in tables["outbox"].rows if r.get("state") in STATES}
    now = datetime.now().isoformat(sep=" ", timespec="seconds")
    db = sqlite3.connect(fresh)
    try:
        db.execute("PRAGMA synchronous=FULL")
        with db:
            for row in tables["dossiers"].rows:
                if not _clean_dossier(row):
                    continue
                code = str(row["code"])
                if not belongs(code):  # e.g. from a foreign WAL: not this kiosk's to send
                    report.left_out.append(code)
                    contents.pop(code, None)
                    continue
                entry = dict(entries.get(code) or {})
                state = str(entry.get("state") or "pending")
                if state == "sending":  # the lease died with the file
                    entry.update(state="pending", lease_token=None, lease_until=None)
                    state = "pending"
                if not entry:
                    entry = {"code": code, "state": state, "attempts": 0}
                    entry["idempotency_key"] = secrets.token_hex(16)
                    report.rekeyed.append(code)
                content = contents.pop(code, None)
                if state != "sent" and content is None:
                    entry.update(
                        state="dead",
                        last_error="its sealed content was lost in a damaged database",
                        last_error_at=now,
                    )
                    damaged = code in damaged_boxes
                    what = "sealed content damaged" if damaged else "sealed content unreadable"
                    report.lost.append((code, what))
                _insert(db, "dossiers", row)
                _insert(db, "outbox", entry)
                if content is not None and state != "sent":
                    _insert(db, "dossier_contents", content)
                    report.queued.append(code)
                elif state == "sent":
                    report.sent += 1
            for code in sorted(contents):
                # The record is gone but the sealed box is whole: keep it for staff, refused
                # with the reason (the centre can open it; procedure and time are inside).
                parsed = code_day_and_number(code)
                if parsed is None or not belongs(code):
                    report.lost.append((code, "record unreadable"))
                    continue
                _insert(
                    db,
                    "dossiers",
                    {
                        "code": code,
                        "procedure_code": "unknown",
                        "received_at": f"{parsed[0].isoformat()} 00:00:00.000000",
                        "receipt": "unknown",
                    },
                )
                _insert(
                    db,
                    "outbox",
                    {
                        "code": code,
                        "state": "dead",
                        "idempotency_key": secrets.token_hex(16),
                        "attempts": 0,
                        "last_error": "its record was lost in a damaged database (procedure "
                        "and time unknown here); its sealed content is kept",
                        "last_error_at": now,
                    },
                )
                _insert(db, "dossier_contents", contents[code])
                report.without_record.append(code)
            for row in tables["ratings"].rows:
                if isinstance(row.get("key"), str) and isinstance(row.get("level"), str):
                    _insert(db, "ratings", row)
                    report.ratings += 1
            for name, days in report.numbers.items():
                for day, value in days.items():
                    db.execute(
                        "INSERT OR REPLACE INTO counters (name, day, value) VALUES (?, ?, ?)",
                        (name, day, value),
                    )
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def salvage_store(
    path: Path, now: datetime | None = None, belongs: Callable[[str], bool] | None = None
) -> SalvageReport:
    """Save what can be read of ``path`` into a new database that takes its place.

    ``belongs(code)``: whether a dossier code is in this kiosk's numbering (others,
    from a foreign file, are left out).  Raises :class:`StoreInUseError` when a
    process still has the database open.
    """
    if in_use(path):
        raise StoreInUseError(
            f"{path} is open in another process (the kiosk or `kiosk sync run`): stop it, "
            "then run `kiosk store salvage` again",
            path,
        )
    stamp = (now or datetime.now()).strftime("%Y%m%dT%H%M%S")
    kept_as = path.with_name(f"{path.name}.damaged-{stamp}")
    mark = NumberingMark(path.parent / MARK_FILE)
    with _copy(path) as copy:
        tables, fatal = _read_all(copy)
    if path.with_name(path.name + "-wal").exists():
        # A damaged or foreign WAL can hide what the file itself holds: read both views,
        # the WAL's (newer) first.
        with _copy(path, with_wal=False) as copy:
            older, fatal_older = _read_all(copy)
        tables = {name: _union(tables[name], older[name], name) for name in TABLES}
        fatal = fatal if fatal_older is not None else None
    numbers = merge(mark.read() or {}, _numbers(tables, belongs or (lambda _code: True)))
    report = SalvageReport(kept_as, [], 0, 0, [], 0, numbers)
    report.unreadable = sum(t.unreadable for t in tables.values())
    if fatal is not None:
        report.notes.append(f"SQLite cannot read the file at all ({fatal}): nothing was saved")
    fresh = path.with_name(f".{path.name}.salvage")
    for leftover in (fresh, *(fresh.with_name(fresh.name + s) for s in _SIDE_FILES)):
        leftover.unlink(missing_ok=True)
    _rebuild(fresh, tables, report, belongs or (lambda _code: True))
    # The mark first: whatever happens next, no number is handed out twice.
    mark.write(numbers, mark.origin if mark.read() is not None else "database")
    for suffix in ("", *_SIDE_FILES):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.replace(kept_as.with_name(kept_as.name + suffix))
    fresh.replace(path)
    sync_folder(path.parent)
    return report


__all__ = [
    "SalvageReport",
    "StoreCheck",
    "StoreInUseError",
    "check_store",
    "in_use",
    "read_table",
    "salvage_store",
]
