"""What the kiosk and the central service exchange, as values: outcomes and dossier uploads.

The central client (:mod:`kiosk.central.client`) produces these and the sync worker
(:mod:`offline_cache.sync`) acts on them, so they live here, below both:

- :class:`Accepted`: the centre holds it (first time or a repeat);
- :class:`RetryLater`: the network, a timeout, a 5xx or a 429 (with its
  ``Retry-After``): try again after a pause;
- :class:`Refused`: a permanent 4xx about this item (invalid, conflict): it
  goes to the dead-letter state with the reason;
- :class:`KioskRefused`: 401/403: the *kiosk* is refused (unknown, revoked,
  clock off): nothing is wrong with the item, so it stays queued.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


@dataclass(frozen=True)
class Accepted:
    payload: dict[str, Any]
    status: int


@dataclass(frozen=True)
class RetryLater:
    reason: str
    retry_after_s: float | None = None


@dataclass(frozen=True)
class Refused:
    reason: str
    status: int


@dataclass(frozen=True)
class KioskRefused:
    reason: str
    status: int


Outcome = Accepted | RetryLater | Refused | KioskRefused


@dataclass(frozen=True)
class DossierUpload:
    code: str
    procedure_code: str
    received_at: datetime
    appointment: date | None
    sealed: bytes

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "code": self.code,
                "procedure_code": self.procedure_code,
                "received_at": self.received_at.isoformat(timespec="seconds"),
                "appointment": self.appointment.isoformat() if self.appointment else None,
                "sealed": base64.b64encode(self.sealed).decode("ascii"),
            }
        ).encode("utf-8")
