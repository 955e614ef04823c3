"""The kiosk's SQLite database: the engine, its settings, migrations, and what goes wrong.

SQLite settings, chosen for a kiosk that may lose power at any moment:

- ``journal_mode=WAL``: readers (the sync worker, staff screens) never block
  the writer submitting a dossier, and a crash leaves a consistent database;
- ``synchronous=FULL``: a dossier whose receipt was printed must survive a
  power cut, so every commit waits for the WAL to reach the disk (NORMAL could
  lose the last transactions on power loss, acceptable for caches, not here);
- ``foreign_keys=ON``.

The schema is created and upgraded only by Alembic migrations (never
``create_all``), so an upgrade of the kiosk keeps every queued dossier.

A driver error that means the file is damaged or cannot be opened becomes a
:class:`~offline_cache.outbox.StoreError` whose message is one sentence naming the
file and what to do (:func:`store_error`), never a traceback.
"""

from __future__ import annotations

import ast
import errno
import logging
import secrets
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError

from offline_cache.numbering import sync_folder, write_durably
from offline_cache.outbox import StoreDamagedError, StoreError, StoreUnavailableError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
LOOKUP_KEY_FILE = "lookup-key"


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


def head_revision() -> str | None:
    """The newest migration's id, read from the files without importing Alembic.

    None unless the migrations form one line (Alembic then decides, as always).
    """
    parents: dict[str, object] = {}
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        values: dict[str, object] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                    values[target.id] = ast.literal_eval(node.value)
        revision = values.get("revision")
        if not isinstance(revision, str):
            return None
        parents[revision] = values.get("down_revision")
    heads = set(parents) - set(parents.values())
    return heads.pop() if len(heads) == 1 else None


def _at_head(engine: Engine) -> bool:
    head = head_revision()
    if head is None:
        return False
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            return [row[0] for row in rows] == [head]
    except DBAPIError:  # no such table (a new database), or worse: Alembic will say
        return False


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (idempotent)."""
    if revision == "head" and _at_head(engine):
        return  # every start but the first after an upgrade: no need to load Alembic
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
        driver = connection.connection.driver_connection if sqlite else None
        if driver is not None:
            # pysqlite opens a transaction before INSERT/UPDATE/DELETE only: each CREATE,
            # DROP or ALTER would commit on its own, and a power cut in the middle of a
            # migration would leave half a schema ("table dossiers already exists" at every
            # start after).  With its own handling off, one BEGIN covers the whole upgrade.
            driver.isolation_level = None  # type: ignore[union-attr]
        try:
            with connection.begin():
                if driver is not None:
                    connection.exec_driver_sql("BEGIN IMMEDIATE")
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left {len(broken)} dangling rows")
        finally:
            if driver is not None:
                driver.isolation_level = ""  # type: ignore[union-attr]  # pysqlite's default
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def damaged_message(path: Path, detail: str) -> str:
    return (
        f"The kiosk's database {path} is damaged ({detail}); it is kept as it is: run "
        "`kiosk store check` to see what is wrong, then `kiosk store salvage` to move every "
        "readable dossier into a new database."
    )


def unavailable_message(path: Path, detail: str) -> str:
    return (
        f"The kiosk's database {path} cannot be opened ({detail}): storage.data_dir must be "
        "a folder this user can write to."
    )


def store_error(path: Path, exc: BaseException) -> StoreError | None:
    """The damaged or unavailable database behind a driver error (None: another error)."""
    if isinstance(exc, StoreError):
        return exc
    original = getattr(exc, "orig", exc)
    if not isinstance(original, sqlite3.Error):
        return None
    name = str(getattr(original, "sqlite_errorname", ""))
    detail = str(original).splitlines()[0][:200] if str(original) else name
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_IOERR")) or any(
        words in detail for words in ("malformed", "not a database", "disk I/O error")
    ):
        return StoreDamagedError(damaged_message(path, detail), path)
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_READONLY", "SQLITE_PERM")) or (
        "unable to open" in detail or "readonly" in detail
    ):
        return StoreUnavailableError(unavailable_message(path, detail), path)
    return None


def load_lookup_key(path: Path) -> bytes:
    """The kiosk's own 32-byte key (created once, 0600) for submitter hashes."""
    try:
        key = path.read_bytes()
        if len(key) == 32:
            return key
        log.warning("lookup_key_replaced", extra={"fields": {"length": len(key)}})
    except FileNotFoundError:
        pass
    key = secrets.token_bytes(32)
    write_durably(path, key)
    return key


def quick_check(path: Path) -> bool:
    """SQLite's quick check, read-only: it neither replays nor folds the WAL into the file.

    False when a read-only look cannot judge: a rollback journal left by a power cut
    must first be rolled back (by opening for writing).  Raises
    :class:`StoreDamagedError` or :class:`StoreUnavailableError`.
    """
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            lines = [
                line
                for (row,) in db.execute("PRAGMA quick_check(3)")
                for line in str(row).splitlines()
                if not line.startswith("***")  # "*** in database main ***" only introduces
            ]
    except sqlite3.Error as exc:
        if str(getattr(exc, "sqlite_errorname", "")).startswith("SQLITE_READONLY"):
            return False
        raise store_error(path, exc) or exc from None
    if lines != ["ok"]:
        raise StoreDamagedError(damaged_message(path, (lines or ["damaged"])[0][:200]), path)
    return True


def open_checked(path: Path) -> tuple[Engine, bytes]:
    """Create or open, migrate and check the database at ``path``; also the lookup key.

    Raises :class:`StoreDamagedError` (the file is kept as it is) or
    :class:`StoreUnavailableError`.
    """
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            raise IsADirectoryError(errno.EISDIR, "it is a folder")
        new = not path.exists() or path.stat().st_size == 0
        lookup_key = load_lookup_key(folder / LOOKUP_KEY_FILE)
    except OSError as exc:
        detail = exc.strerror or type(exc).__name__
        raise StoreUnavailableError(unavailable_message(path, detail), path) from None
    # Before anything writes: a damaged file is left exactly as it is.
    judged = new or quick_check(path)
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate(engine)
        if not judged:
            quick_check(path)  # the journal is rolled back now
    except (DBAPIError, sqlite3.Error, StoreError) as exc:
        engine.dispose()
        found = store_error(path, exc)
        if found is None:
            raise
        raise found from None
    except RuntimeError as exc:  # a migration that would leave dangling rows
        engine.dispose()
        raise StoreDamagedError(damaged_message(path, str(exc)), path) from None
    if new:
        # SQLite syncs the folder for its WAL, not for a new database file: without
        # this a power cut could take the new file's name, and everything in it.
        sync_folder(folder)
    return engine, lookup_key


__all__ = [
    "LOOKUP_KEY_FILE",
    "damaged_message",
    "make_engine",
    "migrate",
    "open_checked",
    "quick_check",
    "store_error",
    "unavailable_message",
]
