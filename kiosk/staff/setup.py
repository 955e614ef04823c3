"""Opening staff mode on a kiosk: the signing key, the audit trail, the desk, the demo staff.

The audit trail is signed with the kiosk's own key, the one its requests to the centre
are signed with (``sync.credential``; in demo mode the credential the demo centre
issued).  A kiosk with neither (a test, a demo without sync) signs with a key of its
own kept in the data folder, ``audit-key.pem``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from kiosk.central.protocol import load_ed25519_private, save_private_key
from kiosk.runtime.config import KioskConfig
from kiosk.staff.audit import HEAD_FILE, AuditTrail
from kiosk.staff.desk import StaffDesk
from kiosk.staff.directory import LOCAL
from kiosk.staff.pins import PinHasher
from offline_cache.staff_store import AccountRow, StaffStore

log = logging.getLogger(__name__)

OWN_KEY = "audit-key.pem"
DEMO_CREDENTIAL = Path("demo-central") / "kiosk-credential.pem"
# The demo's staff, PIN alone (allowed in demo mode): NV001 with PIN 2468 (staff), KT01
# with 13579 (technician).  Hashed once here: each Argon2id hash costs about 0.2 s.
DEMO_STAFF = (
    (
        "NV001",
        "staff",
        "$argon2id$v=19$m=65536,t=3,p=4$W3s8QPEJHg6R1dX5Gye5nA"
        "$OP3YwGYstkAxTPVv0lq/0jc2qluPFecuJKKWQH0duWg",
    ),
    (
        "KT01",
        "technician",
        "$argon2id$v=19$m=65536,t=3,p=4$W494YRlGC+nAFOlTcPs+Lw"
        "$K0MST+qMu2E9GLo0nx56bWQaKNik+FK6cxmXwrK1Lbo",
    ),
)


def key_paths(config: KioskConfig, root: Path) -> list[Path]:
    """Where the kiosk's signing key may be, most preferred first."""
    paths = [Path(config.sync.credential)] if config.sync.credential else []
    return [*paths, root / DEMO_CREDENTIAL, root / OWN_KEY]


def signing_key(config: KioskConfig, root: Path) -> Ed25519PrivateKey:
    for path in key_paths(config, root):
        if path.is_file():
            return load_ed25519_private(path)
    key = Ed25519PrivateKey.generate()
    root.mkdir(parents=True, exist_ok=True)
    save_private_key(key, root / OWN_KEY)
    return key


def open_desk(
    config: KioskConfig,
    root: Path,
    engine: Engine,
    kiosk: str,
    *,
    demo: bool,
    now: Callable[[], datetime] = datetime.now,
    hasher: PinHasher | None = None,
) -> StaffDesk:
    store = StaffStore(engine)
    trail = AuditTrail(store, signing_key(config, root), kiosk, root / HEAD_FILE, now=now)
    if demo and not store.accounts():
        for staff_id, role, pin_hash in DEMO_STAFF:
            store.put_account(AccountRow(staff_id, role, pin_hash, None, LOCAL), now())
    return StaffDesk(
        store,
        trail,
        pin_only=config.centre.staff_pin_only or demo,
        idle_timeout_s=config.session.staff_idle_timeout_s,
        hasher=hasher,
        now=now,
    )


__all__ = ["DEMO_STAFF", "key_paths", "open_desk", "signing_key"]
