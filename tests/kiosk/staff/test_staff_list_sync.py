"""The staff list comes from the centre, signed like the catalogue: the relay adopts a
newer signed list over the real API, keeps the local list's people, and refuses a list
signed by another key."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.staff.directory import LOCAL, card_digest
from kiosk.staff.pins import PinHasher
from kiosk.staff.relay import StaffRelay
from offline_cache.staff_store import AccountRow, StaffStore
from tests.central_helpers import start_central


def test_the_relay_adopts_the_centres_signed_staff_list(tmp_path: Path) -> None:
    central = start_central(tmp_path)
    try:
        store = StaffStore.open(tmp_path / "kiosk.db")
        hasher = PinHasher(time_cost=1, memory_kib=1024, parallelism=1)
        store.put_account(
            AccountRow("KT09", "technician", hasher.hash("97531"), None, LOCAL), datetime.now()
        )
        key = central.service.catalogue_key
        rows = [
            {
                "staff_id": "NV200",
                "role": "staff",
                "pin_hash": hasher.hash("2468"),
                "card_sha256": card_digest("079090001234"),
            }
        ]
        relay = StaffRelay(store, central.client(), list_key=key.public_key())
        assert relay.check_staff_list().startswith("unavailable")  # none published yet
        central.service.staff_calls.publish_staff_list(key, "2026.12.04", rows)
        assert relay.check_staff_list() == "updated to 2026.12.04"
        assert relay.check_staff_list() == "unchanged"  # 304: the same envelope
        by_id = {row.staff_id: row for row in store.accounts()}
        assert set(by_id) == {"NV200", "KT09"}
        assert by_id["NV200"].source == "centre" and by_id["KT09"].source == LOCAL
        assert store.account_by_card(card_digest("079090001234")) is not None
        # A list signed by another key is never used.
        forger = Ed25519PrivateKey.generate()
        central.service.staff_calls.publish_staff_list(forger, "2026.12.05", [])
        assert "signature does not match" in relay.check_staff_list()
        assert {row.staff_id for row in store.accounts()} == {"NV200", "KT09"}
    finally:
        central.running.stop()
