"""The staff relay: staff calls and audit entries to the centre, acknowledgements back.

One thread with its own :class:`~kiosk.central.client.CentralClient` (one client per
thread).  Calls wait in the kiosk's database (``staff_calls``) like dossiers in the
outbox, so a call made offline reaches the centre once the network is back; each is
sent with its id as idempotency key (sent twice, recorded once).  While a call is
open the relay asks the centre every ``poll_s`` whether a staff member acknowledged
it.  Audit entries go in order, in batches, each marked sent once the centre has it.
Every few minutes it fetches the centre's signed staff list (kiosk.staff.directory).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.base.central import Accepted, Refused
from kiosk.base.loop import BackgroundLoop
from kiosk.staff.directory import adopt_list
from offline_cache.staff_store import AuditRow, CallRow, StaffStore

log = logging.getLogger(__name__)

AUDIT_BATCH = 100


def audit_payload(row: AuditRow) -> dict[str, Any]:
    """An entry as the centre receives it: everything needed to check it there."""
    return {
        "seq": row.seq,
        "at": row.at.isoformat(timespec="microseconds"),
        "actor": row.actor,
        "role": row.role,
        "action": row.action,
        "dossier_code": row.dossier_code,
        "detail": row.detail,
        "prev_hash": row.prev_hash,
        "entry_hash": row.entry_hash,
        "signature": row.signature,
        "key_id": row.key_id,
    }


def alert(call: CallRow) -> dict[str, str] | None:
    """What an alert the kiosk raised itself adds to its call (no citizen data: a reason,
    the printer's reason, a dossier code)."""
    if call.reason is None:
        return None
    fields = {"reason": call.reason, "detail": call.detail, "dossier_code": call.dossier_code}
    return {key: value for key, value in fields.items() if value}


class StaffRelay(BackgroundLoop):
    """Sends staff calls and audit entries; ``start`` runs passes on its thread."""

    thread_name = "staff-relay"

    def __init__(
        self,
        store: StaffStore,
        client: Any,  # kiosk.central.client.CentralClient, or a test's stand-in
        *,
        poll_s: float = 2.0,
        idle_s: float = 30.0,
        now: Callable[[], datetime] = datetime.now,
        list_key: Ed25519PublicKey | None = None,
        list_interval_s: float = 300.0,
    ) -> None:
        super().__init__()
        self.store = store
        self.client = client
        self.poll_s = poll_s
        self.idle_s = idle_s
        self.now = now
        # Set by the staff journey: called (from this thread) with a call's id.
        self.sent: Callable[[str], None] = lambda _call_id: None
        self.acknowledged: Callable[[str], None] = lambda _call_id: None
        self.kick_sync: Callable[[], None] = lambda: None  # wakes the dossier sync
        # The centre's staff list, checked every list_interval_s (None: no key configured).
        self.list_key = list_key
        self.list_interval_s = list_interval_s
        self._list_due = 0.0
        self._list_etag: str | None = None

    def run_once(self) -> bool:
        """One pass: send waiting calls, ask about sent ones, send audit entries.

        Returns True while a call is still waiting for a staff member."""
        now = self.now()
        for call in self.store.calls_in("pending"):
            outcome = self.client.send_staff_call(
                call.call_id, call.step, call.called_at.isoformat(timespec="seconds"), alert(call)
            )
            if isinstance(outcome, Accepted):
                self.store.mark_call(call.call_id, "sent", now)
                self.sent(call.call_id)
            elif isinstance(outcome, Refused):
                self.store.mark_call(call.call_id, "refused", now, outcome.reason)
            else:
                self.store.mark_call(call.call_id, "pending", now, str(outcome.reason)[:300])
                break  # offline: try again next pass
        waiting = False
        for call in self.store.calls_in("sent"):
            outcome = self.client.staff_call_status(call.call_id)
            if isinstance(outcome, Accepted) and outcome.payload.get("state") == "acknowledged":
                self.store.mark_call(call.call_id, "acknowledged", now)
                self.acknowledged(call.call_id)
            else:
                waiting = True
        self._send_audit(now)
        if self.list_key is not None and time.monotonic() >= self._list_due:
            self._list_due = time.monotonic() + self.list_interval_s
            self.check_staff_list()
        return waiting or bool(self.store.calls_in("pending"))

    def check_staff_list(self) -> str:
        """Fetch the centre's signed staff list; adopt it when newer and valid."""
        if self.list_key is None:
            return "no key"
        outcome, envelope, etag = self.client.fetch_staff_list(self._list_etag)
        if not isinstance(outcome, Accepted):
            return f"unavailable: {getattr(outcome, 'reason', outcome)}"
        self._list_etag = etag
        if not envelope:
            return "unchanged"
        return adopt_list(self.store, self.list_key, envelope, self.now())

    def _send_audit(self, now: datetime) -> None:
        while rows := self.store.unsent_audit(AUDIT_BATCH):
            outcome = self.client.send_audit([audit_payload(row) for row in rows])
            if not isinstance(outcome, Accepted):
                return
            self.store.mark_audit_sent([row.seq for row in rows], now)
            if len(rows) < AUDIT_BATCH:
                return

    # The thread (kiosk.base.loop) ------------------------------------------------------
    def _pass(self) -> float:
        try:
            waiting = self.run_once()
        except Exception:  # the store or the network hiccupped: keep the thread alive
            log.exception("staff_relay_pass_failed")
            waiting = True
        return self.poll_s if waiting else self.idle_s


__all__ = ["StaffRelay", "alert", "audit_payload"]
