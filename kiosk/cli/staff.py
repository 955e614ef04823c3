"""``kiosk staff``: the local staff list a technician manages when the centre's is not there.

- ``kiosk staff list``: staff IDs, roles, whether a card is enrolled, where each came from;
- ``kiosk staff add ID --role staff|technician [--card-number N]``: the PIN is asked twice
  (or read from standard input with ``--pin-stdin``) and stored only as Argon2id; the
  card number only as its SHA-256;
- ``kiosk staff remove ID``;
- ``kiosk staff import FILE``: a staff list the centre signed (verified with
  ``sync.catalogue_public_key``, like the catalogue).

Each change is written to the audit trail as a technician's action.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.runtime.config import ConfigError, KioskConfig

if TYPE_CHECKING:  # imported when run: `kiosk config …` must not pay for SQLAlchemy
    from kiosk.staff.audit import AuditTrail
    from offline_cache.staff_store import StaffStore

DB_FILE = "kiosk.db"


def add_staff_commands(sub: argparse._SubParsersAction) -> None:
    staff = sub.add_parser("staff", help="the local staff list (sign-in when offline)")
    ssub = staff.add_subparsers(dest="staff_command", required=True)
    ssub.add_parser("list", help="who may sign in")
    add = ssub.add_parser("add", help="add or replace a staff member (asks the PIN)")
    add.add_argument("staff_id")
    add.add_argument("--role", choices=("staff", "technician"), default="staff")
    add.add_argument("--card-number", default="", help="their own ID card's 12-digit number")
    add.add_argument("--pin-stdin", action="store_true", help="read the PIN from stdin")
    remove = ssub.add_parser("remove", help="remove a staff member")
    remove.add_argument("staff_id")
    imp = ssub.add_parser("import", help="a staff list signed by the centre")
    imp.add_argument("file", type=Path)


def _technician() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:40]
    except (KeyError, OSError):
        return f"cli:{os.getuid()}"


def _open(config: KioskConfig, root: Path) -> tuple[StaffStore, AuditTrail]:
    from kiosk.staff.audit import HEAD_FILE, AuditTrail
    from kiosk.staff.setup import signing_key
    from kiosk.sync_setup import kiosk_id
    from offline_cache.staff_store import StaffStore

    store = StaffStore.open(root / DB_FILE)
    return store, AuditTrail(store, signing_key(config, root), kiosk_id(config), root / HEAD_FILE)


def record_technician_action(
    config: KioskConfig, root: Path, action: str, dossier_code: str | None = None
) -> None:
    """A technician's command changed something (``kiosk sync retry``): into the trail."""
    store, trail = _open(config, root)
    try:
        trail.record(_technician(), "technician", action, dossier_code)
    finally:
        store.engine.dispose()


def run_staff_command(args: argparse.Namespace, config: KioskConfig, root: Path) -> int:
    from kiosk.staff.directory import StaffListError
    from kiosk.staff.pins import PinError

    store, trail = _open(config, root)
    try:
        return _run(args, config, store, trail)
    except (StaffListError, PinError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        store.engine.dispose()


def _run(
    args: argparse.Namespace, config: KioskConfig, store: StaffStore, trail: AuditTrail
) -> int:
    from kiosk.staff.directory import LOCAL, adopt_list, card_digest, check_staff_id
    from kiosk.staff.pins import PinError, PinHasher
    from kiosk.sync_setup import load_catalogue_key
    from offline_cache.staff_store import AccountRow

    who, now = _technician(), datetime.now()
    command = args.staff_command
    if command == "list":
        rows = store.accounts()
        if not rows:
            print("no staff may sign in yet: kiosk staff add ID, or the centre's list")
        for row in rows:
            card = "card" if row.card_sha256 else "no card"
            print(f"{row.staff_id:16} {row.role:10} {card:8} {row.source}")
        return 0
    if command == "add":
        staff_id = check_staff_id(args.staff_id)
        pin = _read_pin(args.pin_stdin)
        number = args.card_number.strip()
        if number and not (number.isdigit() and len(number) == 12):
            raise PinError("--card-number: the 12 digits of the ID card")
        row = AccountRow(
            staff_id,
            args.role,
            PinHasher().hash(pin),
            card_digest(number) if number else None,
            LOCAL,
        )
        store.put_account(row, now)
        trail.record(who, "technician", "staff_added", target=staff_id, granted=args.role)
        print(f"{staff_id} may sign in ({args.role}{', with their card' if number else ''})")
        return 0
    if command == "remove":
        if not store.remove_account(args.staff_id):
            print(f"{args.staff_id}: not in the list", file=sys.stderr)
            return 1
        trail.record(who, "technician", "staff_removed", target=args.staff_id)
        print(f"{args.staff_id} removed")
        return 0
    key = load_catalogue_key(config)
    if key is None:
        raise ConfigError("sync.catalogue_public_key = '' : expected the centre's signing key")
    outcome = adopt_list(store, key, args.file.read_bytes(), now)
    trail.record(who, "technician", "staff_list_import", outcome=outcome[:60])
    print(outcome)
    return 0 if not outcome.startswith("rejected") else 1


def _read_pin(from_stdin: bool) -> str:
    from kiosk.staff.pins import PinError, check_pin_format

    if from_stdin:
        return check_pin_format(sys.stdin.readline().strip())
    pin = getpass.getpass("PIN (4 to 8 digits): ")
    if getpass.getpass("PIN again: ") != pin:
        raise PinError("the two PINs differ")
    return check_pin_format(pin)


__all__ = ["add_staff_commands", "record_technician_action", "run_staff_command"]
