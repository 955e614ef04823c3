"""Kiosk authentication, the signed catalogue and payload checks at the reference centre."""

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
from kiosk.central.reference.server import CentralService, RunningCentral
from tests.central_helpers import KIOSK_ID, start_central

NOW = 1_795_000_000.0


@pytest.fixture
def service(tmp_path: Path) -> tuple[CentralService, Ed25519PrivateKey]:
    service = CentralService(tmp_path / "central")
    service.register_kiosk(KIOSK_ID, tmp_path / "cred.pem")
    service.clock = lambda: NOW
    return service, p.load_ed25519_private(tmp_path / "cred.pem")


def call(service: CentralService, key: Ed25519PrivateKey, body: bytes = b"{}", **changes):
    path = f"{p.API}/heartbeat"
    headers = p.sign_headers(key, KIOSK_ID, "POST", path, body, changes.pop("at", NOW))
    headers.update(changes.pop("headers", {}))
    return service.handle("POST", changes.pop("path", path), headers, changes.pop("sent", body))


def test_a_signed_request_passes_once_and_its_replay_is_refused(service) -> None:
    svc, key = service
    path = f"{p.API}/heartbeat"
    headers = p.sign_headers(key, KIOSK_ID, "POST", path, b"{}", NOW)
    assert svc.handle("POST", path, headers, b"{}").status == 200
    replay = svc.handle("POST", path, headers, b"{}")
    assert (replay.status, json.loads(replay.body)["error"]) == (401, "replayed")


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"sent": b'{"queue_depth": 0}'}, 401, "bad_signature"),  # body altered in transit
        ({"path": f"{p.API}/ratings"}, 401, "bad_signature"),  # signature moved to another call
        ({"at": NOW - 301}, 401, "stale_request"),  # captured and replayed later
        ({"at": NOW + 301}, 401, "stale_request"),
        ({"headers": {p.H_KIOSK: "someone-else"}}, 401, "unknown_kiosk"),
        ({"headers": {p.H_SIG: "AAAA"}}, 401, "bad_signature"),
    ],
)
def test_forged_stale_and_unknown_requests_are_refused(service, change, status, error) -> None:
    svc, key = service
    response = call(svc, key, **change)
    assert (response.status, json.loads(response.body)["error"]) == (status, error)


def test_a_key_the_centre_never_issued_is_refused(service) -> None:
    svc, _ = service
    response = call(svc, Ed25519PrivateKey.generate())
    assert (response.status, json.loads(response.body)["error"]) == (401, "bad_signature")


def test_a_revoked_kiosk_is_refused(service) -> None:
    svc, key = service
    svc.revoke_kiosk(KIOSK_ID)
    assert call(svc, key).status == 403


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
            requests.get(running.url + "/v1/catalogue", timeout=2)
    finally:
        running.stop()
