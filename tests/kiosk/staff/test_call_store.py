"""The kiosk's own record of staff calls (offline_cache/staff_store.py), on a real
SQLite database."""

from __future__ import annotations

from datetime import datetime

from offline_cache.staff_store import StaffStore


def test_a_withdrawn_call_stays_withdrawn_when_the_relay_reports_it_sent(
    store: StaffStore,
) -> None:
    """The citizen pressed "Quay lại" while the relay was sending the call: the relay's
    answer must not bring it back (the kiosk would then wait for an acknowledgement)."""
    now = datetime(2026, 12, 4, 9, 0)
    store.add_call("c1", "choose_service", now)
    store.mark_call("c1", "withdrawn", now)
    store.mark_call("c1", "sent", now)  # the relay's answer, arriving after the withdrawal
    store.mark_call("c1", "acknowledged", now)
    assert store.call("c1").state == "withdrawn"  # type: ignore[union-attr]
    assert store.calls_in("sent", "pending") == []
    store.add_call("c2", "choose_service", now)  # a call nobody withdrew goes on as before
    store.mark_call("c2", "sent", now)
    assert store.call("c2").state == "sent"  # type: ignore[union-attr]
