"""``kiosk audit verify [--json]`` and ``kiosk audit show``: the staff audit trail.

``verify`` recomputes each entry's hash, checks its signature with the kiosk's key and
follows the chain, and names every entry that was edited, inserted, deleted or moved
(exit status 1), or says the trail is intact (0).  ``show`` lists the entries: staff
IDs, actions, dossier codes; never a citizen's data (the trail holds none).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.runtime.config import KioskConfig

if TYPE_CHECKING:  # imported when run: `kiosk config …` must not pay for SQLAlchemy
    from offline_cache.staff_store import StaffStore

DB_FILE = "kiosk.db"


def add_audit_commands(sub: argparse._SubParsersAction) -> None:
    audit = sub.add_parser("audit", help="the staff audit trail: verify it, list it")
    asub = audit.add_subparsers(dest="audit_command", required=True)
    check = asub.add_parser("verify", help="find edited, inserted, deleted or moved entries")
    check.add_argument("--json", action="store_true")
    show = asub.add_parser("show", help="list the entries (newest last)")
    show.add_argument("--limit", type=int, default=50, help="the last N entries (0: all)")
    show.add_argument("--json", action="store_true")


def run_audit_command(args: argparse.Namespace, config: KioskConfig, root: Path) -> int:
    from offline_cache.staff_store import StaffStore

    store = StaffStore.open(root / DB_FILE)
    try:
        if args.audit_command == "verify":
            return _verify(store, config, root, args.json)
        return _show(store, args.limit, args.json)
    finally:
        store.engine.dispose()


def _verify(store: StaffStore, config: KioskConfig, root: Path, as_json: bool) -> int:
    from kiosk.staff.audit import HEAD_FILE, load_public_keys, read_head, verify
    from kiosk.staff.setup import key_paths
    from kiosk.sync_setup import kiosk_id

    rows = store.audit_entries()
    keys = load_public_keys(key_paths(config, root), kiosk_id(config))
    findings = verify(rows, keys, read_head(root / HEAD_FILE))
    if as_json:
        print(
            json.dumps(
                {
                    "intact": not findings,
                    "entries": len(rows),
                    "findings": [finding.as_dict() for finding in findings],
                },
                ensure_ascii=False,
            )
        )
    elif not findings:
        print(f"audit trail intact: {len(rows)} entries, chain and signatures verified")
    else:
        print(f"audit trail TAMPERED: {len(findings)} problem(s) in {len(rows)} entries")
        for finding in findings:
            print(f"  {finding.kind:10} {finding.message}")
    return 0 if not findings else 1


def _show(store: StaffStore, limit: int, as_json: bool) -> int:
    rows = store.audit_entries(limit or None)
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "seq": r.seq,
                        "at": r.at.isoformat(timespec="seconds"),
                        "actor": r.actor,
                        "role": r.role,
                        "action": r.action,
                        "dossier_code": r.dossier_code,
                        "detail": json.loads(r.detail),
                        "sent": r.sent_at is not None,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
            )
        )
        return 0
    if not rows:
        print("the audit trail is empty")
    for r in rows:
        sent = "sent" if r.sent_at else "waiting"
        print(
            f"{r.seq:6} {r.at:%Y-%m-%d %H:%M:%S} {r.actor:12} {r.role:10} {r.action:18} "
            f"{r.dossier_code or '-':24} {r.detail} ({sent})"
        )
    return 0


__all__ = ["add_audit_commands", "run_audit_command"]
