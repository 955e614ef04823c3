"""Power cuts, not just kill -9: the writes not yet synced to disk are lost (or torn).

A process that submits dossiers runs under a recorder (``powerloss/shim.c``, preloaded)
that logs every write and sync in its data folder; the replay rebuilds the folder as a
disk would hold it after a cut anywhere, and the kiosk's store must open it with every
dossier whose receipt was printed, sealed content included, and number on without
repeating a printed code, even with the database lost as well.  The figures in
docs/storage.md come from ``python -m tests.offline_cache.powerloss``.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from tests.offline_cache.powerloss.check import record, run_cuts
from tests.offline_cache.powerloss.recorder import Disk, Event

needs_cc = pytest.mark.skipif(
    shutil.which("cc") is None, reason="the recorder is C: needs build-essential"
)


@needs_cc
@pytest.mark.timeout(300)  # hundreds of cuts replayed: a minute on a loaded 2-core machine
def test_a_power_cut_anywhere_keeps_every_printed_dossier_and_repeats_no_number(
    tmp_path: Path,
) -> None:
    seed = int(os.environ.get("POWERLOSS_SEED", random.randrange(1_000_000)))
    recording = record(tmp_path / "run", 40, seed)
    summary = run_cuts(recording, tmp_path, lost_every=10, torn=12, seed=seed)
    assert summary.lost_cuts >= 30 and summary.torn_cuts == 12
    assert summary.receipts_checked > 500
    assert summary.failures == [], f"seed {seed}"


@needs_cc
def test_the_same_cuts_catch_a_store_that_does_not_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: with ``synchronous=OFF`` printed dossiers are lost, and the check says so."""
    monkeypatch.setenv("POWERLOSS_UNSAFE", "1")
    recording = record(tmp_path / "run", 12, 7)
    summary = run_cuts(recording, tmp_path, lost_every=6, torn=0, seed=7)
    assert any("receipt printed, dossier lost" in f for f in summary.failures)


def _w(ino: int, offset: int, data: bytes) -> Event:
    return Event("W", ino, offset, data)


def test_the_replay_keeps_only_what_was_synced() -> None:
    disk = Disk()
    for event in (
        _w(1, 0, b"committed"),
        Event("S", 1),
        Event("D", names=(("kiosk.db", 1),)),
        _w(1, 9, b" and more"),  # never synced
        _w(2, 0, b"new file"),  # synced, but its name never was
        Event("S", 2),
    ):
        disk.apply(event)
    assert disk.cut() == {"kiosk.db": b"committed"}
    torn = [disk.cut(random.Random(seed))["kiosk.db"] for seed in range(20)]
    assert set(torn) == {b"committed", b"committed and more"}


def test_the_replay_keeps_the_old_file_when_a_rename_was_not_synced() -> None:
    disk = Disk()
    for event in (
        _w(1, 0, b'{"old": 1}'),
        Event("S", 1),
        Event("D", names=(("numbering.json", 1),)),
        _w(2, 0, b'{"new": 2}'),
        Event("S", 2),
        Event("U", 1),  # renamed over: inode 1 may be reused by the next file
        _w(1, 0, b"reused inode"),
    ):
        disk.apply(event)
    assert disk.cut() == {"numbering.json": b'{"old": 1}'}
    disk.apply(Event("D", names=(("numbering.json", 2), ("other", 1))))
    assert disk.cut() == {"numbering.json": b'{"new": 2}', "other": b""}
