"""Who may call what at the reference centre: routes, and the signatures that let a request in.

:meth:`Gatekeeper.admit` runs on the head of a request, before its body is read: the route,
the length against that route's cap, and the signature.  An RFC 9421 signature covers the
body's digest rather than the body, so it is checked in full there: a stranger cannot make
the centre read a large body.  The previous ``X-Kiosk-*`` scheme signs the body itself: the
kiosk, the time and the nonce's form are checked on the head, the signature once the body
is in (:meth:`Gatekeeper.finish`).  401 is about the kiosk (unknown, forged, stale,
replayed), 403 a revoked credential: the kiosk keeps its items queued for both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.central import protocol as p
from kiosk.central import signatures as sig
from kiosk.central.reference.models import KioskRow, SeenNonce
from kiosk.central.reference.transport import Response, error


@dataclass(frozen=True)
class Route:
    name: str
    max_body: int
    idempotent: bool = False  # an Idempotency-Key is required, and signed
    code: str = ""  # the dossier code in the path


# Every route the centre serves: (method, path, name, body cap, needs an idempotency key).
# docs/openapi.json documents exactly these (tests/kiosk/central/test_openapi.py).
ROUTES = (
    ("POST", f"{p.API}/dossiers", "submit", p.MAX_BODY, True),
    ("POST", f"{p.API}/dossiers/{{code}}/status", "status", p.MAX_LOOKUP_BODY, False),
    ("POST", f"{p.API}/ratings", "rating", p.MAX_RATING_BODY, True),
    ("POST", f"{p.API}/heartbeat", "heartbeat", p.MAX_HEARTBEAT_BODY, False),
    ("GET", f"{p.API}/catalogue", "catalogue", 0, False),
    # Staff support (kiosk.central.reference.calls): a call, its state, audit entries.
    ("POST", f"{p.API}/calls", "call", 1024, True),
    ("GET", f"{p.API}/calls/{{code}}", "call_status", 0, False),
    ("POST", f"{p.API}/audit", "audit", 512 * 1024, False),
    ("GET", f"{p.API}/staff", "staff_list", 0, False),
)


def find_route(method: str, target: str) -> Route | None:
    path = target.split("?", 1)[0]
    for route_method, template, name, max_body, idempotent in ROUTES:
        if route_method != method:
            continue
        before, marker, after = template.partition("{code}")
        if not marker:
            if path == template:
                return Route(name, max_body, idempotent)
            continue
        fits = path.startswith(before) and path.endswith(after)
        code = path[len(before) : len(path) - len(after)] if fits else ""
        if code and "/" not in code:
            return Route(name, max_body, idempotent, code)
    return None


@dataclass(frozen=True)
class Admission:
    """A request let in before its body is read: its route and who sent it."""

    route: Route
    kiosk_id: str
    public_key: Ed25519PublicKey
    rfc9421: bool


class Gatekeeper:
    """Thread-safe: every check opens its own database session."""

    def __init__(self, sessions: Callable[[], Session], clock: Callable[[], float]) -> None:
        self._sessions = sessions
        self._clock = clock
        # Kiosks not yet updated still sign with X-Kiosk-* headers; turn off once none do.
        self.accept_legacy = True
        self._nonces_purged_at = 0

    def admit(
        self, method: str, target: str, headers: dict[str, str], length: int
    ) -> Admission | Response:
        """Before the body is read (``headers`` with lower-case names)."""
        route = find_route(method, target)
        if route is None:
            return error(404, "no_such_endpoint")
        if length > route.max_body:
            return error(413, "too_large", f"at most {route.max_body} bytes")
        if "signature-input" in headers or "signature" in headers:
            return self._admit_rfc9421(method, target, headers, route)
        if p.H_SIG.lower() in headers:
            if not self.accept_legacy:
                return error(401, "bad_signature", "sign with RFC 9421: update the kiosk")
            return self._admit_legacy(headers, route)
        return error(401, "bad_signature", "the request is not signed")

    def finish(
        self, admission: Admission, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> Response | None:
        """With the body in: its digest (RFC 9421) or the whole signature (legacy)."""
        if admission.rfc9421:
            if not sig.digest_matches(headers.get("content-digest", ""), body):
                return error(401, "bad_digest", "the body is not the one signed")
            return None
        if not p.verify_signature(admission.public_key, headers, method, target, body):
            return error(401, "bad_signature")
        with self._sessions() as session:
            return self._spend_nonce(
                session, admission.kiosk_id, headers.get(p.H_NONCE.lower(), "")
            )

    def _kiosk(self, session: Session, kiosk_id: object) -> KioskRow | Response:
        row = None
        if isinstance(kiosk_id, str) and p.KIOSK_ID.fullmatch(kiosk_id):
            row = session.get(KioskRow, kiosk_id)
        if row is None:
            return error(401, "unknown_kiosk")
        if row.revoked:
            return error(403, "revoked")
        return row

    def _fresh(self, created: object) -> Response | None:
        if not isinstance(created, int) or isinstance(created, bool):
            return error(401, "bad_timestamp")
        if abs(int(self._clock()) - created) > p.MAX_SKEW_S:
            return error(401, "stale_request", "check the kiosk's clock")
        return None

    def _admit_rfc9421(
        self, method: str, target: str, headers: dict[str, str], route: Route
    ) -> Admission | Response:
        try:
            signed = sig.read_signature(sig.Message(method, target, headers))
            keyid, created = signed.param("keyid", str), signed.param("created", int)
            nonce, alg = signed.param("nonce", str), signed.param("alg", str)
            expires: Any = signed.param("expires", int)
        except sig.SignatureError as exc:
            return error(401, "bad_signature", str(exc)[:200])
        required = {"@method", "@path", "@query", "content-digest"}
        if route.idempotent:
            required.add("idempotency-key")
        if missing := sorted(required - set(signed.components)):
            return error(401, "bad_signature", f"the signature must cover {', '.join(missing)}")
        if alg not in (None, sig.ALG):
            return error(401, "bad_signature", "alg: expected ed25519")
        with self._sessions() as session:
            row = self._kiosk(session, keyid)
            if isinstance(row, Response):
                return row
            key = Ed25519PublicKey.from_public_bytes(row.public_key)
            if not signed.verify(key):
                return error(401, "bad_signature")
            refused = self._fresh(created)
            if refused is None and expires is not None and expires < self._clock():
                refused = error(401, "stale_request", "the signature has expired")
            if refused is None:
                refused = self._spend_nonce(session, row.kiosk_id, nonce)
            if refused is not None:
                return refused
            return Admission(route, row.kiosk_id, key, rfc9421=True)

    def _admit_legacy(self, headers: dict[str, str], route: Route) -> Admission | Response:
        """The X-Kiosk-* scheme: who and when now; the signature once the body is in."""
        with self._sessions() as session:
            row = self._kiosk(session, headers.get(p.H_KIOSK.lower(), ""))
            if isinstance(row, Response):
                return row
            key = Ed25519PublicKey.from_public_bytes(row.public_key)
            stamp = headers.get(p.H_TIME.lower(), "")
            refused = self._fresh(int(stamp) if stamp.isdigit() and len(stamp) < 16 else None)
            if refused is None and not p.NONCE.fullmatch(headers.get(p.H_NONCE.lower(), "")):
                refused = error(401, "bad_nonce", "16–64 characters")
            return refused or Admission(route, row.kiosk_id, key, rfc9421=False)

    def _spend_nonce(self, session: Session, kiosk_id: str, nonce: object) -> Response | None:
        """Remember the nonce for the window; a nonce seen before is a replay."""
        if not isinstance(nonce, str) or not p.NONCE.fullmatch(nonce):
            return error(401, "bad_nonce", "16–64 characters of A-Z a-z 0-9 + / = _ -")
        now = int(self._clock())
        if abs(now - self._nonces_purged_at) >= 60:  # forget the ones past the window
            session.execute(delete(SeenNonce).where(SeenNonce.at < now - 2 * p.MAX_SKEW_S))
            self._nonces_purged_at = now
        session.add(SeenNonce(kiosk_id=kiosk_id, nonce=nonce, at=now))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return error(401, "replayed")
        return None


__all__ = ["ROUTES", "Admission", "Gatekeeper", "Route", "find_route"]
