"""The numbering's high-water mark: a small file that losing the database does not lose.

Dossier codes end in a per-day number (``…-261120-K030017``) that citizens carry
away on their receipts, so a number must never be handed out twice, even when the
database is lost, emptied or replaced by an older copy.  The database's
``counters`` table alone cannot promise that, so the store also keeps, beside the
database, ``numbering.json``: for each counter (``dossier``, ``queue-A``, …) and
each recent day, a number at least as high as any number ever committed.

The order that makes it hold (``SqlOutbox._take_number``): with the database's
write lock held, the next number is ``max(counter, mark) + 1``; the mark is raised
to it and the file synced to disk (the file, then its folder) *before* the
transaction that uses the number commits.  A power cut in between leaves the mark
one ahead: a number is skipped, none is repeated.  The mark is also sent in every
heartbeat; the centre keeps the highest it has seen (with the numbers of the
dossiers it received) and answers with it, so a kiosk whose whole data folder was
lost learns where to go on from.

Until the mark is known (no file: a new kiosk, or a lost folder) dossiers are not
numbered: the centre's answer, or a technician's explicit ``kiosk store enrol``,
makes it known (``docs/storage.md``).  Only recent days are kept
(:data:`RETENTION_DAYS`): the file stays small, and a clock set back further than
that is refused rather than trusted.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

MARK_FILE = "numbering.json"
RETENTION_DAYS = 31
MAX_NUMBER = 1_000_000
_FORMAT = 1

Numbers = dict[str, dict[str, int]]  # counter name -> ISO day -> highest number (or reserved)


class NumberingUnknownError(RuntimeError):
    """Dossiers are not numbered: this kiosk does not know where its numbering stands."""


def clean_numbers(raw: object) -> Numbers:
    """Keep only well-formed entries (from the file or from the centre): name → day → int."""
    numbers: Numbers = {}
    if not isinstance(raw, Mapping):
        return numbers
    for name, days in list(raw.items())[:64]:
        if not isinstance(name, str) or not 0 < len(name) <= 40 or not isinstance(days, Mapping):
            continue
        for day, value in list(days.items())[:400]:
            if not isinstance(day, str) or isinstance(value, bool) or not isinstance(value, int):
                continue
            try:
                date.fromisoformat(day)
            except ValueError:
                continue
            if 0 <= value <= MAX_NUMBER:
                numbers.setdefault(name, {})[day] = value
    return numbers


def merge(*sources: Mapping[str, Mapping[str, int]]) -> Numbers:
    """The highest number of each counter and day over every source, recent days only."""
    merged: Numbers = {}
    for source in sources:
        for name, days in source.items():
            into = merged.setdefault(name, {})
            for day, value in days.items():
                into[day] = max(into.get(day, 0), value)
    return _recent(merged)


def _recent(numbers: Numbers) -> Numbers:
    days = [d for per_name in numbers.values() for d in per_name]
    if not days:
        return {}
    horizon = (date.fromisoformat(max(days)) - timedelta(days=RETENTION_DAYS)).isoformat()
    kept = {
        name: {d: v for d, v in sorted(per_name.items()) if d >= horizon}
        for name, per_name in sorted(numbers.items())
    }
    return {name: per_name for name, per_name in kept.items() if per_name}


def value_for(numbers: Numbers, name: str, day: date) -> int:
    """The mark for one counter and day (0: none handed out that day).

    A day older than the mark's retention cannot be answered: the clock is far behind.
    """
    days = [d for per_name in numbers.values() for d in per_name]
    if days:
        horizon = date.fromisoformat(max(days)) - timedelta(days=RETENTION_DAYS)
        if day < horizon:
            raise NumberingUnknownError(
                f"the kiosk's clock says {day.isoformat()}, more than {RETENTION_DAYS} days "
                f"before the last numbered day {max(days)}: check the clock"
            )
    return numbers.get(name, {}).get(day.isoformat(), 0)


class NumberingMark:
    """The mark file (``numbering.json``): read, raised, written atomically and durably.

    Not locked by itself: writers hold the database's write lock (the store's
    transaction), which also orders them across processes.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._origin = "database"

    def read(self) -> Numbers | None:
        """The mark, or None when there is no file (unknown).  A damaged file is unknown too."""
        try:
            raw = json.loads(self.path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            fields = {"error": type(exc).__name__}
            log.warning("numbering_mark_unreadable", extra={"fields": fields})
            return None
        if not isinstance(raw, dict) or raw.get("format") != _FORMAT:
            log.warning("numbering_mark_unreadable", extra={"fields": {"error": "format"}})
            return None
        self._origin = str(raw.get("origin", "database"))[:20]
        return clean_numbers(raw.get("numbers"))

    @property
    def origin(self) -> str:
        """How the mark became known (``enrolled``, ``centre``, ``database``), as last read."""
        return self._origin

    def write(self, numbers: Mapping[str, Mapping[str, int]], origin: str) -> None:
        """Replace the file atomically: a temporary file, fsync, rename, fsync of the folder."""
        body = json.dumps(
            {
                "format": _FORMAT,
                "origin": origin,
                "updated_at": datetime.now().isoformat(timespec="seconds"),
                "numbers": merge(numbers),
            },
            sort_keys=True,
        ).encode("ascii")
        write_durably(self.path, body)
        self._origin = origin

    def reserve(self, current: Numbers, name: str, day: date, number: int) -> None:
        """Make the mark at least ``number`` for ``name`` and ``day``, on disk, now."""
        if value_for(current, name, day) >= number:
            return
        raised = merge(current, {name: {day.isoformat(): number}})
        self.write(raised, self._origin)


def write_durably(path: Path, body: bytes, mode: int = 0o600) -> None:
    """Write ``path`` so that a power cut leaves either the old or the new content."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()  # left by a crash of this process id
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        view = memoryview(body)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    os.close(fd)
    os.replace(tmp, path)
    sync_folder(path.parent)


def sync_folder(folder: Path) -> None:
    """fsync a folder: a file created or renamed in it survives a power cut."""
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def numbers_from_rows(rows: Iterable[tuple[str, date | str, int]]) -> Numbers:
    """Counter rows (name, day, value) as numbers."""
    numbers: Numbers = {}
    for name, day, value in rows:
        key = day.isoformat() if isinstance(day, date) else str(day)[:10]
        into = numbers.setdefault(str(name), {})
        into[key] = max(into.get(key, 0), int(value))
    return numbers


__all__ = [
    "MARK_FILE",
    "NumberingMark",
    "NumberingUnknownError",
    "Numbers",
    "clean_numbers",
    "merge",
    "numbers_from_rows",
    "sync_folder",
    "value_for",
    "write_durably",
]
