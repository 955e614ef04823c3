"""``kiosk doctor``: one check per part the kiosk depends on, each failure with a remedy.

:func:`run_checks` runs them in order (devices, disk, database, trust, files, then the
centre, whose heartbeat carries the summary of the others).  Used by the command line,
by technician mode and, light checks only, by the heartbeat.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path

from kiosk import __version__
from kiosk.doctor.centre import check_centre
from kiosk.doctor.checks import LIGHT, LOCAL
from kiosk.doctor.report import CheckResult, DoctorReport, Said, Status, said
from kiosk.runtime.config import KioskConfig

CHECKS = (*LOCAL, "clock", "centre")


def _timed(name: str, run: object, *args: object) -> CheckResult:
    started = time.monotonic()
    try:
        result = run(*args)  # type: ignore[operator]
    except Exception as exc:  # a check's own bug is reported, never a traceback
        result = CheckResult.of(name, Status.FAIL, _check_failed(f"{type(exc).__name__}: {exc}"))
    ms = round((time.monotonic() - started) * 1000)
    return dataclasses.replace(result, duration_ms=ms)


def _check_failed(error: str) -> Said:
    """The check itself broke: the translated sentence, then the error as it was raised."""
    return said("doctor.check_failed", "the check failed: {error}", error=error)


def _queue_counts(path: Path) -> dict[str, int] | None:
    """The outbox by state, read-only (the kiosk may be running): as its heartbeat says."""
    if not path.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            rows = db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
    except sqlite3.Error:
        return None
    return {str(state): int(count) for state, count in rows}


def run_checks(
    config: KioskConfig, data_dir: Path, only: Iterable[str] | None = None
) -> DoctorReport:
    """Run the checks named in ``only`` (default: all of :data:`CHECKS`), in that order."""
    wanted = set(CHECKS if only is None else only)
    results = [
        _timed(name, check, config, data_dir) for name, check in LOCAL.items() if name in wanted
    ]
    if wanted & {"clock", "centre"}:
        partial = DoctorReport(tuple(results))
        payload = {"version": __version__, "doctor": partial.summary()}
        queue = _queue_counts(data_dir / "kiosk.db")
        if queue is not None:  # else the centre's fleet page would lose the queue's depth
            payload["queue"] = queue
        started = time.monotonic()
        try:
            centre, clock = check_centre(config, payload)
        except Exception as exc:
            centre = CheckResult.of("centre", Status.FAIL, _check_failed(str(exc)))
            clock = CheckResult.of("clock", Status.SKIP, said("doctor.not_checked", "not checked"))
        ms = round((time.monotonic() - started) * 1000)
        for result in (clock, centre):
            if result.name in wanted:
                results.append(dataclasses.replace(result, duration_ms=ms))
    return DoctorReport(tuple(results))


__all__ = ["CHECKS", "LIGHT", "CheckResult", "DoctorReport", "Status", "run_checks"]
