"""``kiosk store …``: the kiosk's database, from a terminal.

- ``check``: what is wrong with it, if anything (exit 1 when something is);
- ``salvage``: save what a damaged one holds into a new one, keep the damaged file;
- ``enrol``: learn where the dossier numbering stands, from the centre (or, with
  ``--offline``, from this kiosk's own database: a new kiosk set up without network).

The kiosk must be stopped for ``salvage``; ``check`` only reads a copy.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kiosk.runtime.config import KioskConfig

DB_FILE = "kiosk.db"


def add_store_commands(sub: argparse._SubParsersAction) -> None:
    store = sub.add_parser("store", help="the kiosk's database: check, salvage, numbering")
    ssub = store.add_subparsers(dest="store_command", required=True)
    check = ssub.add_parser("check", help="say what is wrong with the database, if anything")
    check.add_argument("--json", action="store_true")
    ssub.add_parser(
        "salvage", help="copy what a damaged database holds into a new one (stop the kiosk first)"
    )
    enrol = ssub.add_parser(
        "enrol", help="learn where dossier numbering stands (from the centre, or --offline)"
    )
    enrol.add_argument(
        "--offline",
        action="store_true",
        help="this kiosk has numbered nothing but what its database holds (a new kiosk)",
    )


def _latest(numbers: dict[str, dict[str, int]] | None) -> str:
    if numbers is None:
        return "unknown"
    if not numbers:
        return "nothing numbered yet"
    parts = []
    for name, days in sorted(numbers.items()):
        for day in sorted(days, reverse=True)[:3]:  # the latest days
            parts.append(f"{name} {days[day]} on {day}")
    return ", ".join(parts)


def run_store_command(args: argparse.Namespace, config: KioskConfig, root: Path) -> int:
    # Imported here: `kiosk config …` must not pay for SQLAlchemy.
    from offline_cache.salvage import check_store, salvage_store

    path = root / DB_FILE
    if args.store_command == "check":
        found = check_store(path)
        if args.json:
            print(
                json.dumps(
                    {
                        "path": str(path),
                        "healthy": found.healthy,
                        "problems": found.problems,
                        "readable_rows": found.readable,
                        "numbering": found.mark,
                        "numbering_origin": found.mark_origin if found.mark is not None else None,
                    },
                    ensure_ascii=False,
                )
            )
            return 0 if found.healthy else 1
        print(f"{path}: " + ("healthy" if found.healthy else "NOT healthy"))
        for problem in found.problems:
            print(f"  - {problem}")
        rows = ", ".join(
            f"{name} {'unreadable' if count is None else count}"
            for name, count in found.readable.items()
        )
        print(f"readable rows: {rows}")
        print(f"numbering mark: {_latest(found.mark)}")
        if not found.healthy and path.exists():
            print("to save what can be read: stop the kiosk, then kiosk store salvage")
        return 0 if found.healthy else 1
    if args.store_command == "salvage":
        if not path.is_file():
            print(f"there is no database file at {path}: nothing to salvage")
            return 1
        unit, own = config.centre.unit_code.upper() + "-", f"K{config.centre.kiosk_number:02d}"
        report = salvage_store(
            path, belongs=lambda code: code.startswith(unit) and code[-7:-4] == own
        )
        print(
            f"saved into a new {path}: {len(report.queued)} queued dossier(s) (still sealed), "
            f"{report.sent} record(s) of sent dossiers, {report.ratings} rating(s)"
        )
        for code in report.queued:
            print(f"  queued: {code}")
        if report.without_record:
            print(
                f"{len(report.without_record)} sealed dossier(s) whose record was lost are kept "
                "as refused, for staff (kiosk sync status lists them): "
                + ", ".join(report.without_record[:10])
                + (" …" if len(report.without_record) > 10 else "")
            )
        if report.lost:
            print(f"lost: {len(report.lost)} dossier(s):")
            for code, what in report.lost:
                print(f"  {code}: {what}")
        else:
            print("lost: no dossier record")
        if report.unreadable:
            print(f"damaged stretches stepped over: {report.unreadable}")
        if report.rekeyed:
            print(
                f"{len(report.rekeyed)} dossier(s) lost their outbox entry and go with a new "
                "idempotency key (a centre that already holds one answers 'conflict': staff "
                "then close it): "
                + ", ".join(report.rekeyed[:10])
                + (" …" if len(report.rekeyed) > 10 else "")
            )
        if report.left_out:
            print(f"left out, not in this kiosk's numbering: {', '.join(report.left_out[:10])}")
        for note in report.notes:
            print(f"note: {note}")
        print(f"numbering goes on after: {_latest(report.numbers)}")
        print(f"the damaged file is kept as {report.kept_as}")
        return 0
    return _enrol(args, config, path)


def _enrol(args: argparse.Namespace, config: KioskConfig, path: Path) -> int:
    from offline_cache.store import SqlOutbox

    outbox = SqlOutbox.open(path)
    before = outbox.numbering_mark()
    if args.offline:
        if before is not None:
            print(f"the numbering is already known: {_latest(before)}; nothing to do")
            return 0
        outbox.adopt_numbering({}, "enrolled")
        print(f"numbering starts from this kiosk's database: {_latest(outbox.numbering_mark())}")
        return 0
    from kiosk.base.central import Accepted
    from kiosk.sync_setup import make_client, make_worker

    worker = make_worker(config, outbox, make_client(config))
    outcome = worker.heartbeat()
    if not isinstance(outcome, Accepted):
        print(f"the centre did not answer: {getattr(outcome, 'reason', outcome)}")
        return 3
    if not isinstance(outcome.payload.get("numbering"), dict):
        print(
            "the centre's answer has no numbering for this kiosk; if this kiosk is new, "
            "run: kiosk store enrol --offline"
        )
        return 1
    print(f"numbering (from the centre and this kiosk): {_latest(outbox.numbering_mark())}")
    return 0


__all__ = ["add_store_commands", "run_store_command"]
