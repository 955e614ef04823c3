"""Kiosk authentication (RFC 9421 and, during the transition, the X-Kiosk-* scheme), the
signed catalogue and payload checks at the reference centre."""

from __future__ import annotations

import datetime as dt
import json
import ssl
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from kiosk.base.central import Accepted, KioskRefused
from kiosk.central import protocol as p
from kiosk.central import signatures as sig
from kiosk.central.reference.server import CentralService, RunningCentral
from tests.central_helpers import KIOSK_ID, start_central

NOW = 1_795_000_000.0
SCHEMES = ("rfc9421", "legacy")


@pytest.fixture
def service(tmp_path: Path) -> tuple[CentralService, Ed25519PrivateKey]:
    service = CentralService(tmp_path / "central")
    service.register_kiosk(KIOSK_ID, tmp_path / "cred.pem")
    service.clock = lambda: NOW
    return service, p.load_ed25519_private(tmp_path / "cred.pem")


def signed(
    scheme: str, key: Ed25519PrivateKey, path: str, body: bytes, at: float = NOW, **extra: str
) -> dict[str, str]:
    """A request's headers signed the way a kiosk of that generation signs them."""
    if scheme == "legacy":
        return {**extra, **p.sign_headers(key, KIOSK_ID, "POST", path, body, at)}
    return {**extra, **sig.sign_request(key, KIOSK_ID, "POST", path, extra, body, int(at))}


def call(
    service: CentralService,
    key: Ed25519PrivateKey,
    body: bytes = b"{}",
    scheme: str = "rfc9421",
    **changes,
):
    path = f"{p.API}/heartbeat"
    headers = signed(scheme, key, path, body, changes.pop("at", NOW))
    headers.update(changes.pop("headers", {}))
    return service.handle("POST", changes.pop("path", path), headers, changes.pop("sent", body))


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_signed_request_passes_once_and_its_replay_is_refused(service, scheme) -> None:
    svc, key = service
    path = f"{p.API}/heartbeat"
    headers = signed(scheme, key, path, b"{}")
    assert svc.handle("POST", path, headers, b"{}").status == 200
    replay = svc.handle("POST", path, headers, b"{}")
    assert (replay.status, json.loads(replay.body)["error"]) == (401, "replayed")


@pytest.mark.parametrize(
    ("change", "status", "errors"),
    [
        # body altered in transit
        ({"sent": b'{"queue_depth": 0}'}, 401, {"bad_signature", "bad_digest"}),
        # signature moved to another call
        ({"path": f"{p.API}/ratings"}, 401, {"bad_signature"}),
        ({"at": NOW - 301}, 401, {"stale_request"}),  # captured and replayed later
        ({"at": NOW + 301}, 401, {"stale_request"}),
    ],
)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_forged_and_stale_requests_are_refused(service, scheme, change, status, errors) -> None:
    svc, key = service
    response = call(svc, key, scheme=scheme, **change)
    assert response.status == status and json.loads(response.body)["error"] in errors


@pytest.mark.parametrize(
    ("scheme", "headers", "error"),
    [
        ("legacy", {p.H_KIOSK: "someone-else"}, "unknown_kiosk"),
        ("legacy", {p.H_SIG: "AAAA"}, "bad_signature"),
        ("legacy", {p.H_NONCE: ""}, "bad_nonce"),
        ("legacy", {p.H_NONCE: "a" * 65}, "bad_nonce"),
        ("legacy", {p.H_TIME: "-5"}, "bad_timestamp"),
        ("rfc9421", {sig.H_SIGNATURE: "kiosk=:AAAA:"}, "bad_signature"),
        ("rfc9421", {sig.H_SIGNATURE_INPUT: 'kiosk=("@method");keyid="x'}, "bad_signature"),
    ],
)
def test_unknown_garbled_and_unbounded_credentials_are_refused(
    service, scheme, headers, error
) -> None:
    svc, key = service
    response = call(svc, key, scheme=scheme, headers=headers)
    assert (response.status, json.loads(response.body)["error"]) == (401, error)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_key_the_centre_never_issued_is_refused(service, scheme) -> None:
    svc, _ = service
    response = call(svc, Ed25519PrivateKey.generate(), scheme=scheme)
    assert (response.status, json.loads(response.body)["error"]) == (401, "bad_signature")


def test_the_previous_scheme_can_be_turned_off_once_every_kiosk_is_updated(service) -> None:
    svc, key = service
    svc.accept_legacy_signatures = False
    refused = call(svc, key, scheme="legacy")
    assert refused.status == 401 and "RFC 9421" in json.loads(refused.body)["detail"]
    assert call(svc, key, scheme="rfc9421").status == 200


@pytest.mark.parametrize("scheme", SCHEMES)
def test_a_revoked_kiosk_is_refused(service, scheme) -> None:
    svc, key = service
    svc.revoke_kiosk(KIOSK_ID)
    assert call(svc, key, scheme=scheme).status == 403


def test_a_tampered_catalogue_envelope_is_rejected() -> None:
    key = Ed25519PrivateKey.generate()
    envelope = p.sign_catalogue(key, "2026.12.1", b'{"version": "2026.12.1"}')
    assert p.open_catalogue(key.public_key(), envelope) == (
        "2026.12.1",
        b'{"version": "2026.12.1"}',
    )
    raw = json.loads(envelope)
    raw["catalogue"] = p.b64(b'{"version": "2026.12.1", "fee": 0}')
    with pytest.raises(p.ProtocolError, match="signature does not match"):
        p.open_catalogue(key.public_key(), json.dumps(raw).encode())
    with pytest.raises(p.ProtocolError, match="signature does not match"):
        p.open_catalogue(Ed25519PrivateKey.generate().public_key(), envelope)
    with pytest.raises(p.ProtocolError, match="not JSON"):
        p.open_catalogue(key.public_key(), b"<html>")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"code": "../etc"}, "code: expected a dossier code"),
        ({"procedure_code": ""}, "procedure_code"),
        ({"received_at": "yesterday"}, "ISO 8601"),
        ({"sealed": "***"}, "sealed: not valid base64"),
    ],
)
def test_invalid_dossier_uploads_are_named(payload, message) -> None:
    good = {
        "code": "000.00.01.H01-261120-K030001",
        "procedure_code": "CT-TT",
        "received_at": "2026-11-20T09:00:00",
        "appointment": None,
        "sealed": "AAAA",
    }
    assert p.parse_dossier_upload(json.dumps(good).encode()).code == good["code"]
    with pytest.raises(p.ProtocolError, match=message):
        p.parse_dossier_upload(json.dumps({**good, **payload}).encode())


def _tls_files(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "central.crt", tmp / "central.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_tls_with_the_configured_ca_bundle_and_refusal_of_an_unknown_certificate(
    tmp_path: Path,
) -> None:
    central = start_central(tmp_path)
    central.running.stop()
    cert, key = _tls_files(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    running = RunningCentral(central.service, tls=context).start()
    try:
        central.running = running
        assert running.url.startswith("https://")
        assert isinstance(central.client(ca_bundle=str(cert)).heartbeat({}), Accepted)
        refused = central.client().heartbeat({})  # the system CAs do not know this centre
        assert isinstance(refused, KioskRefused) and refused.reason.startswith("TLS")
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(running.url + "/v1/catalogue", timeout=30)
    finally:
        running.stop()
