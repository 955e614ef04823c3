"""Chip authentication (ICAO 9303-11 §6.2), ECDH with AES secure messaging.

DG14 publishes the chip's static key agreement key (covered by passive
authentication).  The terminal sends an ephemeral public key; both sides
derive K = x(SK·PK) and new session keys, and secure messaging restarts with
SSC 0.  Only a chip holding the static private key can answer the next
command under the new keys, so a copy of the data on another chip fails
here (implicit authentication).

Supported: id-CA-ECDH-AES-CBC-CMAC-128/-192/-256 (§9.2.5) with an EC key in
ChipAuthenticationPublicKeyInfo (id-PK-ECDH).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from devices.card.errors import CardLinkError
from devices.card.mrtd import crypto
from devices.card.mrtd.aa import failure_reason
from devices.card.mrtd.apdu import Command, Response
from devices.card.mrtd.errors import ChipDataError
from devices.card.mrtd.pace import decode_oid, encode_oid
from devices.card.mrtd.sm import SessionKeys
from devices.card.mrtd.tlv import parse_tlv, tlv

log = logging.getLogger(__name__)

CA_ECDH_AES = {
    "0.4.0.127.0.7.2.2.3.2.2": 128,
    "0.4.0.127.0.7.2.2.3.2.3": 192,
    "0.4.0.127.0.7.2.2.3.2.4": 256,
}
PK_ECDH = "0.4.0.127.0.7.2.2.1.2"


class CaStatus(StrEnum):
    VERIFIED = "verified"
    FAILED = "failed"  # the chip could not continue under the new keys: a clone
    NOT_CHECKED = "not_checked"  # no chip authentication on this card


@dataclass(frozen=True)
class CaInfo:
    oid: str
    public_key: ec.EllipticCurvePublicKey


def parse_dg14_ca(dg14: bytes | None) -> CaInfo | None:
    """The supported ChipAuthenticationInfo with its public key, if DG14 has one.

    None when DG14 offers no chip authentication we support; :class:`ChipDataError`
    when DG14 (which passive authentication vouched for) cannot be read, or names our
    protocol with a key that cannot be loaded.
    """
    if not dg14:
        return None
    protocol: str | None = None
    key: ec.EllipticCurvePublicKey | None = None
    for info in parse_tlv(dg14, 0x6E).require(0x31).children():
        fields = info.children()
        if not fields or fields[0].tag != 0x06:
            continue
        oid = decode_oid(fields[0].value)
        if oid in CA_ECDH_AES:
            protocol = oid
        elif oid == PK_ECDH and len(fields) > 1 and fields[1].tag == 0x30:
            spki = tlv(0x30, fields[1].value)
            try:
                loaded = serialization.load_der_public_key(spki)
            except UnsupportedAlgorithm:
                continue  # a curve we do not support: as if absent
            except ValueError as exc:
                raise ChipDataError("DG14's chip authentication key is malformed") from exc
            if isinstance(loaded, ec.EllipticCurvePublicKey):
                key = loaded
    if protocol is None or key is None:
        return None
    return CaInfo(protocol, key)


def _point(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def session_keys(shared: bytes, key_bits: int) -> SessionKeys:
    return SessionKeys(
        crypto.kdf(shared, 1, "AES", key_bits), crypto.kdf(shared, 2, "AES", key_bits), 0, "AES"
    )


def chip_authentication(
    send: Callable[[Command], Response],
    switch_keys: Callable[[SessionKeys], None],
    dg14: bytes | None,
) -> CaStatus:
    """Run CA over the current secure channel, then prove the chip follows the new keys.

    Never raises but for a failed link (:class:`CardLinkError`).  Anything else that
    fails (DG14, the chip's answers, secure messaging under the new keys, the
    libraries) is FAILED, logged with its reason (no personal data).
    """
    try:
        info = parse_dg14_ca(dg14)
        if info is None:
            return CaStatus.NOT_CHECKED
        reason = _run(send, switch_keys, info)
    except CardLinkError:
        raise
    except Exception as exc:  # a chip that cannot continue under the new keys: a clone
        reason = failure_reason(exc)
    if reason is None:
        return CaStatus.VERIFIED
    log.warning("chip_authentication_failed", extra={"fields": {"reason": reason}})
    return CaStatus.FAILED


def _run(
    send: Callable[[Command], Response],
    switch_keys: Callable[[SessionKeys], None],
    info: CaInfo,
) -> str | None:
    """The protocol (9303-11 §6.2.3); None when it succeeded, else why it failed."""
    ephemeral = ec.generate_private_key(info.public_key.curve)
    set_at = Command(0x00, 0x22, 0x41, 0xA4, tlv(0x80, encode_oid(info.oid)))
    answer = send(set_at)
    if not answer.ok:
        return f"MSE:Set AT answered {answer.sw:04X}"
    answer = send(
        Command(
            0x00, 0x86, 0x00, 0x00, tlv(0x7C, tlv(0x80, _point(ephemeral.public_key()))), le=256
        )
    )
    if not answer.ok:
        return f"GENERAL AUTHENTICATE answered {answer.sw:04X}"
    shared = ephemeral.exchange(ec.ECDH(), info.public_key)
    switch_keys(session_keys(shared, CA_ECDH_AES[info.oid]))
    # Implicit authentication: a protected command under the new keys must verify.
    probe = send(Command(0x00, 0xB0, 0x9E, 0x00, le=1))  # one byte of EF.COM
    if not (probe.ok and probe.data) and send(Command(0x00, 0xA4, 0x02, 0x0C, b"\x01\x1e")).ok:
        # A chip without short file identifiers (reader.py): EF.COM by its identifier.
        probe = send(Command(0x00, 0xB0, 0x00, 0x00, le=1))
    return None if probe.ok and probe.data else "the chip did not answer under the new keys"


def build_dg14_ca_infos(
    key: ec.EllipticCurvePublicKey, oid: str = "0.4.0.127.0.7.2.2.3.2.2"
) -> bytes:
    """ChipAuthenticationInfo + ChipAuthenticationPublicKeyInfo (for the emulator)."""
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    ca_info = tlv(0x30, tlv(0x06, encode_oid(oid)) + tlv(0x02, b"\x01"))
    pk_info = tlv(0x30, tlv(0x06, encode_oid(PK_ECDH)) + spki)
    return ca_info + pk_info
