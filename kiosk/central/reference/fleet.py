"""The fleet page of the reference centre: every kiosk, its last heartbeat, what fails.

``GET /fleet`` (HTML, for the centre's staff) and ``GET /fleet.json`` list the
registered kiosks with the time of their last heartbeat (and whether it is late),
the doctor's failing checks and warnings it carried, and the depth of its queue.
:class:`FleetPages` wraps the central service for the HTTP transport: these two
pages are answered before any kiosk authentication; everything else goes to the
service.  No personal data is on the page: heartbeats carry none.

The reference centre listens on loopback; a real centre puts this page behind its
staff sign-in.  Plain HTML with its own small style sheet (no script, no external
resource), large enough to read from across a room.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from kiosk.central.protocol import key_fingerprint
from kiosk.central.reference.models import Heartbeat, KioskRow
from kiosk.central.reference.transport import Response, json_response

LATE_AFTER = timedelta(minutes=5)
"""Five missed heartbeats at the default interval: the kiosk is off or cut off."""


@dataclass(frozen=True)
class FleetRow:
    kiosk_id: str
    revoked: bool
    last_heartbeat: datetime | None
    version: str = ""
    queue_depth: int | None = None
    failing: dict[str, str] = field(default_factory=dict)
    warnings: dict[str, str] = field(default_factory=dict)

    def late(self, now: datetime) -> bool:
        return self.last_heartbeat is None or now - self.last_heartbeat > LATE_AFTER

    def as_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "kiosk_id": self.kiosk_id,
            "revoked": self.revoked,
            "last_heartbeat": self.last_heartbeat.isoformat(timespec="seconds")
            if self.last_heartbeat
            else None,
            "late": self.late(now),
            "version": self.version,
            "queue_depth": self.queue_depth,
            "failing": self.failing,
            "warnings": self.warnings,
        }


def _queue_depth(payload: dict[str, Any]) -> int | None:
    counts = payload.get("queue")
    if not isinstance(counts, dict):
        return None
    return sum(int(v) for k, v in counts.items() if k != "sent" and isinstance(v, int))


def fleet_rows(service: Any) -> list[FleetRow]:
    """Every registered kiosk, those with failing checks or late first, then by id."""
    rows = []
    with service._sessions() as session:
        beats = {b.kiosk_id: b for b in session.scalars(select(Heartbeat))}
        for kiosk in session.scalars(select(KioskRow).order_by(KioskRow.kiosk_id)):
            beat = beats.get(kiosk.kiosk_id)
            try:
                payload = json.loads(beat.payload) if beat else {}
            except ValueError:
                payload = {}
            doctor = payload.get("doctor") if isinstance(payload.get("doctor"), dict) else {}
            rows.append(
                FleetRow(
                    kiosk.kiosk_id,
                    bool(kiosk.revoked),
                    beat.at if beat else None,
                    str(payload.get("version", ""))[:40],
                    _queue_depth(payload),
                    {str(k): str(v)[:200] for k, v in (doctor.get("failing") or {}).items()},
                    {str(k): str(v)[:200] for k, v in (doctor.get("warnings") or {}).items()},
                )
            )
    now = datetime.now()
    return sorted(rows, key=lambda r: (not (r.failing or r.late(now)), r.kiosk_id))


def approve_kiosk(
    service: Any, kiosk_id: str, public_key_pem: bytes, unit_code: str, kiosk_number: int
) -> None:
    """The centre approves a kiosk that made its own key pair (technician mode's enrolment).

    The technician reads the key's fingerprint from the kiosk's screen; the centre's
    operator checks it against :func:`fingerprint` of what arrived before approving.
    """
    key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("expected an Ed25519 public key")
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    with service._sessions() as session:
        row = session.get(KioskRow, kiosk_id) or KioskRow(kiosk_id=kiosk_id)
        row.public_key, row.revoked = raw, False
        row.unit_code, row.kiosk_number = unit_code.upper(), kiosk_number
        session.add(row)
        session.commit()


_STYLE = """
body{font-family:"Be Vietnam Pro","Noto Sans",sans-serif;margin:2rem;color:#1b1b1b;
font-size:18px;background:#f7f7f5}
h1{font-size:28px;margin:0 0 .25rem}p.sub{margin:0 0 1.5rem;color:#505050}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.6rem .8rem;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#0b4f8a;color:#fff;font-weight:600}
.bad{color:#a4000f;font-weight:600}.warn{color:#8a5a00}.ok{color:#1d6b2f;font-weight:600}
tr.problem{background:#fff3f3}ul{margin:0;padding-left:1.2rem}td:first-child{white-space:nowrap}
"""


def _checks(row: FleetRow) -> str:
    items = [
        f'<li class="bad">{html.escape(k)}: {html.escape(v)}</li>' for k, v in row.failing.items()
    ]
    items += [
        f'<li class="warn">{html.escape(k)}: {html.escape(v)}</li>' for k, v in row.warnings.items()
    ]
    if not items:
        return '<span class="ok">Đạt / OK</span>' if row.last_heartbeat else "—"
    return "<ul>" + "".join(items) + "</ul>"


def render_fleet(rows: list[FleetRow], now: datetime) -> bytes:
    body = []
    for row in rows:
        if row.last_heartbeat is None:
            seen = '<span class="bad">chưa bao giờ / never</span>'
        else:
            minutes = int((now - row.last_heartbeat).total_seconds() // 60)
            text = f"{row.last_heartbeat:%d/%m/%Y %H:%M:%S} ({minutes} min)"
            seen = f'<span class="bad">{text}</span>' if row.late(now) else text
        status = " (thu hồi / revoked)" if row.revoked else ""
        depth = "—" if row.queue_depth is None else str(row.queue_depth)
        problem = ' class="problem"' if row.failing or row.late(now) else ""
        body.append(
            f"<tr{problem}><td>{html.escape(row.kiosk_id)}{status}</td><td>{seen}</td>"
            f"<td>{_checks(row)}</td><td>{depth}</td><td>{html.escape(row.version)}</td></tr>"
        )
    page = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta http-equiv="refresh" content="30">
<title>Ki-ốt tại trung tâm — Kiosks at the centre</title><style>{_STYLE}</style></head>
<body><h1>Ki-ốt tại trung tâm <small>· Kiosks at the centre</small></h1>
<p class="sub">{len(rows)} ki-ốt · cập nhật {now:%d/%m/%Y %H:%M:%S}</p>
<table><thead><tr><th>Ki-ốt / Kiosk</th><th>Tín hiệu cuối / Last heartbeat</th>
<th>Kiểm tra lỗi / Failing checks</th><th>Hàng đợi / Queue</th><th>Phiên bản / Version</th>
</tr></thead><tbody>{"".join(body)}</tbody></table></body></html>"""
    return page.encode("utf-8")


class FleetPages:
    """The central service with the fleet pages in front (give this to ``RunningCentral``)."""

    PATHS = ("/fleet", "/fleet.json")

    def __init__(self, service: Any) -> None:
        self.service = service

    def __getattr__(self, name: str) -> Any:  # faults, limits, … of the service
        return getattr(self.service, name)

    def admit(self, method: str, target: str, headers: dict[str, str], length: int) -> Any:
        path = target.split("?", 1)[0]
        if method == "GET" and path in self.PATHS:
            now = datetime.now()
            rows = fleet_rows(self.service)
            if path == "/fleet.json":
                return json_response(200, {"kiosks": [r.as_dict(now) for r in rows]})
            return Response(
                200, render_fleet(rows, now), {"Content-Type": "text/html; charset=utf-8"}
            )
        return self.service.admit(method, target, headers, length)

    def handle(self, *args: Any, **kwargs: Any) -> Any:
        return self.service.handle(*args, **kwargs)


def fingerprint(public_key_pem: bytes) -> str:
    """The enrolment fingerprint of a kiosk's public key (PEM), as the kiosk showed it."""
    key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("expected an Ed25519 public key")
    return key_fingerprint(key)
