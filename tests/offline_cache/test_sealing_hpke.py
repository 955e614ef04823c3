"""Sealed boxes are RFC 9180 HPKE (base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
AES-128-GCM), so a centre built by another vendor opens them with any HPKE library.

An independent implementation of that suite, written here from RFC 9180 (§4, §5.1,
§7.1), is first held to the RFC's test vectors (Appendix A.1.1); the kiosk's boxes are
then opened by it, and boxes it makes are opened by the centre's side.  Boxes of the
previous format (``KS1``) still waiting in an outbox after an update still open.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from offline_cache.sealing import INFO_PREFIX, MAGIC, SealError, open_sealed, seal
from tests.central_helpers import seal_v1

KEM_ID, KDF_ID, AEAD_ID = 0x0020, 0x0001, 0x0001
KEM_SUITE = b"KEM" + KEM_ID.to_bytes(2, "big")
HPKE_SUITE = (
    b"HPKE" + KEM_ID.to_bytes(2, "big") + KDF_ID.to_bytes(2, "big") + AEAD_ID.to_bytes(2, "big")
)


# RFC 9180 §4: LabeledExtract / LabeledExpand over HKDF-SHA256 (RFC 5869) -------------------
def extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def expand(prk: bytes, info: bytes, length: int) -> bytes:
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def labeled_extract(suite: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return extract(salt, b"HPKE-v1" + suite + label + ikm)


def labeled_expand(suite: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    return expand(prk, length.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info, length)


def raw(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def shared_secret(dh: bytes, enc: bytes, recipient_public: bytes) -> bytes:
    """§4.1 DHKEM: ExtractAndExpand(dh, enc || pkRm)."""
    prk = labeled_extract(KEM_SUITE, b"", b"eae_prk", dh)
    return labeled_expand(KEM_SUITE, prk, b"shared_secret", enc + recipient_public, 32)


def key_schedule(secret_in: bytes, info: bytes) -> dict[str, bytes]:
    """§5.1 in base mode (no PSK): key, base nonce and the intermediates."""
    psk_id_hash = labeled_extract(HPKE_SUITE, b"", b"psk_id_hash", b"")
    info_hash = labeled_extract(HPKE_SUITE, b"", b"info_hash", info)
    context = b"\x00" + psk_id_hash + info_hash
    secret = labeled_extract(HPKE_SUITE, secret_in, b"secret", b"")
    return {
        "key_schedule_context": context,
        "secret": secret,
        "key": labeled_expand(HPKE_SUITE, secret, b"key", context, 16),
        "base_nonce": labeled_expand(HPKE_SUITE, secret, b"base_nonce", context, 12),
        "exporter_secret": labeled_expand(HPKE_SUITE, secret, b"exp", context, 32),
    }


def nonce(base_nonce: bytes, sequence: int) -> bytes:
    return bytes(a ^ b for a, b in zip(base_nonce, sequence.to_bytes(12, "big"), strict=True))


def hpke_seal(
    ephemeral: X25519PrivateKey, recipient: X25519PublicKey, info: bytes, aad: bytes, pt: bytes
) -> tuple[bytes, bytes]:
    enc = raw(ephemeral.public_key())
    secret = shared_secret(ephemeral.exchange(recipient), enc, raw(recipient))
    schedule = key_schedule(secret, info)
    return enc, AESGCM(schedule["key"]).encrypt(schedule["base_nonce"], pt, aad)


def hpke_open(enc: bytes, recipient: X25519PrivateKey, info: bytes, aad: bytes, ct: bytes) -> bytes:
    dh = recipient.exchange(X25519PublicKey.from_public_bytes(enc))
    secret = shared_secret(dh, enc, raw(recipient.public_key()))
    schedule = key_schedule(secret, info)
    return AESGCM(schedule["key"]).decrypt(schedule["base_nonce"], ct, aad)


# RFC 9180 Appendix A.1.1 -------------------------------------------------------------------
A11 = {
    "info": "4f6465206f6e2061204772656369616e2055726e",
    "skEm": "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736",
    "pkEm": "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
    "skRm": "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
    "pkRm": "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
    "shared_secret": "fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc",
    "key_schedule_context": "00725611c9d98c07c03f60095cd32d400d8347d45ed67097bbad50fc56da742d07cb6"
    "cffde367bb0565ba28bb02c90744a20f5ef37f30523526106f637abb05449",
    "secret": "12fff91991e93b48de37e7daddb52981084bd8aa64289c3788471d9a9712f397",
    "key": "4531685d41d65f03dc48f6b8302c05b0",
    "base_nonce": "56d890e5accaaf011cff4b7d",
    "exporter_secret": "45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8",
}
A11_PT = "4265617574792069732074727574682c20747275746820626561757479"  # "Beauty is truth, …"
A11_ENCRYPTIONS = [  # (sequence number, aad, ct)
    (
        0,
        "436f756e742d30",
        "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d87"
        "70ac83d07bea87e13c512a",
    ),
    (
        1,
        "436f756e742d31",
        "af2d7e9ac9ae7e270f46ba1f975be53c09f8d875bdc8535458c2494e8a6eab251c03"
        "d0c22a56b8ca42c2063b84",
    ),
]


def test_the_independent_hpke_reproduces_rfc_9180_a11() -> None:
    v = {name: bytes.fromhex(value) for name, value in A11.items()}
    ephemeral = X25519PrivateKey.from_private_bytes(v["skEm"])
    recipient = X25519PrivateKey.from_private_bytes(v["skRm"])
    assert raw(ephemeral.public_key()) == v["pkEm"] and raw(recipient.public_key()) == v["pkRm"]
    secret = shared_secret(ephemeral.exchange(recipient.public_key()), v["pkEm"], v["pkRm"])
    assert secret == v["shared_secret"]
    schedule = key_schedule(secret, v["info"])
    for name in ("key_schedule_context", "secret", "key", "base_nonce", "exporter_secret"):
        assert schedule[name] == v[name], name
    for sequence, aad, ct in A11_ENCRYPTIONS:
        sealed = AESGCM(schedule["key"]).encrypt(
            nonce(schedule["base_nonce"], sequence), bytes.fromhex(A11_PT), bytes.fromhex(aad)
        )
        assert sealed.hex() == ct
    enc, ct = hpke_seal(
        ephemeral,
        recipient.public_key(),
        v["info"],
        bytes.fromhex("436f756e742d30"),
        bytes.fromhex(A11_PT),
    )
    assert (enc, ct.hex()) == (v["pkEm"], A11_ENCRYPTIONS[0][2])


# The kiosk's boxes --------------------------------------------------------------------------
CODE = b"000.00.01.H01-261120-K030001"
CONTENT = json.dumps({"code": CODE.decode(), "citizen": {"full_name": "Trần Minh Khôi"}}).encode()


def test_a_kiosk_box_is_opened_by_the_independent_hpke() -> None:
    centre = X25519PrivateKey.generate()
    box = seal(CONTENT, centre.public_key(), CODE)
    assert box.startswith(MAGIC)
    enc, ct = box[len(MAGIC) : len(MAGIC) + 32], box[len(MAGIC) + 32 :]
    assert hpke_open(enc, centre, INFO_PREFIX + CODE, b"", ct) == CONTENT
    with pytest.raises(InvalidTag):  # the info binds the box to its dossier
        hpke_open(enc, centre, INFO_PREFIX + b"000.00.01.H01-261120-K030002", b"", ct)


def test_a_box_made_by_the_independent_hpke_is_opened_by_the_centre() -> None:
    centre = X25519PrivateKey.generate()
    enc, ct = hpke_seal(
        X25519PrivateKey.generate(), centre.public_key(), INFO_PREFIX + CODE, b"", CONTENT
    )
    assert open_sealed(MAGIC + enc + ct, centre, CODE) == CONTENT
    with pytest.raises(SealError):
        open_sealed(MAGIC + enc + ct, centre, b"000.00.01.H01-261120-K030002")
    with pytest.raises(SealError):
        open_sealed(MAGIC + enc + ct, X25519PrivateKey.generate(), CODE)


def test_a_box_of_the_previous_format_still_waiting_in_an_outbox_opens() -> None:
    centre = X25519PrivateKey.generate()
    old = seal_v1(CONTENT, centre.public_key(), CODE)
    assert open_sealed(old, centre, CODE) == CONTENT
    with pytest.raises(SealError):
        open_sealed(old, centre, b"000.00.01.H01-261120-K030002")
    with pytest.raises(SealError):
        open_sealed(b"KS9" + old[3:], centre, CODE)  # an unknown version
