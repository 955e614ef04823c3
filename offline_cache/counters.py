"""Numbering inside the store's write transaction: the counter, then the mark on disk.

The mark file itself (what it holds, why, how it is written) is in
:mod:`offline_cache.numbering`; this is the order that makes it a promise:

1. take SQLite's write lock (:func:`lock_for_write`), so no other process numbers;
2. the next number is ``max(counter, mark) + 1``;
3. the caller builds and inserts the dossier under that number;
4. the mark is raised to the number and synced to disk (the ``reserve`` step);
5. the caller commits.

A failure before 4 uses no number; a power cut between 4 and 5 skips one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from offline_cache.models import CounterRow
from offline_cache.numbering import (
    MARK_FILE,
    NumberingMark,
    NumberingUnknownError,
    Numbers,
    clean_numbers,
    merge,
    numbers_from_rows,
    value_for,
)

log = logging.getLogger(__name__)


def lock_for_write(session: Session) -> None:
    """Start SQLite's write transaction now: no other process numbers until it ends.

    Any write statement takes the lock, even one that changes no row; the mark read
    after it is then the current one.
    """
    session.execute(text("UPDATE counters SET value = value WHERE 0"))


def stored_numbers(session: Session) -> Numbers:
    rows = session.execute(select(CounterRow.name, CounterRow.day, CounterRow.value)).all()
    return numbers_from_rows((name, day, value) for name, day, value in rows)


def settle_numbering(session: Session, mark: NumberingMark, enrol: bool) -> None:
    """At opening: make the mark and the database agree, or leave the mark unknown."""
    lock_for_write(session)
    stored = stored_numbers(session)
    known = mark.read()
    if known is None:
        if enrol:
            mark.write(stored, "enrolled")
            log.info("numbering_enrolled", extra={"fields": {"counters": len(stored)}})
        else:
            log.warning("numbering_unknown", extra={"fields": {"waiting_for": "centre"}})
        return
    raised = merge(known, stored)
    if raised != known:  # the mark file is an older copy: the database knows better
        mark.write(raised, mark.origin)
    missing = sum(
        value - stored.get("dossier", {}).get(day, 0)
        for day, value in known.get("dossier", {}).items()
    )
    if missing > 1:  # one number is a power cut between the mark and the commit
        log.warning("dossier_numbers_not_in_database", extra={"fields": {"count": missing}})


def take_number(
    session: Session, mark: NumberingMark | None, name: str, day: date, required: bool
) -> tuple[int, Callable[[], None]]:
    """The next number of ``name`` on ``day``, and the step that puts its mark on disk.

    The caller uses the number, then calls the step last, just before it commits: a
    failure before it uses up no number; a power cut after it skips one, never
    repeats one.  ``required`` (dossiers): refuse while the mark is unknown.
    Otherwise (queue tickets) an unknown mark falls back to the database's counter.
    Without a mark at all (a bare engine in tests and tools) the database decides.
    """
    lock_for_write(session)
    row = session.get(CounterRow, (name, day), populate_existing=True)
    if row is None:
        row = CounterRow(name=name, day=day, value=0)
        session.add(row)
    number = row.value + 1
    known = mark.read() if mark is not None else None
    if mark is not None and known is None and required:
        raise NumberingUnknownError(
            f"this kiosk does not know where its dossier numbering stands (no {MARK_FILE} "
            "beside its database): it waits for the centre's answer, or run "
            "`kiosk store enrol`"
        )

    def reserve() -> None:
        pass

    if mark is not None and known is not None:
        try:
            number = max(row.value, value_for(known, name, day)) + 1
        except NumberingUnknownError:
            if required:
                raise
        else:

            def reserve() -> None:
                mark.reserve(known, name, day, number)

    row.value = number
    session.flush()
    return number, reserve


def adopt_numbers(
    session: Session, mark: NumberingMark, numbers: Mapping[str, object], origin: str
) -> bool:
    """Raise the mark to ``numbers`` (the centre's); True when that made the mark known."""
    lock_for_write(session)
    known = mark.read()
    merged = merge(known or {}, stored_numbers(session), clean_numbers(numbers))
    if known is None or merged != known:
        mark.write(merged, origin if known is None else mark.origin)
        fields = {"source": origin, "was_known": known is not None}
        log.info("numbering_mark_raised", extra={"fields": fields})
    return known is None


__all__ = ["adopt_numbers", "lock_for_write", "settle_numbering", "stored_numbers", "take_number"]
