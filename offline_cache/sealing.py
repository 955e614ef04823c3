"""Sealed dossier content: readable by the central service only.

Each dossier is encrypted with a fresh AES-256-GCM key derived from an
ephemeral X25519 key agreement with the central service's public key (the
shape of HPKE base mode).  The ephemeral private key and the content key are
dropped as soon as the box is made, so the kiosk itself cannot open what it
sealed: a stolen kiosk gives up metadata only.

Box layout: ``b"KS1" || ephemeral public key (32) || nonce (12) || ciphertext``.
The associated data (the dossier code) binds a box to its dossier.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"KS1"
_INFO = b"vn-kiosk dossier seal v1"


class SealError(ValueError):
    """A sealed box is malformed or was not made for this key."""


def _content_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral_public + recipient_public,
        info=_INFO,
    ).derive(shared)


def _raw(public_key: X25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def seal(content: bytes, recipient: X25519PublicKey, associated_data: bytes) -> bytes:
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = _raw(ephemeral.public_key())
    key = _content_key(ephemeral.exchange(recipient), ephemeral_public, _raw(recipient))
    nonce = os.urandom(12)
    ciphertext = AESGCM(key).encrypt(nonce, content, associated_data)
    return MAGIC + ephemeral_public + nonce + ciphertext


def open_sealed(box: bytes, recipient: X25519PrivateKey, associated_data: bytes) -> bytes:
    """Central side: decrypt a box (raises :class:`SealError` when it does not open)."""
    if len(box) < 3 + 32 + 12 + 16 or not box.startswith(MAGIC):
        raise SealError("not a sealed dossier box")
    ephemeral_public = box[3:35]
    nonce = box[35:47]
    try:
        shared = recipient.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
        key = _content_key(shared, ephemeral_public, _raw(recipient.public_key()))
        return AESGCM(key).decrypt(nonce, box[47:], associated_data)
    except Exception as exc:  # InvalidTag, bad point
        raise SealError("the box does not open with this key") from exc
