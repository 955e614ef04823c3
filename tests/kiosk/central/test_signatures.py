"""RFC 9421 HTTP Message Signatures and RFC 9530 Content-Digest, as the kiosk signs and the
centre verifies them: the RFC's own test vectors, and an off-the-shelf implementation
(``http-message-signatures``) on the other end of a real connection, both ways."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from http_message_signatures import HTTPMessageSigner, HTTPMessageVerifier, algorithms
from http_message_signatures.resolvers import MappingKeyResolver

from kiosk.base.central import DossierUpload
from kiosk.central import protocol as p
from kiosk.central import signatures as sig
from kiosk.central.reference.server import CentralService
from offline_cache.sealing import seal
from tests.central_helpers import KIOSK_ID, start_central

# RFC 9421 Appendix B.1.4: the published Ed25519 test key "test-key-ed25519".
RFC_PRIVATE = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
RFC_PUBLIC = b"""-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
# Appendix B.2.6: the test request, the signature base and the signature it gives.
RFC_REQUEST = sig.Message(
    "POST",
    "/foo?param=Value&Pet=dog",
    {
        "host": "example.com",
        "date": "Tue, 20 Apr 2021 02:07:55 GMT",
        "content-type": "application/json",
        "content-digest": "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrI"
        "iYllu7BNNyealdVLvRwEmTHWXvJwew==:",
        "content-length": "18",
    },
)
RFC_BASE = (
    '"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
    '"@method": POST\n'
    '"@path": /foo\n'
    '"@authority": example.com\n'
    '"content-type": application/json\n'
    '"content-length": 18\n'
    '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" '
    '"content-length");created=1618884473;keyid="test-key-ed25519"'
)
RFC_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
RFC_SIGNATURE = (
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPp"
    "BKRCw==:"
)
NOW = 1_795_000_000


def _rfc_keys() -> tuple[Ed25519PrivateKey, object]:
    private = serialization.load_pem_private_key(RFC_PRIVATE, password=None)
    assert isinstance(private, Ed25519PrivateKey)
    return private, serialization.load_pem_public_key(RFC_PUBLIC)


def test_the_signature_base_and_signature_of_rfc_9421_b26_are_reproduced() -> None:
    private, public = _rfc_keys()
    components = ["date", "@method", "@path", "@authority", "content-type", "content-length"]
    params: dict[str, sig.BareItem] = {"created": 1618884473, "keyid": "test-key-ed25519"}
    base = sig.signature_base(RFC_REQUEST, components, params)
    assert base.decode() == RFC_BASE
    # Ed25519 is deterministic: the same key and base give the RFC's signature exactly.
    expected = sig.parse_dictionary(RFC_SIGNATURE)["sig-b26"]
    assert isinstance(expected, sig.Item) and private.sign(base) == expected.value
    # And the verifier, reading the RFC's own fields, rebuilds that base and accepts it.
    received = sig.Message(
        RFC_REQUEST.method,
        RFC_REQUEST.target,
        {**RFC_REQUEST.headers, "signature-input": RFC_INPUT, "signature": RFC_SIGNATURE},
    )
    read = sig.read_signature(received)
    assert (read.label, read.base.decode()) == ("sig-b26", RFC_BASE)
    assert read.verify(public)  # type: ignore[arg-type]
    tampered = sig.Message("PUT", RFC_REQUEST.target, received.headers)
    assert not sig.read_signature(tampered).verify(public)  # type: ignore[arg-type]


def test_the_content_digest_is_rfc_9530s() -> None:
    # RFC 9530 §2, the example body {"hello": "world"}.
    assert sig.content_digest(b'{"hello": "world"}') == (
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    )
    assert sig.digest_matches(sig.content_digest(b"abc"), b"abc")
    assert not sig.digest_matches(sig.content_digest(b"abc"), b"abd")
    assert not sig.digest_matches("sha-512=:AAAA:", b"abc")  # sha-256 is the one checked


@pytest.mark.parametrize(
    "text",
    [
        'a=("x" "y");created=1;keyid="k\\"q"',
        "a=:AAEC:, b=?0, c, d=tok/en;p=-5",
        'sig1=("@method" "content-digest");alg="ed25519";nonce="abc"',
    ],
)
def test_structured_fields_survive_a_round_trip(text: str) -> None:
    parsed = sig.parse_dictionary(text)
    assert sig.parse_dictionary(sig.serialize_dictionary(parsed)) == parsed


@pytest.mark.parametrize(
    "text",
    ['a=("x"', 'a="unterminated', "a=1.5", "a=:not base64!:", "A=1", "a=1,", 'a="é"', "a=1, a=2"],
)
def test_malformed_structured_fields_are_refused(text: str) -> None:
    with pytest.raises(sig.SignatureError):
        sig.parse_dictionary(text)


# The centre's policy ------------------------------------------------------------------------
@pytest.fixture
def service(tmp_path: Path) -> tuple[CentralService, Ed25519PrivateKey]:
    service = CentralService(tmp_path / "central")
    service.register_kiosk(KIOSK_ID, tmp_path / "cred.pem")
    service.clock = lambda: NOW
    return service, p.load_ed25519_private(tmp_path / "cred.pem")


def _sign_by_hand(
    key: Ed25519PrivateKey,
    path: str,
    body: bytes,
    components: list[str],
    params: dict[str, sig.BareItem],
    headers: dict[str, str] | None = None,
) -> dict[str, str]:
    """A signature of our choosing, to show what the centre refuses."""
    fields = {"content-digest": sig.content_digest(body), **(headers or {})}
    base = sig.signature_base(sig.Message("POST", path, fields), components, params)
    covered = sig.InnerList([sig.Item(c) for c in components], params)
    return {
        **fields,
        "signature-input": sig.serialize_dictionary({"kiosk": covered}),
        "signature": sig.serialize_dictionary({"kiosk": sig.Item(key.sign(base))}),
    }


FULL = ["@method", "@path", "@query", "content-digest"]


@pytest.mark.parametrize(
    ("components", "params", "error"),
    [
        (FULL[:-1], {"created": NOW, "nonce": "n" * 32, "keyid": KIOSK_ID}, "bad_signature"),
        (FULL[1:], {"created": NOW, "nonce": "n" * 32, "keyid": KIOSK_ID}, "bad_signature"),
        (FULL, {"created": NOW, "nonce": "", "keyid": KIOSK_ID}, "bad_nonce"),
        (FULL, {"created": NOW, "keyid": KIOSK_ID}, "bad_nonce"),
        (FULL, {"created": NOW, "nonce": "n" * 65, "keyid": KIOSK_ID}, "bad_nonce"),
        (FULL, {"nonce": "n" * 32, "keyid": KIOSK_ID}, "bad_timestamp"),
        (FULL, {"created": NOW, "nonce": "n" * 32, "keyid": "someone"}, "unknown_kiosk"),
        (FULL, {"created": NOW, "nonce": "n" * 32, "keyid": "k" * 5000}, "unknown_kiosk"),
        (
            FULL,
            {"created": NOW, "nonce": "n" * 32, "keyid": KIOSK_ID, "alg": "hmac-sha256"},
            "bad_signature",
        ),
        (
            FULL,
            {"created": NOW - 60, "expires": NOW - 1, "nonce": "n" * 32, "keyid": KIOSK_ID},
            "stale_request",
        ),
    ],
)
def test_signatures_that_leave_something_out_are_refused(
    service, components, params, error
) -> None:
    svc, key = service
    path = f"{p.API}/heartbeat"
    headers = _sign_by_hand(key, path, b"{}", components, params)
    response = svc.handle("POST", path, headers, b"{}")
    assert (response.status, json.loads(response.body)["error"]) == (401, error)


def test_a_submission_whose_signature_does_not_cover_its_idempotency_key_is_refused(
    service,
) -> None:
    # Otherwise a key could be swapped in transit and the dossier recorded twice.
    svc, key = service
    path = f"{p.API}/dossiers"
    params: dict[str, sig.BareItem] = {"created": NOW, "nonce": "n" * 32, "keyid": KIOSK_ID}
    headers = _sign_by_hand(key, path, b"{}", FULL, params, {"idempotency-key": "k" * 32})
    response = svc.handle("POST", path, headers, b"{}")
    assert response.status == 401
    assert "idempotency-key" in json.loads(response.body)["detail"]
    swapped = sig.sign_request(
        key, KIOSK_ID, "POST", path, {"Idempotency-Key": "k" * 32}, b"{}", NOW
    )
    swapped["Idempotency-Key"] = "x" * 32
    response = svc.handle("POST", path, swapped, b"{}")
    assert (response.status, json.loads(response.body)["error"]) == (401, "bad_signature")


# An off-the-shelf implementation on the other end -------------------------------------------
def _upload(central: CentralService, code: str) -> DossierUpload:
    content = json.dumps({"code": code, "citizen": {"id_number": "001090012345"}}).encode()
    box = seal(content, central.seal_key.public_key(), code.encode())
    return DossierUpload(code, "LT-KS-TT-BHYT", datetime(2026, 11, 20, 9), date(2026, 11, 25), box)


def test_an_off_the_shelf_verifier_accepts_what_the_kiosk_sends(tmp_path: Path) -> None:
    central = start_central(tmp_path)
    arrived: list[tuple[str, str, dict[str, str], bytes]] = []
    handle = central.service.handle

    def recording(method, target, headers, body, admission=None):
        arrived.append((method, target, dict(headers), body))
        return handle(method, target, headers, body, admission)

    central.service.handle = recording  # type: ignore[method-assign]
    try:
        client = central.client()
        upload = _upload(central.service, "000.00.01.H01-261120-K030001")
        assert client.submit_dossier(upload, "k" * 32).status == 201
        assert client.heartbeat({"version": "1"}).status == 200
    finally:
        central.running.stop()
    public = p.load_ed25519_private(central.credential).public_key()
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={KIOSK_ID: public}, private_keys={}),
    )
    for method, target, headers, body in arrived:
        request = requests.Request(method, central.running.url + target, headers=headers)
        prepared = request.prepare()
        required = ["@method", "@path", "content-digest"]
        if "idempotency-key" in headers:
            required.append("idempotency-key")
        (result,) = verifier.verify(prepared, require_components=required, body=body, max_age=None)
        assert result.parameters["keyid"] == KIOSK_ID and result.parameters["nonce"]
        assert result.body == body


def test_the_centre_accepts_a_request_signed_by_an_off_the_shelf_signer(tmp_path: Path) -> None:
    central = start_central(tmp_path)
    key = p.load_ed25519_private(central.credential)
    signer = HTTPMessageSigner(
        signature_algorithm=algorithms.ED25519,
        key_resolver=MappingKeyResolver(public_keys={}, private_keys={KIOSK_ID: key}),
    )
    upload = _upload(central.service, "000.00.01.H01-261120-K030002")
    body = upload.to_json()
    try:
        request = requests.Request(
            "POST",
            central.running.url + "/v1/dossiers",
            data=body,
            headers={"Idempotency-Key": "s" * 32, "Content-Type": "application/json"},
        ).prepare()
        signer.sign(
            request,
            key_id=KIOSK_ID,
            label="kiosk",
            nonce=base64.b16encode(b"0123456789abcdef").decode(),
            created=datetime.now(UTC),
            covered_component_ids=("@method", "@path", "@query", "idempotency-key"),
            body=body,
        )
        with requests.Session() as session:
            answer = session.send(request, timeout=30)
            assert answer.status_code == 201, answer.text
            assert answer.json()["code"] == upload.code
            replay = session.send(request, timeout=30)
            assert (replay.status_code, replay.json()["error"]) == (401, "replayed")
    finally:
        central.running.stop()
