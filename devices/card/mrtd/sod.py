"""EF.SOD and passive authentication (ICAO 9303-10 §4.6.2, 9303-11 §5.1, 9303-12).

Passive authentication answers three questions:

1. Does the SOD's CMS signature verify with the document signer (DS)
   certificate it carries?  (RFC 5652 §5.4: the signature covers the DER of
   the signed attributes, whose messageDigest is the hash of the
   LDSSecurityObject.)
2. Was that DS certificate issued by a CSCA in the technician's trust store,
   of the same country as the DS and as the MRZ's issuing state (9303-12 §7.1.1),
   and not revoked by a CRL of that CSCA (the trust store's, or one in the SOD)?
3. Does every data group that was read hash to the value in the SOD?

The result is one of :class:`PaStatus`, naming the CSCA and the list (or file)
that vouched for the card; a card whose data was altered is never accepted silently.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from asn1crypto import algos, cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature

from devices.card.mrtd.countries import alpha2
from devices.card.mrtd.errors import ChipDataError
from devices.card.mrtd.lds import names_file, parse_dg1
from devices.card.mrtd.masterlist import country_of
from devices.card.mrtd.signatures import HASHES, verify_signature
from devices.card.mrtd.tlv import read_length, read_tag, read_tlv, tlv
from devices.card.trust import TrustStore, load_trust_store

log = logging.getLogger(__name__)

__all__ = ["PaResult", "PaStatus", "Sod", "load_trust_store", "parse_sod", "passive_authentication"]


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

_HASHES = HASHES


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
    csca: str = ""  # the trusted CSCA that issued the signer (its subject)
    source: str = ""  # the master list (or file) that put that CSCA in the trust store
    issuer: x509.Certificate | None = field(default=None, repr=False, compare=False)

    @property
    def csca_country(self) -> str:
        return country_of(self.issuer.subject) if self.issuer is not None else ""

    @property
    def vouched_by(self) -> str:
        """'CSCA … (master list …)' for a verified card, else ''."""
        if self.status is not PaStatus.VERIFIED or not self.csca:
            return ""
        return f"{self.csca} ({self.source})" if self.source else self.csca


@dataclass
class Sod:
    hash_algorithm: str
    hashes: dict[int, bytes]
    signed_data: cms.SignedData = field(repr=False)
    encap_content: bytes = field(repr=False)


@names_file("EF.SOD")
def parse_sod(data: bytes) -> Sod:
    """EF.SOD (tag 77) → the data-group hashes and the CMS structure."""
    try:
        # Exactly one TLV: the reader reads a file to its TLV's end, so nothing follows.
        sod, end = read_tlv(data)
        if sod.tag != 0x77 or end != len(data):
            raise ChipDataError("EF.SOD is not exactly one object of tag 77")
        content = sod.value
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


class _VerdictError(Exception):
    """Ends passive authentication early with ``result``."""

    def __init__(self, result: PaResult) -> None:
        super().__init__(result.detail)
        self.result = result


def _altered(detail: str) -> _VerdictError:
    return _VerdictError(PaResult(PaStatus.DATA_ALTERED, detail))


def _reason(exc: BaseException) -> str:
    """What went wrong, for technicians: our own message, or the library's error type.

    The SOD holds hashes and the signer's certificate, never personal data; library
    messages are still cut short (they may quote a few bytes).
    """
    if isinstance(exc, ChipDataError):
        return str(exc)
    text = str(exc).splitlines()[0][:100] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@contextmanager
def _step(name: str, status: PaStatus = PaStatus.DATA_ALTERED) -> Iterator[None]:
    """Any failure inside is a verdict naming the step, never a crash."""
    try:
        yield
    except _VerdictError:
        raise
    except Exception as exc:  # the parsers, asn1crypto and cryptography raise many kinds
        raise _VerdictError(PaResult(status, f"{name}: {_reason(exc)}")) from exc


def passive_authentication(
    sod_bytes: bytes | None,
    groups: dict[int, bytes],
    trust_store: list[x509.Certificate],
    now: datetime | None = None,
    expected_groups: tuple[int, ...] = (1, 2, 13, 14, 15),
) -> PaResult:
    """Check the SOD signature, the DS → CSCA chain and every read group's hash.

    Never raises: whatever fails while parsing or verifying the SOD, the certificates
    or the signatures is a verdict (``data_altered`` unless it says otherwise), logged
    with its reason, so a hostile EF.SOD ends with "not genuine", never with a crash.
    """
    if sod_bytes is None:
        return PaResult(PaStatus.NOT_CHECKED, "the card has no EF.SOD")
    try:
        result = _passive_authentication(sod_bytes, groups, trust_store, now, expected_groups)
    except _VerdictError as verdict:
        result = verdict.result
    except Exception as exc:  # a defence in depth: _step should have named it already
        result = PaResult(PaStatus.DATA_ALTERED, f"EF.SOD: {_reason(exc)}")
    if result.status is not PaStatus.VERIFIED:
        log.warning(
            "passive_authentication",
            extra={"fields": {"status": result.status.value, "reason": result.detail}},
        )
    else:  # who vouched for the card: a state's CSCA and the list it came from
        log.info(
            "passive_authentication",
            extra={"fields": {"status": "verified", "csca": result.csca, "source": result.source}},
        )
    return result


def _passive_authentication(
    sod_bytes: bytes,
    groups: dict[int, bytes],
    trust_store: list[x509.Certificate],
    now: datetime | None,
    expected_groups: tuple[int, ...],
) -> PaResult:
    try:
        sod = parse_sod(sod_bytes)
    except ChipDataError as exc:
        return PaResult(PaStatus.DATA_ALTERED, str(exc))
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
    with _step("EF.SOD signer info"):
        signer_info, digest, sig_algo = _signer_info(sod.signed_data)
    with _step("EF.SOD document signer certificate"):
        ds = _document_signer(sod.signed_data, signer_info)
        signer = ds.subject.rfc4514_string()
        public_key = ds.public_key()
    with _step("EF.SOD signed attributes"):
        signed_bytes = _signed_attributes(signer_info, sod.encap_content, digest)
    try:
        verify_signature(
            public_key, signer_info["signature"].native, signed_bytes, digest, sig_algo
        )
    except InvalidSignature:
        return PaResult(PaStatus.DATA_ALTERED, "EF.SOD signature does not verify", tuple(checked))
    except Exception as exc:
        return PaResult(PaStatus.DATA_ALTERED, f"EF.SOD signature: {_reason(exc)}")
    # 2. The chain to a trusted CSCA.
    with _step("document signer certificate"):
        result = _chain(ds, signer, trust_store, now or datetime.now(UTC), tuple(checked))
    if result.status is not PaStatus.VERIFIED:
        return result
    with _step("revocation", PaStatus.SIGNER_NOT_TRUSTED):
        revoked = _revoked(ds, trust_store, sod.signed_data, result)
    if revoked is not None:
        return revoked
    with _step("DG1 issuing state", PaStatus.SIGNER_NOT_TRUSTED):
        return _issuing_state(groups.get(1), result)


def _issuing_state(dg1: bytes | None, result: PaResult) -> PaResult:
    """The MRZ's issuing state must be the CSCA's country (9303-11 §5.1.1).

    DG1's hash was checked above, so it is parsed here as the signer wrote it.
    """
    if dg1 is None:
        return result
    state = parse_dg1(dg1).issuing_state
    expected = alpha2(state)
    csca_country = result.csca_country
    if expected is None or expected != csca_country:
        return PaResult(
            PaStatus.SIGNER_NOT_TRUSTED,
            f"the document's issuing state ({state.replace('<', '') or '?'}) is not the "
            f"country of its CSCA ({csca_country or '?'})",
            result.checked_groups,
            result.signer,
        )
    return result


def _crls(
    trust_store: list[x509.Certificate], signed: cms.SignedData
) -> list[x509.CertificateRevocationList]:
    """The trust store's CRLs, and those the SOD carries that can be read (RFC 5652 §5.1).

    The SOD's ``crls`` are not covered by its signature: anyone could add one, or take one
    out.  One that cannot be read is ignored (logged), as one that does not verify with the
    CSCA is in :func:`_revoked`, and the card is judged on the rest.  Each is split off by
    its own length, so a damaged one does not hide the next.
    """
    crls = list(trust_store.crls) if isinstance(trust_store, TrustStore) else []
    raw, offset = signed["crls"].contents or b"", 0
    while offset < len(raw):
        start = offset
        try:
            tag, _constructed, offset = read_tag(raw, offset)
            length, offset = read_length(raw, offset)
            offset += length
            if tag != 0x30:  # OtherRevocationInfoFormat ([1]): not a CRL, not used
                continue
            crls.append(x509.load_der_x509_crl(raw[start:offset]))
        except Exception as exc:  # ChipDataError, ValueError, InvalidVersion, …
            _unreadable_crl("EF.SOD", exc)
            if isinstance(exc, ChipDataError):
                break  # no length to find the next one by
    return crls


def _unreadable_crl(where: str, exc: BaseException) -> None:
    """A CRL is bytes signed by a CSCA, never personal data; the error's type says enough."""
    log.warning("crl_unreadable", extra={"fields": {"where": where, "error": type(exc).__name__}})


def _revoked(
    ds: x509.Certificate,
    trust_store: list[x509.Certificate],
    signed: cms.SignedData,
    result: PaResult,
) -> PaResult | None:
    """A CRL the DS's own CSCA signed that lists the DS: not trusted (9303-12 §7.1.4).

    A CRL that does not verify with that CSCA is ignored (anyone can write one), and so is
    one that cannot be read: it could not have been checked either.
    """
    issuer = result.issuer
    assert issuer is not None
    for crl in _crls(trust_store, signed):
        try:  # the library reads a CRL's parts when asked: any may fail
            if not _same_name(crl.issuer, issuer.subject):
                continue
            try:
                genuine = crl.is_signature_valid(issuer.public_key())  # type: ignore[arg-type]
            except (TypeError, ValueError):
                genuine = False
            if not genuine:
                log.warning("crl_signature_invalid")
                continue
            entry = crl.get_revoked_certificate_by_serial_number(ds.serial_number)
            revoked_on = entry.revocation_date_utc if entry is not None else None
        except Exception as exc:
            _unreadable_crl("CRL", exc)
            continue
        if entry is not None:
            return PaResult(
                PaStatus.SIGNER_NOT_TRUSTED,
                f"document signer {result.signer} was revoked by its CSCA on {revoked_on:%Y-%m-%d}",
                result.checked_groups,
                result.signer,
            )
    return None


def _same_name(a: x509.Name, b: x509.Name) -> bool:
    return asn1_x509.Name.load(a.public_bytes()) == asn1_x509.Name.load(b.public_bytes())


def _signer_info(signed: cms.SignedData) -> tuple[cms.SignerInfo, str, str]:
    """The one SignerInfo, checked for what 9303-10 §4.6.2.3 and RFC 5652 §5.3 require.

    Fields the signature does not cover are checked too, so that an EF.SOD altered
    anywhere is never "verified".
    """
    if signed["version"].native != "v3":
        raise _altered("EF.SOD SignedData is not version 3")
    infos = signed["signer_infos"]
    if len(infos) != 1:
        raise _altered("EF.SOD has not exactly one signer")
    signer_info = infos[0]
    # Parse every field now (asn1crypto parses lazily): a damaged field the checks below
    # do not read would otherwise go unnoticed.
    signer_info.native  # noqa: B018
    for algorithm in signed["digest_algorithms"]:
        algorithm.native  # noqa: B018
    sid = signer_info["sid"]
    version = {"issuer_and_serial_number": "v1", "subject_key_identifier": "v3"}[sid.name]
    if signer_info["version"].native != version:
        raise _altered("EF.SOD signer info version is wrong")
    digest = signer_info["digest_algorithm"]["algorithm"].native
    if digest not in _HASHES:
        raise _altered(f"EF.SOD signed with {digest}")
    if digest not in [a["algorithm"].native for a in signed["digest_algorithms"]]:
        raise _altered("EF.SOD does not list its signer's digest")
    algorithm = signer_info["signature_algorithm"]
    sig_algo = algorithm.signature_algo
    if algorithm["algorithm"].native not in ("ecdsa", "rsassa_pkcs1v15", "rsassa_pss"):
        if algorithm.hash_algo != digest:  # e.g. sha256_ecdsa with a SHA-384 digest
            raise _altered("EF.SOD signature and digest disagree")
    return signer_info, digest, sig_algo


def _document_signer(signed: cms.SignedData, signer_info: cms.SignerInfo) -> x509.Certificate:
    sid = signer_info["sid"]
    ds_asn1 = None
    for choice in signed["certificates"]:
        cert = choice.chosen
        # Byte for byte (not by RFC 5280 name matching): the signer copies these from its
        # certificate, and a signer identifier changed in any way is an altered EF.SOD.
        if sid.name == "issuer_and_serial_number":
            if (
                cert.issuer.dump() == sid.chosen["issuer"].dump()
                and cert.serial_number == sid.chosen["serial_number"].native
            ):
                ds_asn1 = cert
        elif cert.key_identifier == sid.chosen.native:
            ds_asn1 = cert
    if ds_asn1 is None:
        # Nothing to check the signature with (or the signer's name was altered).
        raise _VerdictError(
            PaResult(PaStatus.NOT_CHECKED, "EF.SOD carries no certificate of its signer")
        )
    if ds_asn1["signature_value"].contents[:1] != b"\x00":
        # A signature is whole bytes (RFC 5280 §4.1.1.3); the X.509 library would read past
        # a changed unused-bits count, so an altered certificate could still verify.
        raise _altered("the document signer certificate's signature is not whole bytes")
    return x509.load_der_x509_certificate(ds_asn1.dump())


def _signed_attributes(signer_info: cms.SignerInfo, content: bytes, digest: str) -> bytes:
    """What the signature covers: the signed attributes, checked against the content."""
    signed_attrs = signer_info["signed_attrs"]
    if signed_attrs.native is None or len(signed_attrs) == 0:
        return content
    types = [a["type"].native for a in signed_attrs]
    if types.count("message_digest") != 1 or types.count("content_type") != 1:
        raise _altered("EF.SOD signed attributes are incomplete")
    message_digest = next(
        a["values"][0].native for a in signed_attrs if a["type"].native == "message_digest"
    )
    if hashlib.new(digest, content).digest() != message_digest:
        raise _altered("EF.SOD content does not match its digest")
    content_type = next(
        a["values"][0].dotted for a in signed_attrs if a["type"].native == "content_type"
    )
    if content_type != LDS_SECURITY_OBJECT_OID:
        raise _altered("EF.SOD signs another content type")
    # RFC 5652 §5.4: the DER of the attributes as a SET OF, exactly as received (re-encoding
    # them would let a differently encoded, altered EF.SOD still verify).
    return tlv(0x31, signed_attrs.contents)


def _authority_key_id(ds: x509.Certificate) -> bytes | None:
    try:
        return ds.extensions.get_extension_for_class(
            x509.AuthorityKeyIdentifier
        ).value.key_identifier
    except x509.ExtensionNotFound:
        return None


def _subject_key_id(csca: x509.Certificate) -> bytes | None:
    try:
        return csca.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except (x509.ExtensionNotFound, ValueError):
        return None


def _chain(
    ds: x509.Certificate,
    signer: str,
    trust_store: list[x509.Certificate],
    now: datetime,
    checked: tuple[int, ...],
) -> PaResult:
    """DS → a trusted CSCA (9303-11 §5.1.1), then the DS's own validity and usage.

    A DS certificate naming a CSCA we trust, by name and key identifier, whose
    signature then fails was altered or forged: ``data_altered``.  One naming a CSCA
    or key we do not have (another state's, or a CSCA's new key not yet in the trust
    store) is ``signer_not_trusted``.
    """
    issuer_key = _authority_key_id(ds)
    # Names compare as RFC 5280 §7.1 says (case and spaces ignored): a DS certificate whose
    # issuer name differs from a trusted CSCA's only in case still names that CSCA.
    issuer_name = asn1_x509.Name.load(ds.issuer.public_bytes())
    named = [
        csca
        for csca in trust_store
        if asn1_x509.Name.load(csca.subject.public_bytes()) == issuer_name
        and (issuer_key is None or _subject_key_id(csca) in (None, issuer_key))
    ]
    if not named:
        return PaResult(
            PaStatus.SIGNER_NOT_TRUSTED,
            f"no trusted CSCA issued the document signer {signer}",
            checked,
            signer,
        )
    issuer = None
    for csca in named:
        try:
            ds.verify_directly_issued_by(csca)
        except Exception:  # InvalidSignature, or a certificate too damaged to check
            continue
        issuer = csca
        break
    if issuer is None:
        return PaResult(
            PaStatus.DATA_ALTERED,
            "the document signer certificate names a trusted CSCA but its signature "
            "does not verify",
            checked,
            signer,
        )
    if not (issuer.not_valid_before_utc <= ds.not_valid_before_utc <= issuer.not_valid_after_utc):
        return PaResult(
            PaStatus.SIGNER_NOT_TRUSTED,
            f"document signer {signer} was issued outside its CSCA's validity",
            checked,
            signer,
        )
    ds_country, csca_country = country_of(ds.subject), country_of(issuer.subject)
    if ds_country != csca_country:
        return PaResult(
            PaStatus.SIGNER_NOT_TRUSTED,
            f"document signer {signer} is of another country ({ds_country or '?'}) than its "
            f"CSCA ({csca_country or '?'})",
            checked,
            signer,
        )
    if not (ds.not_valid_before_utc <= now <= ds.not_valid_after_utc):
        return PaResult(
            PaStatus.SIGNER_NOT_TRUSTED,
            f"document signer {signer} is not valid today",
            checked,
            signer,
        )
    try:
        usage = ds.extensions.get_extension_for_class(x509.KeyUsage).value
        if not usage.digital_signature:
            return PaResult(
                PaStatus.SIGNER_NOT_TRUSTED,
                "document signer certificate may not sign",
                checked,
                signer,
            )
    except x509.ExtensionNotFound:
        pass
    csca = issuer.subject.rfc4514_string()
    source = trust_store.source_of(issuer) if isinstance(trust_store, TrustStore) else ""
    vouched = f"{csca} ({source})" if source else csca
    return PaResult(
        PaStatus.VERIFIED,
        f"signed by {signer}; CSCA {vouched}",
        checked,
        signer,
        csca,
        source,
        issuer,
    )
