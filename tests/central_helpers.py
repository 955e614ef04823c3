"""A reference central service on loopback and a kiosk talking to it (test helpers)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from kiosk.base.dossier import DossierCodes, DossierMeta
from kiosk.central.client import CentralClient
from kiosk.central.protocol import load_ed25519_private
from kiosk.central.reference.server import CentralService, RunningCentral
from offline_cache.outbox import Outbox
from offline_cache.sealing import seal

KIOSK_ID = "000.00.01.H01-K03"


@dataclass
class Central:
    service: CentralService
    running: RunningCentral
    credential: Path

    def client(self, **kwargs: object) -> CentralClient:
        return CentralClient(
            self.running.url, KIOSK_ID, load_ed25519_private(self.credential), **kwargs
        )


def start_central(root: Path) -> Central:
    service = CentralService(root / "central")
    credential = root / "kiosk-credential.pem"
    service.register_kiosk(KIOSK_ID, credential)
    return Central(service, RunningCentral(service).start(), credential)


def queue_dossiers(
    outbox: Outbox, central: CentralService, count: int, extra: bytes = b""
) -> list[str]:
    """Queue ``count`` dossiers sealed for ``central`` like the kiosk does; returns codes."""
    codes = DossierCodes("000.00.01.H01", 3)
    made = []
    for i in range(count):
        when = datetime(2026, 11, 20, 8, 0, i % 60)

        def build(code: str, i: int = i, when: datetime = when) -> tuple[DossierMeta, bytes]:
            content = {
                "code": code,
                "citizen": {"id_number": f"0010900{i:05d}"},
                "answers": {"n": i, "attachment": extra.hex()},
            }
            box = seal(json.dumps(content).encode(), central.seal_key.public_key(), code.encode())
            return DossierMeta(code, "LT-KS-TT-BHYT", when, date(2026, 11, 25)), box

        made.append(outbox.submit(when.date(), lambda n, w=when: codes.code(w, n), build).code)
    return made
