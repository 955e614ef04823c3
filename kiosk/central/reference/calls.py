"""The reference centre's side of staff support: calls from kiosks, their acknowledgement,
and the kiosks' audit entries.

- ``POST /v1/calls`` (idempotency key = the call's id): a kiosk's "Gọi nhân viên", with
  the step the citizen was at and the time; recorded once, however often it is sent.  An
  alert the kiosk raises itself adds ``reason`` (``receipt_not_printed``), ``detail`` (the
  printer's reason, ``paper_out``) and the ``dossier_code``: never citizen data.
- ``GET /v1/calls/{id}``: ``{"state": "open" | "acknowledged"}``, the kiosk polls it to
  tell the citizen help is coming.
- ``POST /v1/audit``: a batch of audit entries, kept once per kiosk and number (the
  chain and signatures are checked by the centre's tools, not on receipt).

The staff page (:mod:`kiosk.central.reference.pages`) lists the open calls per kiosk
and acknowledges them.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)

from kiosk.base.dossier import CODE_PATTERN
from kiosk.central import protocol as p
from kiosk.central.reference.models import add_missing_columns
from kiosk.central.reference.transport import Response, error, json_response

MAX_CALL_BODY = 1024
MAX_AUDIT_BODY = 512 * 1024
# The staff list's signature covers this prefix: a catalogue signature never passes for it
# (the kiosk's side: kiosk.staff.directory).
STAFF_LIST_DOMAIN = b"kiosk-staff-list\n"
CALL_ID = re.compile(r"^[0-9a-f]{32}$")
STEP = re.compile(r"^[a-z_]{1,40}$")

_meta = MetaData()
calls = Table(
    "staff_calls",
    _meta,
    Column("call_id", String(32), primary_key=True),
    Column("kiosk_id", String(64), index=True),
    Column("step", String(40)),
    Column("called_at", String(32)),
    Column("received_at", DateTime),
    Column("acknowledged_at", DateTime, nullable=True),
    # An alert the kiosk raised itself (e.g. a receipt that did not print): never citizen data.
    Column("reason", String(40), nullable=True),
    Column("detail", String(40), nullable=True),
    Column("dossier_code", String(40), nullable=True),
)
audit = Table(
    "audit_entries",
    _meta,
    Column("kiosk_id", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("entry", Text),
    Column("received_at", DateTime),
)


@dataclass(frozen=True)
class OpenCall:
    call_id: str
    kiosk_id: str
    step: str
    called_at: str
    reason: str | None = None  # None: a citizen's "Gọi nhân viên"
    detail: str | None = None
    dossier_code: str | None = None


class StaffCalls:
    """Thread-safe: each call is one short transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        _meta.create_all(engine)
        add_missing_columns(engine, _meta)
        self._lock = threading.Lock()
        self.staff_envelope: bytes | None = None

    # The kiosks' API ---------------------------------------------------------------------
    def publish_staff_list(
        self, key: Ed25519PrivateKey, version: str, rows: list[dict[str, Any]]
    ) -> None:
        """Who may sign in on the kiosks: staff IDs, roles, Argon2id PIN hashes, card digests
        (never a name), signed with the centre's catalogue key (``GET /v1/staff``)."""
        data = json.dumps(rows, ensure_ascii=False, sort_keys=True).encode("utf-8")
        signature = key.sign(STAFF_LIST_DOMAIN + version.encode("utf-8") + b"\n" + data)
        self.staff_envelope = json.dumps(
            {"version": version, "staff": p.b64(data), "signature": p.b64(signature)}
        ).encode()

    def handle(
        self, name: str, kiosk_id: str, code: str, headers: dict[str, str], body: bytes
    ) -> Response:
        if name == "call":
            return self._call(kiosk_id, headers.get(p.H_IDEMPOTENCY.lower(), ""), body)
        if name == "call_status":
            return self._status(kiosk_id, code)
        if name == "staff_list":
            return self._staff_list(headers)
        return self._audit(kiosk_id, body)

    def _call(self, kiosk_id: str, call_id: str, body: bytes) -> Response:
        if not CALL_ID.match(call_id):
            return error(400, "bad_idempotency_key", "a call's id: 32 hex digits")
        payload = p.parse_object(body)
        step, called_at = payload.get("step"), payload.get("called_at")
        if not isinstance(step, str) or not STEP.match(step):
            raise p.ProtocolError("step: a step name")
        if not isinstance(called_at, str) or len(called_at) > 32:
            raise p.ProtocolError("called_at: an ISO 8601 time")
        alert = {name: payload.get(name) for name in ("reason", "detail", "dossier_code")}
        for name, value in alert.items():
            pattern = CODE_PATTERN if name == "dossier_code" else STEP  # never free text
            if value is not None and (not isinstance(value, str) or not pattern.match(value)):
                raise p.ProtocolError(f"{name}: a short key ({pattern.pattern})")
        with self._lock, self.engine.begin() as db:
            known = db.execute(select(calls.c.kiosk_id).where(calls.c.call_id == call_id)).first()
            if known is not None:
                if known.kiosk_id != kiosk_id:
                    return error(409, "conflict", "this call id belongs to another kiosk")
                return json_response(200, {"ok": True})
            db.execute(
                insert(calls).values(
                    call_id=call_id,
                    kiosk_id=kiosk_id,
                    step=step,
                    called_at=called_at,
                    received_at=datetime.now(),
                    **alert,
                )
            )
        return json_response(201, {"ok": True})

    def _status(self, kiosk_id: str, call_id: str) -> Response:
        with self.engine.connect() as db:
            row = db.execute(
                select(calls.c.acknowledged_at).where(
                    calls.c.call_id == call_id, calls.c.kiosk_id == kiosk_id
                )
            ).first()
        if row is None:
            return error(404, "no_such_call")
        return json_response(200, {"state": "acknowledged" if row.acknowledged_at else "open"})

    def _staff_list(self, headers: dict[str, str]) -> Response:
        if self.staff_envelope is None:
            return error(404, "no_staff_list")
        etag = '"' + hashlib.sha256(self.staff_envelope).hexdigest()[:32] + '"'
        if headers.get("if-none-match") == etag:
            return Response(304, b"", {"ETag": etag})
        return Response(
            200, self.staff_envelope, {"ETag": etag, "Content-Type": "application/json"}
        )

    def _audit(self, kiosk_id: str, body: bytes) -> Response:
        entries = p.parse_object(body).get("entries")
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("seq"), int) for e in entries
        ):
            raise p.ProtocolError("entries: a list of audit entries")
        now = datetime.now()
        with self._lock, self.engine.begin() as db:
            for entry in entries:
                known = db.execute(
                    select(audit.c.seq).where(
                        audit.c.kiosk_id == kiosk_id, audit.c.seq == entry["seq"]
                    )
                ).first()
                if known is None:
                    db.execute(
                        insert(audit).values(
                            kiosk_id=kiosk_id,
                            seq=entry["seq"],
                            entry=json.dumps(entry, ensure_ascii=False),
                            received_at=now,
                        )
                    )
        return json_response(200, {"ok": True, "received": len(entries)})

    # The staff page ------------------------------------------------------------------------
    def open_calls(self) -> list[OpenCall]:
        with self.engine.connect() as db:
            rows = db.execute(
                select(calls)
                .where(calls.c.acknowledged_at.is_(None))
                .order_by(calls.c.kiosk_id, calls.c.received_at)
            ).all()
        return [
            OpenCall(r.call_id, r.kiosk_id, r.step, r.called_at, r.reason, r.detail, r.dossier_code)
            for r in rows
        ]

    def acknowledge(self, call_id: str) -> bool:
        with self._lock, self.engine.begin() as db:
            done = db.execute(
                update(calls)
                .where(calls.c.call_id == call_id, calls.c.acknowledged_at.is_(None))
                .values(acknowledged_at=datetime.now())
            )
            return bool(done.rowcount)

    def audit_entries(self, kiosk_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as db:
            rows = db.execute(
                select(audit.c.entry).where(audit.c.kiosk_id == kiosk_id).order_by(audit.c.seq)
            ).all()
        return [json.loads(row.entry) for row in rows]


__all__ = ["MAX_AUDIT_BODY", "MAX_CALL_BODY", "OpenCall", "StaffCalls"]
