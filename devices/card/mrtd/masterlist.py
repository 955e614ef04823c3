"""CSCA master lists: the CMS-signed lists of CSCA certificates states publish.

ICAO 9303-12 §9: a master list is CMS SignedData (RFC 5652) whose content type is
id-icao-cscaMasterList (2.23.136.1.1.2) and whose content is

    CscaMasterList ::= SEQUENCE { version INTEGER (v0), certList SET OF Certificate }

signed by a Master List Signer certificate (extended key usage
id-icao-mrtd-security-cscaMasterListSigningKey, 2.23.136.1.1.3, §7.1.1) that the
publishing state's CSCA issued.  Germany's BSI publishes one that includes
Viet Nam's CSCA.

Verifying one: the CMS signature over the content, the signer certificate's usage
and validity, and the signer's issuer: a CSCA the kiosk already trusts, or the
publisher's own CSCA carried in the list (then only as good as the file's origin:
:attr:`MasterList.anchor_in_store` says which, and the technician compares the
anchor's fingerprint with the one the publisher announces).  Every failure is a
:class:`MasterListError` whose message says what to do; nothing here writes to disk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization

from devices.card.mrtd.signatures import HASHES, der_length, verify_signature

CSCA_MASTER_LIST_OID = "2.23.136.1.1.2"
MASTER_LIST_SIGNER_USAGE = "2.23.136.1.1.3"


class MasterListError(ValueError):
    """The file is not a master list the kiosk can trust; the message says why."""


class _CertificateSet(core.SetOf):
    _child_spec = asn1_x509.Certificate


class CscaMasterList(core.Sequence):
    """9303-12 §9 CscaMasterList."""

    _fields = [  # noqa: RUF012 - asn1crypto's declaration style
        ("version", core.Integer),
        ("cert_list", _CertificateSet),
    ]


@dataclass(frozen=True)
class MasterList:
    """A verified master list: its CSCAs and who vouched for them."""

    cscas: tuple[x509.Certificate, ...]
    signer: x509.Certificate  # the Master List Signer
    anchor: x509.Certificate  # the CSCA that issued the signer
    anchor_in_store: bool  # the anchor was trusted before this list came
    signing_time: datetime | None
    skipped: tuple[str, ...]  # certificates left out, with the reason (no personal data)
    sha256: str  # of the file, to name it in the trust store


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, in hex: what publishers announce."""
    return cert.fingerprint(hashes.SHA256()).hex()


def country_of(name: x509.Name) -> str:
    """The country (C) of a certificate's subject or issuer, upper case; '' if none."""
    values = name.get_attributes_for_oid(x509.NameOID.COUNTRY_NAME)
    return str(values[0].value).upper() if values else ""


def same_name(a: x509.Name, b: x509.Name) -> bool:
    """RFC 5280 §7.1 name matching (case and spaces ignored), as CSCAs are looked up."""
    return asn1_x509.Name.load(a.public_bytes()) == asn1_x509.Name.load(b.public_bytes())


def _signer_certificate(signed: cms.SignedData, signer_info: cms.SignerInfo) -> x509.Certificate:
    sid = signer_info["sid"]
    for choice in signed["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            if (
                cert.issuer.dump() == sid.chosen["issuer"].dump()
                and cert.serial_number == sid.chosen["serial_number"].native
            ):
                return x509.load_der_x509_certificate(cert.dump())
        elif cert.key_identifier == sid.chosen.native:
            return x509.load_der_x509_certificate(cert.dump())
    raise MasterListError("the file does not carry the certificate of its signer")


def _verify_signature(signed: cms.SignedData, signer: x509.Certificate, content: bytes) -> None:
    signer_info = signed["signer_infos"][0]
    digest = signer_info["digest_algorithm"]["algorithm"].native
    if digest not in HASHES:
        raise MasterListError(f"the list is signed with an unsupported digest ({digest})")
    attrs = signer_info["signed_attrs"]
    if attrs.native is None or len(attrs) == 0:
        signed_bytes = content
    else:
        types = [a["type"].native for a in attrs]
        if types.count("message_digest") != 1 or types.count("content_type") != 1:
            raise MasterListError("the list's signed attributes are incomplete")
        values = {a["type"].native: a["values"][0] for a in attrs}
        if values["content_type"].dotted != CSCA_MASTER_LIST_OID:
            raise MasterListError("the signature covers another kind of content")
        if hashlib.new(digest, content).digest() != values["message_digest"].native:
            raise MasterListError(
                "the list's content does not match its signed digest: the file was changed "
                "after it was signed"
            )
        # RFC 5652 §5.4: the signature covers the DER of the attributes as a SET OF, as sent.
        signed_bytes = b"\x31" + der_length(len(attrs.contents)) + attrs.contents
    try:
        verify_signature(
            signer.public_key(),
            signer_info["signature"].native,
            signed_bytes,
            digest,
            signer_info["signature_algorithm"].signature_algo,
        )
    except InvalidSignature:
        raise MasterListError(
            "the list's signature does not verify: the file was changed after it was signed"
        ) from None


def _signing_time(signer_info: cms.SignerInfo) -> datetime | None:
    attrs = signer_info["signed_attrs"]
    if attrs.native is None:
        return None
    for attr in attrs:
        if attr["type"].native == "signing_time":
            value = attr["values"][0].native
            return value if isinstance(value, datetime) else None
    return None


def _name_key(name: x509.Name) -> str:
    """A name as RFC 5280 §7.1 compares it (case and spaces folded)."""
    return asn1_x509.Name.load(name.public_bytes()).hashable


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate, named: bool = False) -> bool:
    """``issuer`` signed ``cert`` (``named``: the names were matched already)."""
    if not named and not same_name(cert.issuer, issuer.subject):
        return False
    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        # Some early CSCAs have no basic constraints: their key usage must allow signing
        # certificates then.
        try:
            return bool(cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign)
        except x509.ExtensionNotFound:
            return False


def _cscas(raw: Sequence[asn1_x509.Certificate]) -> tuple[list[x509.Certificate], list[str]]:
    """The list's certificates that are CSCAs: self-signed, or links a listed CSCA signed."""
    parsed: list[x509.Certificate] = []
    skipped: list[str] = []
    for index, item in enumerate(raw, 1):
        try:
            parsed.append(x509.load_der_x509_certificate(item.dump()))
        except Exception as exc:  # a damaged entry is left out, never fatal
            skipped.append(f"certificate {index} does not parse ({type(exc).__name__})")
    kept: list[x509.Certificate] = []
    by_subject: dict[str, list[x509.Certificate]] = {}
    usable: list[x509.Certificate] = []
    for index, cert in enumerate(parsed, 1):
        try:  # names and extensions are parsed lazily: a damaged one shows only here
            by_subject.setdefault(_name_key(cert.subject), []).append(cert)
            _name_key(cert.issuer), _is_ca(cert), cert.subject.rfc4514_string()
        except Exception as exc:
            skipped.append(f"certificate {index} cannot be read ({type(exc).__name__})")
            continue
        usable.append(cert)
    for cert in usable:
        name = cert.subject.rfc4514_string()
        # Self-signed, or a link certificate (a CSCA's new key signed by its old one):
        # only certificates named as its issuer are tried (a list holds hundreds).
        issuers = by_subject.get(_name_key(cert.issuer), [])
        if not _is_ca(cert):
            skipped.append(f"{name}: not a CA certificate")
        elif any(_issued_by(cert, issuer, named=True) for issuer in issuers):
            kept.append(cert)
        else:
            skipped.append(f"{name}: its signature does not verify with any listed CSCA")
    return kept, skipped


def _check_signer(signer: x509.Certificate, now: datetime) -> None:
    try:
        usage = signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        usages = {oid.dotted_string for oid in usage}
    except x509.ExtensionNotFound:
        usages = set()
    if MASTER_LIST_SIGNER_USAGE not in usages:
        raise MasterListError(
            f"the list's signer {signer.subject.rfc4514_string()} is not a Master List Signer "
            "(ICAO 9303-12: extended key usage 2.23.136.1.1.3)"
        )
    if not (signer.not_valid_before_utc <= now <= signer.not_valid_after_utc):
        raise MasterListError(
            f"the list's signer certificate is valid from {signer.not_valid_before_utc:%Y-%m-%d} "
            f"to {signer.not_valid_after_utc:%Y-%m-%d}, not today: get the current list"
        )


def load_content_info(data: bytes) -> cms.ContentInfo:
    """DER, or PEM (``-----BEGIN CMS-----`` / ``PKCS7``) as some publishers send it."""
    if data.lstrip().startswith(b"-----BEGIN"):
        import base64

        lines = [
            line
            for line in data.decode("ascii", "replace").splitlines()
            if line and not line.startswith("-----")
        ]
        data = base64.b64decode("".join(lines))
    return cms.ContentInfo.load(data, strict=True)


def verify_master_list(
    data: bytes, trusted: Sequence[x509.Certificate] = (), now: datetime | None = None
) -> MasterList:
    """Check a master list file and return its CSCAs; raise :class:`MasterListError`."""
    now = now or datetime.now(UTC)
    try:
        info = load_content_info(data)
        if info["content_type"].native != "signed_data":
            raise MasterListError("the file is not CMS SignedData (not a master list)")
        signed = info["content"]
        encap = signed["encap_content_info"]
        if encap["content_type"].dotted != CSCA_MASTER_LIST_OID:
            raise MasterListError(
                f"the file signs {encap['content_type'].dotted}, not a CSCA master list "
                f"({CSCA_MASTER_LIST_OID})"
            )
        content = bytes(encap["content"].native or b"")
        master_list = CscaMasterList.load(content, strict=True)
        raw = list(master_list["cert_list"])
        if len(signed["signer_infos"]) != 1:
            raise MasterListError("the list has not exactly one signer")
        signer_info = signed["signer_infos"][0]
        signer = _signer_certificate(signed, signer_info)
    except MasterListError:
        raise
    except Exception as exc:  # asn1crypto raises ValueError/TypeError on bad DER
        raise MasterListError(
            f"the file is not a CMS-signed CSCA master list ({type(exc).__name__})"
        ) from None
    try:  # a library error in a check is a refusal, never a crash
        _verify_signature(signed, signer, content)
        _check_signer(signer, now)
    except MasterListError:
        raise
    except Exception as exc:
        raise MasterListError(
            f"the list's signature or signer cannot be checked ({type(exc).__name__})"
        ) from None
    cscas, skipped = _cscas(raw)
    anchor_in_store = True
    anchor = next((c for c in trusted if _issued_by(signer, c)), None)
    if anchor is None:
        anchor_in_store = False
        anchor = next((c for c in cscas if _issued_by(signer, c)), None)
    if anchor is None:
        raise MasterListError(
            f"the list's signer {signer.subject.rfc4514_string()} was issued by "
            f"{signer.issuer.rfc4514_string()}, a CSCA neither in the list nor already trusted"
        )
    if country_of(anchor.subject) != country_of(signer.subject):
        raise MasterListError(
            f"the list's signer ({country_of(signer.subject)}) and the CSCA that issued it "
            f"({country_of(anchor.subject)}) are of different countries"
        )
    return MasterList(
        tuple(cscas),
        signer,
        anchor,
        anchor_in_store,
        _signing_time(signer_info),
        tuple(skipped),
        hashlib.sha256(data).hexdigest(),
    )


def certificate_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)
