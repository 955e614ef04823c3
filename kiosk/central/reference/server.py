"""The reference central service: ``kiosk central serve``.

A real HTTP server (loopback by default, TLS optional) with its own SQLite
database, for tests, demos and integrators.  It does what the provincial
system must do for the kiosk to be trustworthy:

- authenticates every request (kiosk credential, timestamp, nonce);
- records each dossier exactly once (idempotency key and dossier code are
  unique; a repeated request gets the first answer back);
- validates, and opens each sealed dossier with its private key to check the
  box was made for that dossier;
- serves the catalogue in a signed envelope.

:class:`FaultPlan` injects latency, errors, throttling, dropped and reset
connections and slow bodies, so the sync worker can be tested against the
network it will meet.  Not a production service: one process, SQLite.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import secrets
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Boolean, Date, DateTime, Integer, LargeBinary, String, Text, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from kiosk.central import protocol as p
from offline_cache.sealing import SealError, open_sealed
from offline_cache.store import make_engine

log = logging.getLogger(__name__)


class _Base(DeclarativeBase):
    pass


class KioskRow(_Base):
    __tablename__ = "kiosks"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class ReceivedDossier(_Base):
    __tablename__ = "received_dossiers"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    procedure_code: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    appointment: Mapped[date | None] = mapped_column(Date, nullable=True)
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    content_sha256: Mapped[str] = mapped_column(String(64))
    id_hash: Mapped[str] = mapped_column(String(64))
    central_ref: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(24), default="received")


class ReceivedRating(_Base):
    __tablename__ = "received_ratings"
    idempotency_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(24))
    procedure_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)


class Heartbeat(_Base):
    __tablename__ = "heartbeats"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    payload: Mapped[str] = mapped_column(Text)


class SeenNonce(_Base):
    __tablename__ = "seen_nonces"
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[int] = mapped_column(Integer, index=True)


@dataclass
class FaultPlan:
    """What goes wrong, per request, at random (seeded for reproducible tests)."""

    latency_s: float = 0.0
    error_rate: float = 0.0  # 503 before doing anything
    throttle_rate: float = 0.0  # 429 with Retry-After
    retry_after_s: int = 1
    drop_rate: float = 0.0  # the request is processed, then the connection closes silently
    reset_rate: float = 0.0  # TCP reset before any processing
    slow_body_s: float = 0.0  # the response body trickles out over this long
    seed: int | None = None
    rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def roll(self, rate: float) -> bool:
        return rate > 0 and self.rng.random() < rate


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def _json(status: int, payload: dict[str, Any], **headers: str) -> Response:
    return Response(status, json.dumps(payload).encode("utf-8"), headers)


def _error(status: int, error: str, detail: str = "") -> Response:
    return _json(status, {"error": error, "detail": detail})


class CentralService:
    """The service's logic, independent of HTTP (``handle`` is called per request)."""

    def __init__(self, data_dir: Path, catalogue: bytes | None = None) -> None:
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(f"sqlite:///{data_dir / 'central.db'}")
        _Base.metadata.create_all(self.engine)  # a reference service: no migrations
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
        self.catalogue_envelope: bytes | None = None
        if catalogue is not None:
            self.publish_catalogue(catalogue)

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
    def register_kiosk(self, kiosk_id: str, credential_path: Path) -> None:
        """Issue a credential: the kiosk's private key goes to ``credential_path``."""
        if not p.KIOSK_ID.match(kiosk_id):
            raise ValueError(f"kiosk id {kiosk_id!r}: letters, digits, '.', '_', '-' only")
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
            session.add(row)
            session.commit()

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

    def open_dossier(self, code: str) -> dict[str, Any]:
        """Decrypt a received dossier (the centre's side; for checks and tests)."""
        with self._sessions() as session:
            row = session.get(ReceivedDossier, code)
            if row is None:
                raise KeyError(code)
            return json.loads(open_sealed(row.sealed, self.seal_key, code.encode("ascii")))

    # Requests ----------------------------------------------------------------------
    def _id_hash(self, id_number: str) -> str:
        return hmac.new(self._lookup_secret, id_number.encode(), hashlib.sha256).hexdigest()

    def authenticate(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> Response | str:
        """The kiosk id, or the refusal (401 unknown/forged/stale/replayed, 403 revoked)."""
        kiosk_id = headers.get(p.H_KIOSK, "")
        with self._sessions() as session:
            row = session.get(KioskRow, kiosk_id) if p.KIOSK_ID.match(kiosk_id) else None
            if row is None:
                return _error(401, "unknown_kiosk")
            if row.revoked:
                return _error(403, "revoked")
            key = Ed25519PublicKey.from_public_bytes(row.public_key)
            if not p.verify_signature(key, headers, method, path, body):
                return _error(401, "bad_signature")
            try:
                stamp = int(headers.get(p.H_TIME, ""))
            except ValueError:
                return _error(401, "bad_timestamp")
            now = int(self.clock())
            if abs(now - stamp) > p.MAX_SKEW_S:
                return _error(401, "stale_request", "check the kiosk's clock")
            session.execute(delete(SeenNonce).where(SeenNonce.at < now - 2 * p.MAX_SKEW_S))
            session.add(SeenNonce(kiosk_id=kiosk_id, nonce=headers.get(p.H_NONCE, "")[:64], at=now))
            try:
                session.commit()
            except IntegrityError:
                return _error(401, "replayed")
        return kiosk_id

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Response:
        auth = self.authenticate(method, path, headers, body)
        if isinstance(auth, Response):
            return auth
        route = path.split("?", 1)[0]
        try:
            if method == "POST" and route == f"{p.API}/dossiers":
                return self._submit(auth, headers, body)
            if (
                method == "POST"
                and route.startswith(f"{p.API}/dossiers/")
                and route.endswith("/status")
            ):
                return self._status(route[len(f"{p.API}/dossiers/") : -len("/status")], body)
            if method == "POST" and route == f"{p.API}/ratings":
                return self._rating(auth, headers, body)
            if method == "POST" and route == f"{p.API}/heartbeat":
                return self._heartbeat(auth, body)
            if method == "GET" and route == f"{p.API}/catalogue":
                return self._catalogue(headers)
        except p.ProtocolError as exc:
            return _error(422, "invalid", str(exc))
        return _error(404, "no_such_endpoint")

    def _submit(self, kiosk_id: str, headers: dict[str, str], body: bytes) -> Response:
        key = headers.get(p.H_IDEMPOTENCY, "")
        if not 16 <= len(key) <= 64:
            return _error(400, "missing_idempotency_key")
        upload = p.parse_dossier_upload(body)
        try:
            content = json.loads(open_sealed(upload.sealed, self.seal_key, upload.code.encode()))
            if content.get("code") != upload.code:
                raise p.ProtocolError("the sealed content names another dossier")
            id_number = str(content["citizen"]["id_number"])
        except (SealError, ValueError, KeyError, TypeError) as exc:
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

    def _status(self, code: str, body: bytes) -> Response:
        id_number = str(p.parse_object(body).get("id_number", ""))
        with self._sessions() as session:
            row = session.get(ReceivedDossier, code.upper())
            # One answer for "no such code" and "not your dossier": no enumeration.
            if row is None or not hmac.compare_digest(row.id_hash, self._id_hash(id_number)):
                return _error(404, "not_found")
            return _json(
                200,
                {
                    "code": row.code,
                    "status": row.status,
                    "appointment": row.appointment.isoformat() if row.appointment else None,
                },
            )

    def _rating(self, kiosk_id: str, headers: dict[str, str], body: bytes) -> Response:
        key = headers.get(p.H_IDEMPOTENCY, "")
        raw = p.parse_object(body)
        if raw.get("level") not in p.RATING_LEVELS:
            raise p.ProtocolError(f"level: expected one of {', '.join(p.RATING_LEVELS)}")
        reason = raw.get("reason_sealed")
        row = ReceivedRating(
            idempotency_key=key or secrets.token_hex(16),
            kiosk_id=kiosk_id,
            level=raw["level"],
            procedure_code=raw.get("procedure_code"),
            reason_sealed=p.unb64(reason, "reason_sealed") if reason else None,
        )
        with self._sessions() as session:
            if session.get(ReceivedRating, row.idempotency_key) is None:
                session.add(row)
                session.commit()
        return _json(201, {"ok": True})

    def _heartbeat(self, kiosk_id: str, body: bytes) -> Response:
        payload = p.parse_object(body)
        with self._sessions() as session:
            session.merge(
                Heartbeat(kiosk_id=kiosk_id, at=datetime.now(), payload=json.dumps(payload))
            )
            session.commit()
        return _json(200, {"server_time": int(self.clock())})

    def _catalogue(self, headers: dict[str, str]) -> Response:
        if self.catalogue_envelope is None:
            return _error(404, "no_catalogue")
        etag = '"' + hashlib.sha256(self.catalogue_envelope).hexdigest()[:32] + '"'
        if headers.get("If-None-Match") == etag:
            return Response(304, b"", {"ETag": etag})
        return Response(
            200, self.catalogue_envelope, {"ETag": etag, "Content-Type": "application/json"}
        )


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive: the kiosk reuses its connection

    def setup(self) -> None:
        super().setup()
        # Headers and body leave in two writes: without TCP_NODELAY, Nagle's algorithm
        # and the client's delayed ACK add 40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("central_request", extra={"fields": {"line": format % args}})

    def _serve(self, method: str) -> None:
        service, faults = self.server.service, self.server.service.faults
        if faults.roll(faults.reset_rate):
            self._reset()
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > p.MAX_BODY:
            self._send(_error(413, "too_large"), close=True)
            return
        body = self.rfile.read(length) if length else b""
        if faults.latency_s:
            time.sleep(faults.latency_s)
        if faults.roll(faults.error_rate):
            self._send(_error(503, "unavailable", "injected fault"))
            return
        if faults.roll(faults.throttle_rate):
            self._send(_error(429, "slow_down"), {"Retry-After": str(faults.retry_after_s)})
            return
        headers = {k: v for k, v in self.headers.items()}
        response = service.handle(method, self.path, headers, body)
        if faults.roll(faults.drop_rate):
            self.close_connection = True  # processed, but the kiosk never hears back
            return
        self._send(response, response.headers)

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout: close() sends RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _send(
        self, response: Response, headers: dict[str, str] | None = None, close: bool = False
    ) -> None:
        self.send_response(response.status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(response.body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        slow = self.server.service.faults.slow_body_s
        if slow and response.body:
            pieces = 10
            step = max(1, len(response.body) // pieces)
            for i in range(0, len(response.body), step):
                self.wfile.write(response.body[i : i + step])
                self.wfile.flush()
                time.sleep(slow / pieces)
        else:
            self.wfile.write(response.body)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    service: CentralService


class RunningCentral:
    """A central service listening on a port, in a background thread."""

    def __init__(
        self,
        service: CentralService,
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.service = service
        self.httpd = _Server((host, port), _Handler)
        self.httpd.service = service
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme = "https" if tls else "http"
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="central-service", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"{self.scheme}://{host!s}:{port}"

    def start(self) -> RunningCentral:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)


__all__ = ["CentralService", "FaultPlan", "Response", "RunningCentral"]
