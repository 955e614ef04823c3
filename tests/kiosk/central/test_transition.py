"""During the transition the centre takes both generations: a kiosk not yet updated (X-Kiosk-*
signature, ``KS1`` box), an updated one (RFC 9421, HPKE box), and an updated kiosk still
sending a ``KS1`` box that waited in its outbox across the update."""

from __future__ import annotations

import json
import time
from datetime import date, datetime

import requests

from kiosk.base.central import Accepted, DossierUpload
from kiosk.central import protocol as p
from offline_cache.sealing import MAGIC, MAGIC_V1, seal
from tests.central_helpers import KIOSK_ID, Central, seal_v1, start_central

ID_NUMBER = "001090012345"


def _upload(central: Central, number: int, old_box: bool) -> DossierUpload:
    code = f"000.00.01.H01-261120-K03{number:04d}"
    content = json.dumps({"code": code, "citizen": {"id_number": ID_NUMBER}}).encode()
    key = central.service.seal_key.public_key()
    box = seal_v1(content, key, code.encode()) if old_box else seal(content, key, code.encode())
    return DossierUpload(code, "CT-TT", datetime(2026, 11, 20, 9), date(2026, 11, 25), box)


def _send_as_before(central: Central, upload: DossierUpload, key: str) -> requests.Response:
    """What a kiosk of the previous version sends: the X-Kiosk-* headers."""
    body = upload.to_json()
    credential = p.load_ed25519_private(central.credential)
    signed = p.sign_headers(credential, KIOSK_ID, "POST", "/v1/dossiers", body, time.time())
    headers = {**signed, p.H_IDEMPOTENCY: key, "Content-Type": "application/json"}
    return requests.post(
        central.running.url + "/v1/dossiers", data=body, headers=headers, timeout=30
    )


def test_both_generations_of_kiosk_and_box_reach_the_centre(tmp_path) -> None:
    central = start_central(tmp_path)
    try:
        before = _upload(central, 1, old_box=True)
        assert before.sealed.startswith(MAGIC_V1)
        first = _send_as_before(central, before, "a" * 32)
        assert first.status_code == 201, first.text
        assert _send_as_before(central, before, "a" * 32).status_code == 200  # a retry
        client = central.client()
        updated = _upload(central, 2, old_box=False)
        assert updated.sealed.startswith(MAGIC)
        waited = _upload(central, 3, old_box=True)  # sealed before the update, sent after
        for upload, key in ((updated, "b" * 32), (waited, "c" * 32)):
            outcome = client.submit_dossier(upload, key)
            assert isinstance(outcome, Accepted) and outcome.status == 201
        for upload in (before, updated, waited):
            assert central.service.open_dossier(upload.code)["code"] == upload.code
            found = client.dossier_status(upload.code, ID_NUMBER)
            assert isinstance(found, Accepted) and found.payload["status"] == "received"
    finally:
        central.running.stop()
