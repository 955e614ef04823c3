"""Sealed dossier content: readable by the central service only.

Each dossier is sealed with HPKE (RFC 9180) in base mode, suite
DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM (ids 0x0020, 0x0001,
0x0001), to the central service's X25519 public key, so a centre built by another
vendor opens it with any HPKE library.  The ephemeral key is dropped as soon as
the box is made, so the kiosk itself cannot open what it sealed: a stolen kiosk
gives up metadata only.

Box layout (version 2)::

    b"KS2" || enc (32 bytes, the encapsulated key) || ciphertext (AES-128-GCM, tag last)

opened with ``SetupBaseR(enc, skR, info)`` then ``Open(aad="", ciphertext)``,
where ``info = b"vn-kiosk seal v2" || 0x00 || associated data`` (the dossier code,
or ``b"rating"`` for a rating's reason): the info binds a box to its dossier, so a
box moved to another dossier does not open.

Version 1 boxes (``b"KS1" || ephemeral X25519 key (32) || nonce (12) || AES-256-GCM
ciphertext``, key from HKDF-SHA256 over the X25519 secret, salt ephemeral ‖
recipient public keys, info ``vn-kiosk dossier seal v1``, the associated data as
AEAD associated data) were made before HPKE: they may still wait in an outbox
after an update, so :func:`open_sealed` still opens them.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"KS2"
MAGIC_V1 = b"KS1"
INFO_PREFIX = b"vn-kiosk seal v2\x00"
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_128_GCM)
_ENC, _TAG = 32, 16
_INFO_V1 = b"vn-kiosk dossier seal v1"


class SealError(ValueError):
    """A sealed box is malformed or was not made for this key."""


def seal(content: bytes, recipient: X25519PublicKey, associated_data: bytes) -> bytes:
    return MAGIC + _SUITE.encrypt(content, recipient, info=INFO_PREFIX + associated_data)


def open_sealed(box: bytes, recipient: X25519PrivateKey, associated_data: bytes) -> bytes:
    """Central side: decrypt a box (raises :class:`SealError` when it does not open)."""
    if box.startswith(MAGIC) and len(box) >= len(MAGIC) + _ENC + _TAG:
        try:
            return _SUITE.decrypt(box[len(MAGIC) :], recipient, info=INFO_PREFIX + associated_data)
        except Exception as exc:  # InvalidTag, a bad point
            raise SealError("the box does not open with this key") from exc
    if box.startswith(MAGIC_V1) and len(box) >= 3 + 32 + 12 + _TAG:
        return _open_v1(box, recipient, associated_data)
    raise SealError("not a sealed dossier box")


def _raw(public_key: X25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _open_v1(box: bytes, recipient: X25519PrivateKey, associated_data: bytes) -> bytes:
    ephemeral_public, nonce = box[3:35], box[35:47]
    try:
        shared = recipient.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        key = HKDF(
            algorithm=hashes.SHA256(),
            length=32,
            salt=ephemeral_public + _raw(recipient.public_key()),
            info=_INFO_V1,
        ).derive(shared)
        return AESGCM(key).decrypt(nonce, box[47:], associated_data)
    except Exception as exc:  # InvalidTag, a bad point
        raise SealError("the box does not open with this key") from exc
