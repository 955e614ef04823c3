"""Active authentication: is this the chip the document signer signed? (9303-11 §6.1)

The terminal sends an 8-byte random challenge with INTERNAL AUTHENTICATE;
the chip signs it with the private key whose public half is in DG15 (itself
covered by passive authentication).  A copied chip has the data but not the
key, so its signature fails: a clone.

- ECDSA keys: the signature is plain r || s (BSI TR-03111 §5.2.1); the hash is
  named by DG14's ActiveAuthenticationInfo (default SHA-256).
- RSA keys: ISO/IEC 9796-2 digital signature scheme 1 with message recovery
  (trailer BC = SHA-1, or xxCC with the hash's ISO identifier).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from enum import StrEnum

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from devices.card.errors import CardLinkError
from devices.card.mrtd.apdu import Command
from devices.card.mrtd.errors import ChipDataError
from devices.card.mrtd.lds import parse_dg15
from devices.card.mrtd.pace import decode_oid
from devices.card.mrtd.tlv import parse_tlv

log = logging.getLogger(__name__)

ID_AA = "2.23.136.1.1.5"
ECDSA_PLAIN = {  # BSI TR-03111 ecdsa-plain-signatures
    "0.4.0.127.0.7.1.1.4.1.1": "sha1",
    "0.4.0.127.0.7.1.1.4.1.2": "sha224",
    "0.4.0.127.0.7.1.1.4.1.3": "sha256",
    "0.4.0.127.0.7.1.1.4.1.4": "sha384",
    "0.4.0.127.0.7.1.1.4.1.5": "sha512",
}
_ISO9796_TRAILERS = {0x33: "sha1", 0x34: "sha256", 0x36: "sha384", 0x35: "sha512", 0x38: "sha224"}
_HASH = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class AaStatus(StrEnum):
    VERIFIED = "verified"
    FAILED = "failed"  # the chip could not prove it holds the key: a clone
    NOT_CHECKED = "not_checked"  # no DG15 on this card


def aa_hash_from_dg14(dg14: bytes | None) -> str:
    """The ECDSA hash from DG14's ActiveAuthenticationInfo, SHA-256 when absent."""
    if not dg14:
        return "sha256"
    try:
        for info in parse_tlv(dg14, 0x6E).require(0x31).children():
            fields = info.children()
            if fields and fields[0].tag == 0x06 and decode_oid(fields[0].value) == ID_AA:
                for field in fields[1:]:
                    if field.tag == 0x06:
                        return ECDSA_PLAIN.get(decode_oid(field.value), "sha256")
    except ChipDataError:
        pass
    return "sha256"


def internal_authenticate(challenge: bytes) -> Command:
    return Command(0x00, 0x88, 0x00, 0x00, challenge, le=256)


def verify(public_key_info: bytes, challenge: bytes, signature: bytes, ecdsa_hash: str) -> bool:
    try:
        key = serialization.load_der_public_key(public_key_info)
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise ChipDataError("DG15 does not hold a public key") from exc
    if isinstance(key, ec.EllipticCurvePublicKey):
        half = len(signature) // 2
        if len(signature) % 2 or half == 0:
            return False
        der = encode_dss_signature(
            int.from_bytes(signature[:half], "big"), int.from_bytes(signature[half:], "big")
        )
        try:
            key.verify(der, challenge, ec.ECDSA(_HASH[ecdsa_hash]()))
            return True
        except InvalidSignature:
            return False
    if isinstance(key, rsa.RSAPublicKey):
        return _verify_iso9796_2(key, challenge, signature)
    raise ChipDataError("DG15 key type not supported")


def _verify_iso9796_2(key: rsa.RSAPublicKey, challenge: bytes, signature: bytes) -> bool:
    numbers = key.public_numbers()
    size = (numbers.n.bit_length() + 7) // 8
    f = pow(int.from_bytes(signature, "big"), numbers.e, numbers.n).to_bytes(size, "big")
    if f[0] & 0xC0 != 0x40 or f[-1] not in (0xBC, 0xCC):
        return False
    if f[-1] == 0xBC:
        algorithm, trailer = "sha1", 1
    else:
        algorithm, trailer = _ISO9796_TRAILERS.get(f[-2], ""), 2
        if not algorithm:
            return False
    digest_size = hashlib.new(algorithm).digest_size
    m1 = f[1 : size - trailer - digest_size]
    digest = f[size - trailer - digest_size : size - trailer]
    return hmac.compare_digest(hashlib.new(algorithm, m1 + challenge).digest(), digest)


def sign_challenge(key: ec.EllipticCurvePrivateKey, challenge: bytes) -> bytes:
    """The chip's side (emulator): plain r || s over SHA-256."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(key.sign(challenge, ec.ECDSA(hashes.SHA256())))
    size = (key.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def failure_reason(exc: BaseException) -> str:
    """Why an authentication step failed, for the log: our message or the error's type.

    Chip errors carry no personal data by design; a library's message might quote
    bytes of the chip's answer, so only its type is kept.
    """
    if isinstance(exc, ChipDataError):
        return str(exc)
    return type(exc).__name__


def active_authentication(send: object, dg15: bytes | None, dg14: bytes | None) -> AaStatus:
    """Run AA through ``send`` (a callable Command → Response, under secure messaging).

    Never raises but for a failed link (:class:`CardLinkError`: the card taken off, no
    answer in time), which says nothing about the chip.  Anything else that fails
    (the chip's answer, DG15's key, the signature, the libraries) is FAILED: no
    proof of the key, so not genuine.  The reason is logged without personal data.
    """
    if not dg15:
        return AaStatus.NOT_CHECKED
    try:
        challenge = os.urandom(8)
        response = send(internal_authenticate(challenge))  # type: ignore[operator]
        if not response.ok or not response.data:
            reason = f"INTERNAL AUTHENTICATE answered {response.sw:04X}"
            ok = False
        else:
            ok = verify(parse_dg15(dg15), challenge, response.data, aa_hash_from_dg14(dg14))
            reason = "the signature does not verify with DG15's key"
    except CardLinkError:
        raise
    except Exception as exc:  # DG15, the answer or a library failed: no proof either way
        ok, reason = False, failure_reason(exc)
    if ok:
        return AaStatus.VERIFIED
    log.warning("active_authentication_failed", extra={"fields": {"reason": reason}})
    return AaStatus.FAILED
