"""``python -m tests.offline_cache.powerloss [--dossiers N] [--every K] [--torn T] [--seed S]``

Records N dossiers, then checks a power cut before every K-th sync (every unsynced
write lost) and T cuts keeping a random part of the unsynced writes; prints the
figures for docs/storage.md.  ``--unsafe`` records with ``PRAGMA synchronous=OFF``,
to show the same cuts do catch a store that does not sync.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from tests.offline_cache.powerloss.check import record, run_cuts


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.offline_cache.powerloss")
    parser.add_argument("--dossiers", type=int, default=200)
    parser.add_argument("--every", type=int, default=1, help="check before every K-th sync")
    parser.add_argument("--torn", type=int, default=300, help="cuts keeping part of the rest")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--unsafe", action="store_true", help="record with synchronous=OFF")
    args = parser.parse_args()
    if args.unsafe:
        os.environ["POWERLOSS_UNSAFE"] = "1"
    with tempfile.TemporaryDirectory(prefix="kiosk-powerloss-") as work:
        recording = record(Path(work) / "run", args.dossiers, args.seed)
        summary = run_cuts(
            recording, Path(work), lost_every=args.every, torn=args.torn, seed=args.seed
        )
    print(f"dossiers submitted (receipts printed): {summary.dossiers}")
    print(
        f"recorded: {summary.events} writes, syncs, renames and unlinks in "
        f"{recording.seconds:.1f} s; {summary.syncs} syncs"
    )
    print(f"cuts losing every unsynced write: {summary.lost_cuts}")
    print(f"cuts keeping a random part of them: {summary.torn_cuts}")
    print(f"printed receipts checked across the cuts: {summary.receipts_checked}")
    print(f"problems: {len(summary.failures)}  ({summary.seconds:.0f} s)")
    for failure in summary.failures[:20]:
        print(f"  {failure}")
    return 1 if summary.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
