"""EF.SOD and passive authentication (ICAO 9303-10 §4.6.2, 9303-11 §5.1, 9303-12).

Passive authentication answers three questions:

1. Does the SOD's CMS signature verify with the document signer (DS)
   certificate it carries?  (RFC 5652 §5.4: the signature covers the DER of
   the signed attributes, whose messageDigest is the hash of the
   LDSSecurityObject.)
2. Was that DS certificate issued by a CSCA in the technician's trust store?
3. Does every data group that was read hash to the value in the SOD?

The result is one of :class:`PaStatus`; a card whose data was altered is
never accepted silently.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from asn1crypto import algos, cms, core
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from devices.card.mrtd.errors import ChipDataError
from devices.card.mrtd.tlv import parse_tlv


class DataGroupHash(core.Sequence):
    _fields = [  # noqa: RUF012 - asn1crypto's declaration style
        ("data_group_number", core.Integer),
        ("data_group_hash_value", core.OctetString),
    ]


class DataGroupHashes(core.SequenceOf):
    _child_spec = DataGroupHash


class LdsSecurityObject(core.Sequence):
    """9303-10 §4.6.2.2 LDSSecurityObject."""

    _fields = [  # noqa: RUF012 - asn1crypto's declaration style
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashes),
        ("lds_version_info", core.Any, {"optional": True}),
    ]


LDS_SECURITY_OBJECT_OID = "2.23.136.1.1.1"

_HASHES = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


class PaStatus(StrEnum):
    VERIFIED = "verified"
    SIGNER_NOT_TRUSTED = "signer_not_trusted"
    DATA_ALTERED = "data_altered"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class PaResult:
    status: PaStatus
    detail: str
    checked_groups: tuple[int, ...] = ()
    signer: str = ""


@dataclass
class Sod:
    hash_algorithm: str
    hashes: dict[int, bytes]
    signed_data: cms.SignedData = field(repr=False)
    encap_content: bytes = field(repr=False)


def parse_sod(data: bytes) -> Sod:
    """EF.SOD (tag 77) → the data-group hashes and the CMS structure."""
    try:
        content = parse_tlv(data, 0x77).value
        info = cms.ContentInfo.load(content, strict=True)
        if info["content_type"].native != "signed_data":
            raise ChipDataError("EF.SOD is not CMS SignedData")
        signed = info["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].dotted != LDS_SECURITY_OBJECT_OID:
            raise ChipDataError("EF.SOD does not carry an LDS security object")
        raw = bytes(encap["content"].native)
        lso = LdsSecurityObject.load(raw, strict=True)
        algorithm = lso["hash_algorithm"]["algorithm"].native
        hashes_by_group = {
            int(item["data_group_number"].native): bytes(item["data_group_hash_value"].native)
            for item in lso["data_group_hash_values"]
        }
    except ChipDataError:
        raise
    except Exception as exc:  # asn1crypto raises ValueError/TypeError on bad DER
        raise ChipDataError("EF.SOD is not valid ASN.1") from exc
    if algorithm not in _HASHES:
        raise ChipDataError(f"EF.SOD uses an unsupported hash ({algorithm})")
    return Sod(algorithm, hashes_by_group, signed, raw)


def load_trust_store(folder: Path) -> list[x509.Certificate]:
    """Every CSCA certificate (PEM or DER, .pem/.crt/.cer/.der) in ``folder``."""
    certificates: list[x509.Certificate] = []
    if not folder.is_dir():
        return certificates
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".pem", ".crt", ".cer", ".der"):
            continue
        data = path.read_bytes()
        try:
            if b"-----BEGIN CERTIFICATE-----" in data:
                certificates += x509.load_pem_x509_certificates(data)
            else:
                certificates.append(x509.load_der_x509_certificate(data))
        except ValueError:
            continue  # a stray file must not stop the kiosk; the technician CLI reports it
    return certificates


def _verify(public_key: object, signature: bytes, data: bytes, digest: str, sig_algo: str) -> None:
    algorithm = _HASHES[digest]()
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
        raise InvalidSignature("unsupported document signer key")


def passive_authentication(
    sod_bytes: bytes | None,
    groups: dict[int, bytes],
    trust_store: list[x509.Certificate],
    now: datetime | None = None,
    expected_groups: tuple[int, ...] = (1, 2, 13, 14, 15),
) -> PaResult:
    """Check the SOD signature, the DS → CSCA chain and every read group's hash."""
    if sod_bytes is None:
        return PaResult(PaStatus.NOT_CHECKED, "the card has no EF.SOD")
    try:
        sod = parse_sod(sod_bytes)
    except ChipDataError as exc:
        return PaResult(PaStatus.DATA_ALTERED, f"EF.SOD unreadable: {exc}")
    # 3. Data-group hashes (checked first: an altered group is the most serious finding).
    # A group the SOD lists but the chip did not give is hidden, not absent: a clone that
    # hides DG14/DG15 to dodge active and chip authentication is caught here.
    for number in expected_groups:
        if number in sod.hashes and number not in groups:
            return PaResult(
                PaStatus.DATA_ALTERED,
                f"DG{number} is listed in EF.SOD but the chip did not give it",
            )
    checked = []
    for number, data in sorted(groups.items()):
        expected = sod.hashes.get(number)
        if expected is None:
            return PaResult(PaStatus.DATA_ALTERED, f"DG{number} is not covered by EF.SOD")
        actual = hashlib.new(sod.hash_algorithm, data).digest()
        if actual != expected:
            return PaResult(PaStatus.DATA_ALTERED, f"DG{number} hash does not match EF.SOD")
        checked.append(number)
    # 1. The CMS signature.
    signed = sod.signed_data
    try:
        signer_info = signed["signer_infos"][0]
        certificates = [c.chosen for c in signed["certificates"]]
        sid = signer_info["sid"]
        ds_asn1 = None
        for cert in certificates:
            if sid.name == "issuer_and_serial_number":
                if (
                    cert.issuer == sid.chosen["issuer"]
                    and cert.serial_number == sid.chosen["serial_number"].native
                ):
                    ds_asn1 = cert
            elif cert.key_identifier == sid.chosen.native:
                ds_asn1 = cert
        if ds_asn1 is None:
            return PaResult(PaStatus.SIGNER_NOT_TRUSTED, "EF.SOD carries no signer certificate")
        ds = x509.load_der_x509_certificate(ds_asn1.dump())
        digest = signer_info["digest_algorithm"]["algorithm"].native
        sig_algo = signer_info["signature_algorithm"].signature_algo
        signed_attrs = signer_info["signed_attrs"]
        if signed_attrs.native is None or len(signed_attrs) == 0:
            signed_bytes = sod.encap_content
        else:
            message_digest = next(
                a["values"][0].native for a in signed_attrs if a["type"].native == "message_digest"
            )
            if hashlib.new(digest, sod.encap_content).digest() != message_digest:
                return PaResult(PaStatus.DATA_ALTERED, "EF.SOD content does not match its digest")
            content_type = next(
                (a["values"][0].dotted for a in signed_attrs if a["type"].native == "content_type"),
                None,
            )
            if content_type != LDS_SECURITY_OBJECT_OID:
                return PaResult(PaStatus.DATA_ALTERED, "EF.SOD signs another content type")
            signed_bytes = signed_attrs.untag().dump(force=True)
        _verify(ds.public_key(), signer_info["signature"].native, signed_bytes, digest, sig_algo)
    except InvalidSignature:
        return PaResult(PaStatus.DATA_ALTERED, "EF.SOD signature does not verify", tuple(checked))
    except (KeyError, ValueError, TypeError, StopIteration) as exc:
        return PaResult(PaStatus.DATA_ALTERED, f"EF.SOD signature unreadable: {exc}")
    # 2. The chain to a trusted CSCA.
    now = now or datetime.now(UTC)
    signer = ds.subject.rfc4514_string()
    if not (ds.not_valid_before_utc <= now <= ds.not_valid_after_utc):
        return PaResult(
            PaStatus.SIGNER_NOT_TRUSTED,
            f"document signer {signer} is not valid today",
            tuple(checked),
            signer,
        )
    try:
        usage = ds.extensions.get_extension_for_class(x509.KeyUsage).value
        if not usage.digital_signature:
            return PaResult(
                PaStatus.SIGNER_NOT_TRUSTED,
                "document signer certificate may not sign",
                tuple(checked),
                signer,
            )
    except x509.ExtensionNotFound:
        pass
    for csca in trust_store:
        if csca.subject != ds.issuer:
            continue
        try:
            ds.verify_directly_issued_by(csca)
        except (ValueError, TypeError, InvalidSignature):
            continue
        if not (csca.not_valid_before_utc <= ds.not_valid_before_utc <= csca.not_valid_after_utc):
            continue
        return PaResult(PaStatus.VERIFIED, f"signed by {signer}", tuple(checked), signer)
    return PaResult(
        PaStatus.SIGNER_NOT_TRUSTED,
        f"no trusted CSCA issued the document signer {signer}",
        tuple(checked),
        signer,
    )
