"""Enrolling a kiosk: its own key pair, and the fingerprint the centre approves.

The private key never leaves the kiosk (written 0600 in its data folder); the public
key goes to the centre, whose operator compares its fingerprint with the one the
technician reads from the kiosk's screen (as text and as a QR code) before approving.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.central.protocol import key_fingerprint


def fingerprint_of(private: Ed25519PrivateKey) -> str:
    """The fingerprint the technician reads to the centre (:func:`key_fingerprint`)."""
    return key_fingerprint(private.public_key())


def make_key_pair(path: Path) -> tuple[Path, bytes, str]:
    """A key pair at ``path`` (kept if there): (private key file, public PEM, fingerprint)."""
    if path.exists():
        private = serialization.load_pem_private_key(path.read_bytes(), None)
        assert isinstance(private, Ed25519PrivateKey)
    else:
        private = Ed25519PrivateKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return path, public, fingerprint_of(private)
