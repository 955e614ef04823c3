"""The recorded process: a kiosk's store taking dossiers, as the submit journey uses it.

Run with the recorder preloaded (``LD_PRELOAD``): ``python -m
tests.offline_cache.powerloss.writer FOLDER COUNT SEED RECEIPTS``.  After each
dossier commits, its receipt is "printed": the code and the log's size at that
moment go to RECEIPTS (outside the recorded folder: paper is not on the disk).
Between dossiers, now and then, a queue ticket, a dossier sent to the centre (its
content deleted) and a rating, so every kind of write is in the log; the WAL is
checkpointed often, so power cuts also land in checkpoints.
"""

from __future__ import annotations

import json
import os
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import event

from kiosk.base.dossier import DossierCodes, DossierMeta
from offline_cache.outbox import QueuedRating
from offline_cache.store import SqlOutbox

CODES = DossierCodes("000.00.01.H01", 3)
START = datetime(2026, 11, 20, 7, 0)


def id_number(index: int) -> str:
    return f"0010900{index:05d}"


def run(folder: Path, count: int, seed: int, receipts: Path) -> None:
    rng = random.Random(seed)
    log = Path(os.environ["POWERLOSS_LOG"])
    store = SqlOutbox.open(folder / "kiosk.db", enrol=True)
    store.engine.dispose()
    # Checkpoint every few pages rather than every thousand: cuts land in checkpoints too.
    pragmas = ["PRAGMA wal_autocheckpoint=16"]
    if os.environ.get("POWERLOSS_UNSAFE"):  # the control: a store that does not sync
        pragmas.append("PRAGMA synchronous=OFF")

    def connected(dbapi: object, _record: object) -> None:
        for pragma in pragmas:
            dbapi.execute(pragma)  # type: ignore[attr-defined]

    event.listen(store.engine, "connect", connected)
    printed: list[tuple[str, int, str]] = []
    for index in range(count):
        # The last fifth on the next day: numbering starts again, in the same mark file.
        when = START + timedelta(minutes=3 * index) + timedelta(days=index >= count * 4 // 5)
        box = rng.randbytes(rng.randrange(500, 24_000))

        def build(code: str, when: datetime = when, box: bytes = box) -> tuple[DossierMeta, bytes]:
            return DossierMeta(code, "LT-KS-TT-BHYT", when, None), box

        meta = store.submit(
            when.date(), lambda n, w=when: CODES.code(w, n), build, id_number(index)
        )
        printed.append((meta.code, log.stat().st_size, id_number(index)))  # the citizen has it
        store.mark_receipt(meta.code, True, when)
        if rng.random() < 0.3:
            store.next_number("queue-A", when.date())
        if rng.random() < 0.3 and (claim := store.claim_next(when, timedelta(seconds=60))):
            store.mark_sent(claim, when, f"C-{index}")
        if rng.random() < 0.1:
            store.put_rating(QueuedRating(f"rating-{index:06d}", "satisfied", None, None, when))
    store.engine.dispose()
    receipts.write_text(json.dumps(printed), encoding="utf-8")


if __name__ == "__main__":
    folder, count, seed, receipts = sys.argv[1:5]
    run(Path(folder), int(count), int(seed), Path(receipts))
