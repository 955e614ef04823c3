"""Checking a CMS signer's signature (RFC 5652 §5.4), shared by EF.SOD and master lists."""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

HASHES = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def verify_signature(
    public_key: object, signature: bytes, data: bytes, digest: str, sig_algo: str
) -> None:
    """Raise :class:`InvalidSignature` unless ``signature`` over ``data`` verifies.

    RSA (PKCS #1 v1.5 or PSS) and ECDSA, the algorithms ICAO 9303-12 allows for
    document and master list signers.
    """
    algorithm = HASHES[digest]()
    if isinstance(public_key, rsa.RSAPublicKey):
        if sig_algo == "rsassa_pss":
            public_key.verify(
                signature, data, padding.PSS(padding.MGF1(algorithm), padding.PSS.AUTO), algorithm
            )
        else:
            public_key.verify(signature, data, padding.PKCS1v15(), algorithm)
    elif isinstance(public_key, ec.EllipticCurvePublicKey):
        public_key.verify(signature, data, ec.ECDSA(algorithm))
    else:
        raise InvalidSignature("unsupported signer key")


def der_length(length: int) -> bytes:
    """A DER length field (X.690 §8.1.3)."""
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw
