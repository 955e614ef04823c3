"""The reference central service: ``kiosk central serve``.

A real HTTP server (loopback by default, TLS optional) with its own SQLite
database, for tests, demos and integrators.  It does what the provincial
system must do for the kiosk to be trustworthy:

- authenticates every request: HTTP Message Signatures (RFC 9421, Ed25519) with
  the kiosk's credential, or during the transition the previous ``X-Kiosk-*``
  scheme; a fresh ``created`` time and a nonce never seen before;
- enforces the API's limits (:mod:`kiosk.central.reference.limits`, the HTTP side
  in :mod:`kiosk.central.reference.transport`): lengths before reading, deadlines,
  connections, look-up rates, bounded fields;
- records each dossier exactly once (idempotency key and dossier code are unique;
  a repeated request gets the first answer back), and only from the kiosk whose
  numbering its code uses; ratings once per idempotency key too;
- validates, and opens each sealed dossier with its private key to check the box
  was made for that dossier (HPKE boxes and the older ``KS1`` ones);
- serves the catalogue in a signed envelope.

Anything malformed about an item is answered with a 4xx naming what, which the
kiosk sets aside with that reason; 401/403 are about the kiosk, never the item.
Not a production service: one process, SQLite, rate counters in memory.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.base.dossier import CODE_PATTERN, code_day_and_number
from kiosk.central import protocol as p
from kiosk.central.reference.auth import ROUTES, Admission, Gatekeeper
from kiosk.central.reference.calls import StaffCalls
from kiosk.central.reference.limits import Limits, TokenBuckets, retry_after
from kiosk.central.reference.models import (
    Base,
    Heartbeat,
    KioskRow,
    ReceivedDossier,
    ReceivedRating,
    add_missing_columns,
    make_engine,
)
from kiosk.central.reference.pages import Pages
from kiosk.central.reference.transport import (
    FaultPlan,
    Response,
    RunningCentral,
    error,
    json_response,
)
from offline_cache.numbering import RETENTION_DAYS, Numbers, clean_numbers, merge
from offline_cache.sealing import SealError, open_sealed

log = logging.getLogger(__name__)
_json, _error = json_response, error


class _InvalidContentError(ValueError):
    """Sealed content that does not hold what it must (answered 422 with the reason)."""


class CentralService:
    """The service's logic, independent of HTTP.

    :meth:`admit` is called with the head of a request, before its body is read;
    :meth:`handle` with the whole request (it admits it first when not yet done).
    """

    def __init__(self, data_dir: Path, catalogue: bytes | None = None) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(data_dir / "central.db")
        Base.metadata.create_all(self.engine)  # a reference service: no migrations
        add_missing_columns(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.seal_key = self._key(data_dir / "seal-key.pem", X25519PrivateKey)
        self.catalogue_key = self._key(data_dir / "catalogue-key.pem", Ed25519PrivateKey)
        save_pub = p.save_public_key
        save_pub(self.seal_key.public_key(), data_dir / "seal-public.pem")
        save_pub(self.catalogue_key.public_key(), data_dir / "catalogue-public.pem")
        secret_file = data_dir / "lookup-secret"
        if not secret_file.exists():
            secret_file.touch(mode=0o600)
            secret_file.write_bytes(secrets.token_bytes(32))
        self._lookup_secret = secret_file.read_bytes()
        self.faults = FaultPlan()
        self.clock = time.time
        self._heartbeat_lock = threading.Lock()
        self.gate = Gatekeeper(self._sessions, lambda: self.clock())
        self.limits = Limits()
        self.catalogue_envelope: bytes | None = None
        self.staff_calls = StaffCalls(self.engine)  # staff calls and audit entries
        self.pages = Pages(self)  # plain HTML for the centre's staff (/staff/…)
        if catalogue is not None:
            self.publish_catalogue(catalogue)

    @property
    def limits(self) -> Limits:
        return self._limits

    @limits.setter
    def limits(self, limits: Limits) -> None:
        self._limits = limits
        self._lookups_by_kiosk = TokenBuckets(
            limits.lookups_per_kiosk, limits.lookups_per_kiosk_period_s, limits.max_rate_keys
        )
        self._failed_lookups_by_code = TokenBuckets(
            limits.failed_lookups_per_code,
            limits.failed_lookups_per_code_period_s,
            limits.max_rate_keys,
        )

    @staticmethod
    def _key(path: Path, kind: Any) -> Any:
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, kind):
                raise ValueError(f"{path}: unexpected key type")
            return key
        key = kind.generate()
        p.save_private_key(key, path)
        return key

    # Administration ----------------------------------------------------------------
    def register_kiosk(
        self,
        kiosk_id: str,
        credential_path: Path,
        *,
        unit_code: str | None = None,
        kiosk_number: int | None = None,
    ) -> tuple[str, int]:
        """Issue a credential: the kiosk's private key goes to ``credential_path``.

        The kiosk's numbering (unit code, kiosk number) is read from an id of the form
        ``<unit code>-K<nn>`` unless given; returns it.  Only codes in this numbering
        are accepted from this kiosk.
        """
        if not p.KIOSK_ID.fullmatch(kiosk_id):
            raise ValueError(f"kiosk id {kiosk_id!r}: letters, digits, '.', '_', '-' only")
        numbering = p.KIOSK_NUMBERING.fullmatch(kiosk_id)
        if unit_code is None and numbering:
            unit_code = numbering["unit"]
        if kiosk_number is None and numbering:
            kiosk_number = int(numbering["number"])
        if not unit_code or kiosk_number is None or not 0 <= kiosk_number <= 99:
            raise ValueError(
                f"kiosk {kiosk_id!r}: give its unit code and kiosk number (0–99), or use an "
                "id of the form <unit code>-K<nn>"
            )
        if credential_path.exists():
            key = p.load_ed25519_private(credential_path)
        else:
            key = Ed25519PrivateKey.generate()
            p.save_private_key(key, credential_path)
        public = key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        with self._sessions() as session:
            row = session.get(KioskRow, kiosk_id) or KioskRow(kiosk_id=kiosk_id)
            row.public_key, row.revoked = public, False
            row.unit_code, row.kiosk_number = unit_code.upper(), kiosk_number
            session.add(row)
            session.commit()
        return unit_code.upper(), kiosk_number

    def revoke_kiosk(self, kiosk_id: str) -> None:
        with self._sessions() as session:
            row = session.get(KioskRow, kiosk_id)
            if row:
                row.revoked = True
                session.commit()

    def publish_catalogue(self, catalogue: bytes, version: str | None = None) -> None:
        if version is None:
            version = str(json.loads(catalogue).get("version", ""))
        self.catalogue_envelope = p.sign_catalogue(self.catalogue_key, version, catalogue)

    def received(self) -> list[ReceivedDossier]:
        with self._sessions() as session:
            return list(session.scalars(select(ReceivedDossier).order_by(ReceivedDossier.code)))

    def ratings(self) -> list[ReceivedRating]:
        with self._sessions() as session:
            return list(session.scalars(select(ReceivedRating)))

    def open_dossier(self, code: str) -> dict[str, Any]:
        """Decrypt a received dossier (the centre's side; for checks and tests)."""
        with self._sessions() as session:
            row = session.get(ReceivedDossier, code)
            if row is None:
                raise KeyError(code)
            return json.loads(open_sealed(row.sealed, self.seal_key, code.encode("ascii")))

    # Authentication ----------------------------------------------------------------
    def _id_hash(self, id_number: str) -> str:
        return hmac.new(self._lookup_secret, id_number.encode(), hashlib.sha256).hexdigest()

    def admit(
        self, method: str, target: str, headers: dict[str, str], length: int
    ) -> Admission | Response:
        """Before the body is read: route, length and (RFC 9421) the signature."""
        if self.pages.serves(method, target):  # a person's browser: no kiosk signature
            return self.pages if length <= 4096 else _error(413, "too_large")
        return self.gate.admit(method, target, _lower(headers), length)

    @property
    def accept_legacy_signatures(self) -> bool:
        """Whether kiosks not yet updated (X-Kiosk-* signatures) are still let in."""
        return self.gate.accept_legacy

    @accept_legacy_signatures.setter
    def accept_legacy_signatures(self, accept: bool) -> None:
        self.gate.accept_legacy = accept

    # Requests ----------------------------------------------------------------------
    def handle(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        admission: Admission | None = None,
    ) -> Response:
        headers = _lower(headers)
        if admission is self.pages or (admission is None and self.pages.serves(method, target)):
            return self.pages.handle(method, target)
        if admission is None:
            admitted = self.admit(method, target, headers, len(body))
            if isinstance(admitted, Response):
                return admitted
            admission = admitted
        route = admission.route
        if len(body) > route.max_body:
            return _error(413, "too_large", f"at most {route.max_body} bytes")
        refused = self.gate.finish(admission, method, target, headers, body)
        if refused is not None:
            return refused
        kiosk_id = admission.kiosk_id
        try:
            if route.name == "submit":
                return self._submit(kiosk_id, headers, body)
            if route.name == "status":
                return self._status(kiosk_id, route.code, body)
            if route.name == "rating":
                return self._rating(kiosk_id, headers, body)
            if route.name == "heartbeat":
                return self._heartbeat(kiosk_id, body)
            if route.name in ("call", "call_status", "audit", "staff_list"):
                return self.staff_calls.handle(route.name, kiosk_id, route.code, headers, body)
            return self._catalogue(headers)
        except p.ProtocolError as exc:
            return _error(422, "invalid", str(exc))

    def _idempotency_key(self, headers: dict[str, str]) -> str | None:
        key = headers.get(p.H_IDEMPOTENCY.lower(), "")
        return key if p.IDEMPOTENCY_KEY.fullmatch(key) else None

    def _numbering(self, session: Session, kiosk_id: str) -> tuple[str, int] | None:
        row = session.get(KioskRow, kiosk_id)
        if row is not None and row.unit_code and row.kiosk_number is not None:
            return row.unit_code, row.kiosk_number
        derived = p.KIOSK_NUMBERING.fullmatch(kiosk_id)  # registered before numbering was kept
        return (derived["unit"].upper(), int(derived["number"])) if derived else None

    def _sealed_id_number(self, code: str, sealed: bytes) -> str:
        """The citizen's ID number from the sealed content, or :class:`_InvalidContentError`."""
        try:
            content = json.loads(open_sealed(sealed, self.seal_key, code.encode("ascii")))
        except SealError as exc:
            raise _InvalidContentError(str(exc)) from None
        except (ValueError, RecursionError):
            raise _InvalidContentError("the sealed content is not JSON") from None
        if not isinstance(content, dict):
            raise _InvalidContentError("the sealed content is not a JSON object")
        if content.get("code") != code:
            raise _InvalidContentError("the sealed content names another dossier")
        citizen = content.get("citizen")
        id_number = citizen.get("id_number") if isinstance(citizen, dict) else None
        if not isinstance(id_number, str) or not 1 <= len(id_number) <= 32:
            raise _InvalidContentError("the sealed content has no citizen ID number")
        return id_number

    def _submit(self, kiosk_id: str, headers: dict[str, str], body: bytes) -> Response:
        key = self._idempotency_key(headers)
        if key is None:
            return _error(400, "missing_idempotency_key", "16–64 of A-Z a-z 0-9 _ -")
        upload = p.parse_dossier_upload(body)
        with self._sessions() as session:
            numbering = self._numbering(session, kiosk_id)
        if numbering != p.code_numbering(upload.code):
            return _error(422, "code_not_this_kiosk", "the code is not in this kiosk's numbering")
        try:
            id_number = self._sealed_id_number(upload.code, upload.sealed)
        except _InvalidContentError as exc:
            return _error(422, "sealed_content_invalid", str(exc))
        digest = hashlib.sha256(upload.sealed).hexdigest()
        with self._sessions() as session:
            previous = session.scalar(
                select(ReceivedDossier).where(ReceivedDossier.idempotency_key == key)
            ) or session.get(ReceivedDossier, upload.code)
            if previous is None:
                row = ReceivedDossier(
                    code=upload.code,
                    idempotency_key=key,
                    kiosk_id=kiosk_id,
                    procedure_code=upload.procedure_code,
                    received_at=upload.received_at,
                    appointment=upload.appointment,
                    sealed=upload.sealed,
                    content_sha256=digest,
                    id_hash=self._id_hash(id_number),
                    central_ref=secrets.token_hex(8).upper(),
                )
                session.add(row)
                try:
                    session.commit()
                    return _json(201, {"code": row.code, "central_ref": row.central_ref})
                except IntegrityError:  # the same dossier arrived twice at once
                    session.rollback()
                    previous = session.scalar(
                        select(ReceivedDossier).where(ReceivedDossier.idempotency_key == key)
                    ) or session.get(ReceivedDossier, upload.code)
            assert previous is not None
            same = (
                previous.idempotency_key == key
                and previous.code == upload.code
                and previous.content_sha256 == digest
            )
            if not same:
                return _error(409, "conflict", "this code or key was used for another dossier")
            return _json(200, {"code": previous.code, "central_ref": previous.central_ref})

    def _status(self, kiosk_id: str, code: str, body: bytes) -> Response:
        wait = self._lookups_by_kiosk.take(kiosk_id)
        if wait:
            return _error(429, "rate_limited", "too many look-ups from this kiosk", _after(wait))
        id_number = p.parse_lookup(body)
        code = code.upper()
        if not CODE_PATTERN.fullmatch(code):
            raise p.ProtocolError("code: expected a dossier code")
        # A code that has had too many wrong ID numbers answers 429 to every ID number,
        # the right one too: guessing gets no further and learns nothing.
        wait = self._failed_lookups_by_code.wait_s(code)
        if wait:
            return _error(429, "rate_limited", "too many look-ups of this code", _after(wait))
        with self._sessions() as session:
            row = session.get(ReceivedDossier, code)
            # One answer for "no such code" and "not your dossier": no enumeration.
            if row is None or not hmac.compare_digest(row.id_hash, self._id_hash(id_number)):
                self._failed_lookups_by_code.take(code)
                return _error(404, "not_found")
            return _json(
                200,
                {
                    "code": row.code,
                    "status": row.status,
                    "appointment": row.appointment.isoformat() if row.appointment else None,
                    "payment": self._payment(row),
                },
            )

    def _payment(self, row: ReceivedDossier) -> dict[str, Any] | None:
        """The fee as the dossier states it ("to_pay" or "none", with its amount), "paid"
        once the centre has recorded the payment; None when the dossier does not say."""
        try:
            content = json.loads(open_sealed(row.sealed, self.seal_key, row.code.encode("ascii")))
        except (SealError, ValueError, RecursionError):
            return None
        stated = content.get("payment") if isinstance(content, dict) else None
        if not isinstance(stated, dict) or stated.get("status") not in ("to_pay", "none"):
            return None
        amount = stated.get("amount_vnd")
        amount = amount if isinstance(amount, int) and not isinstance(amount, bool) else None
        if row.paid_at is not None:
            return {"status": "paid", "amount_vnd": amount}
        return {"status": stated["status"], "amount_vnd": amount}

    def record_payment(self, code: str, at: datetime | None = None) -> None:
        """The centre learnt that the fee of ``code`` was paid (its bank's or the counter's
        record): look-ups answer "paid" from now on."""
        with self._sessions() as session:
            row = session.get(ReceivedDossier, code)
            if row is None:
                raise KeyError(code)
            row.paid_at = at or datetime.now()
            session.commit()

    def _rating(self, kiosk_id: str, headers: dict[str, str], body: bytes) -> Response:
        key = self._idempotency_key(headers)
        if key is None:
            return _error(400, "missing_idempotency_key", "16–64 of A-Z a-z 0-9 _ -")
        rating = p.parse_rating(body)
        reason = p.b64(rating.reason_sealed) if rating.reason_sealed else None
        digest = hashlib.sha256(
            json.dumps([kiosk_id, rating.level, rating.procedure_code, reason]).encode()
        ).hexdigest()
        row = ReceivedRating(
            idempotency_key=key,
            kiosk_id=kiosk_id,
            level=rating.level,
            procedure_code=rating.procedure_code,
            reason_sealed=rating.reason_sealed,
            content_sha256=digest,
        )
        with self._sessions() as session:
            previous = session.get(ReceivedRating, key)
            if previous is None:
                session.add(row)
                try:
                    session.commit()
                    return _json(201, {"ok": True})
                except IntegrityError:  # the same rating arrived twice at once
                    session.rollback()
                    previous = session.get(ReceivedRating, key)
            assert previous is not None
            if previous.content_sha256 not in (digest, None):
                return _error(409, "conflict", "this key was used for another rating")
            return _json(200, {"ok": True})

    def _heartbeat(self, kiosk_id: str, body: bytes) -> Response:
        """Keep the newest heartbeat by the kiosk's own ``sent_at``, the numbers at their highest.

        A late copy of an older heartbeat (a retry, a second worker) must not put the fleet
        page back; whatever arrives, the numbering kept is the highest ever seen.
        """
        payload = p.parse_object(body)
        # No clock on the kiosk runs further ahead than a signature is accepted from.
        payload["sent_at"] = _sent_at(payload, limit=self.clock() + p.MAX_SKEW_S)
        with self._heartbeat_lock, self._sessions() as session:  # one read-merge-write at once
            row = session.get(Heartbeat, kiosk_id)
            kept = _stored(row)
            numbering = _last_numbers(session, kiosk_id, kept, payload)
            if row is None:
                row = Heartbeat(kiosk_id=kiosk_id, at=datetime.now(), payload="")
            elif _order(payload) >= _order(kept):
                row.at = datetime.now()
            else:
                payload = kept  # an older heartbeat: only its numbers count
                log.info("heartbeat_out_of_order", extra={"fields": {"kiosk_id": kiosk_id}})
            payload["numbering"] = numbering  # kept: a kiosk that lost its mark gets it back
            row.payload = json.dumps(payload)
            session.add(row)
            session.commit()
        return _json(200, {"server_time": int(self.clock()), "numbering": numbering})

    def _catalogue(self, headers: dict[str, str]) -> Response:
        if self.catalogue_envelope is None:
            return _error(404, "no_catalogue")
        etag = '"' + hashlib.sha256(self.catalogue_envelope).hexdigest()[:32] + '"'
        if headers.get("if-none-match") == etag:
            return Response(304, b"", {"ETag": etag})
        return Response(
            200, self.catalogue_envelope, {"ETag": etag, "Content-Type": "application/json"}
        )


def _stored(row: Heartbeat | None) -> dict[str, Any]:
    try:
        payload = json.loads(row.payload) if row is not None else {}
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _sent_at(payload: dict[str, Any], limit: float) -> float | None:
    """The kiosk's own send time (Unix seconds), at most ``limit``; None: not given."""
    value = payload.get("sent_at")
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        return None
    return min(float(value), limit)  # a NaN fails "> 0"; an infinity becomes the limit


def _order(payload: dict[str, Any]) -> float:
    """Heartbeats compare by their send time; one without a time is the oldest."""
    value = payload.get("sent_at")
    return float(value) if isinstance(value, int | float) else float("-inf")


def _last_numbers(
    session: Session, kiosk_id: str, kept: dict[str, Any], payload: dict[str, Any]
) -> Numbers:
    """The highest numbers seen from this kiosk: every mark it reported, every code it sent.

    Never lowered by a kiosk reporting less (one that lost its data folder) nor by an
    older heartbeat arriving late: the kiosk takes the answer as its high-water mark, so
    its numbers never repeat.  ``kept`` is the stored heartbeat (with every mark so far).
    """
    since = datetime.now() - timedelta(days=RETENTION_DAYS + 1)
    sent: Numbers = {"dossier": {}}
    for code in session.scalars(
        select(ReceivedDossier.code).where(
            ReceivedDossier.kiosk_id == kiosk_id, ReceivedDossier.received_at >= since
        )
    ):
        parsed = code_day_and_number(code)
        if parsed is not None:
            day = parsed[0].isoformat()
            sent["dossier"][day] = max(sent["dossier"].get(day, 0), parsed[1])
    reported = clean_numbers(payload.get("numbering"))
    return merge(clean_numbers(kept.get("numbering")), reported, sent)


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def _after(wait_s: float) -> dict[str, str]:
    return {"Retry-After": retry_after(wait_s)}


__all__ = [
    "ROUTES",
    "Admission",
    "CentralService",
    "FaultPlan",
    "Limits",
    "Response",
    "RunningCentral",
]
