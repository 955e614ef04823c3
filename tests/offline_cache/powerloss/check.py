"""Record a run, then check the kiosk's store after power cuts anywhere in it."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kiosk.base.dossier import DossierCodes, DossierMeta, code_day_and_number
from offline_cache.numbering import NumberingUnknownError
from offline_cache.store import SqlOutbox
from tests.offline_cache.powerloss.recorder import (
    Disk,
    Event,
    build_shim,
    cuts,
    materialize,
    read_log,
)

ROOT = Path(__file__).resolve().parents[3]
WRITER = "tests.offline_cache.powerloss.writer"


@dataclass(frozen=True)
class Receipt:
    code: str
    printed_at: int  # the log's size when it was printed
    id_number: str


@dataclass
class Recording:
    events: list[Event]
    receipts: list[Receipt]
    seconds: float


def record(work: Path, count: int, seed: int) -> Recording:
    """Run the writer under the recorder: ``count`` dossiers, every write and sync logged."""
    folder, log, receipts = work / "data", work / "log", work / "receipts.json"
    shutil.rmtree(work, ignore_errors=True)
    folder.mkdir(parents=True)
    env = {
        **os.environ,
        "LD_PRELOAD": str(build_shim()),
        "POWERLOSS_DIR": str(folder),
        "POWERLOSS_LOG": str(log),
    }
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", WRITER, str(folder), str(count), str(seed), str(receipts)],
        check=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    printed = [Receipt(*row) for row in json.loads(receipts.read_text(encoding="utf-8"))]
    return Recording(read_log(log), printed, time.monotonic() - started)


@dataclass
class CutResult:
    position: int
    printed: int  # receipts in citizens' hands at the cut
    problems: list[str] = field(default_factory=list)


def _number(code: str) -> tuple[str, int]:
    parsed = code_day_and_number(code)
    assert parsed is not None
    return parsed[0].isoformat(), parsed[1]


def _next_code(store: SqlOutbox, day: str) -> str:
    when = datetime.fromisoformat(day).replace(hour=18)
    codes = DossierCodes("000.00.01.H01", 3)
    meta = store.submit(
        when.date(),
        lambda n: codes.code(when, n),
        lambda code: (DossierMeta(code, "LT-KS-TT-BHYT", when, None), b"after the cut"),
    )
    return meta.code


def check_cut(files: dict[str, bytes], printed: list[Receipt], folder: Path) -> list[str]:
    """What is wrong with the store a cut left (nothing: an empty list)."""
    problems: list[str] = []
    materialize(files, folder)
    try:
        store = SqlOutbox.open(folder / "kiosk.db")
    except Exception as exc:  # the one thing a cut must never do
        return [f"does not open: {exc}"]
    try:
        with store.engine.connect() as connection:
            kept = set(connection.exec_driver_sql("SELECT code FROM dossier_contents").scalars())
        for receipt in printed:
            entry = store.entry(receipt.code)
            if entry is None:
                problems.append(f"{receipt.code}: receipt printed, dossier lost")
            elif entry.state != "sent" and receipt.code not in kept:
                problems.append(f"{receipt.code}: receipt printed, sealed content lost")
        highest: dict[str, int] = {}
        for receipt in printed:
            day, number = _number(receipt.code)
            highest[day] = max(highest.get(day, 0), number)
        for day, number in highest.items():
            try:
                after = _next_code(store, day)
            except NumberingUnknownError:
                problems.append(f"{day}: receipts printed, yet the numbering mark is unknown")
                continue
            if _number(after)[1] <= number:
                problems.append(f"{day}: next number {after} repeats a printed receipt")
    finally:
        store.engine.dispose()
    # The database lost as well (the mark beside it survives): still no repeat.
    for name in ("kiosk.db", "kiosk.db-wal", "kiosk.db-shm"):
        (folder / name).unlink(missing_ok=True)
    if highest:
        lost = SqlOutbox.open(folder / "kiosk.db")
        try:
            for day, number in highest.items():
                try:
                    after = _next_code(lost, day)
                except NumberingUnknownError:
                    problems.append(f"{day}: database lost and the numbering mark with it")
                    continue
                if _number(after)[1] <= number:
                    problems.append(f"{day}: with the database lost, {after} repeats a receipt")
        finally:
            lost.engine.dispose()
    return problems


@dataclass
class Summary:
    dossiers: int
    events: int
    syncs: int
    lost_cuts: int = 0  # every unsynced write lost
    torn_cuts: int = 0  # a random part of the unsynced writes kept
    receipts_checked: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def run_cuts(recording: Recording, work: Path, *, lost_every: int, torn: int, seed: int) -> Summary:
    """Check cuts before every ``lost_every``-th sync (all unsynced writes lost), and ``torn``
    cuts at random syncs that keep a random part of the unsynced writes."""
    events = recording.events
    syncs = sum(1 for e in events if e.kind in "SD")
    summary = Summary(len(recording.receipts), len(events), syncs)
    rng = random.Random(seed)
    torn_at = set(rng.sample(range(syncs + 1), min(torn, syncs + 1)))
    started = time.monotonic()
    for index, (position, disk) in enumerate(cuts(events)):
        printed = [r for r in recording.receipts if r.printed_at <= position]
        variants: list[tuple[str, random.Random | None]] = []
        if index % lost_every == 0 or index == syncs:
            variants.append(("lost", None))
        if index in torn_at:
            variants.append(("torn", random.Random(rng.random())))
        for kind, chance in variants:
            problems = check_cut(_cut(disk, chance), printed, work / "cut")
            summary.receipts_checked += len(printed)
            if kind == "lost":
                summary.lost_cuts += 1
            else:
                summary.torn_cuts += 1
            summary.failures += [f"{kind} cut at byte {position}: {p}" for p in problems]
    summary.seconds = time.monotonic() - started
    return summary


def _cut(disk: Disk, chance: random.Random | None) -> dict[str, bytes]:
    return disk.cut(chance)
