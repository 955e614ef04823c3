"""A test PKI made by the project itself: CSCA → document signer (ECDSA P-256).

These keys protect nothing real: they exist so that passive authentication
can be exercised end to end.  A deployed kiosk trusts only the CSCA
certificates a technician puts in its trust store.

Beside the CSCA and its document signer, the tests build what a real deployment
receives from outside: a CSCA master list (ICAO 9303-12 §9: CMS SignedData whose
content is a ``CscaMasterList``, signed by a Master List Signer certificate a CSCA
issued) and a CSCA's certificate revocation list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

# ICAO 9303-12 §7.1.1: the extended key usage of a Master List Signer certificate.
MASTER_LIST_SIGNER_USAGE = ObjectIdentifier("2.23.136.1.1.3")


@dataclass(frozen=True)
class TestPki:
    __test__ = False  # not a pytest test class

    csca_key: ec.EllipticCurvePrivateKey
    csca: x509.Certificate
    ds_key: ec.EllipticCurvePrivateKey
    ds: x509.Certificate


def _name(common_name: str, country: str = "VN") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kiosk test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def create_test_pki(
    label: str = "Test", now: datetime | None = None, country: str = "VN"
) -> TestPki:
    now = now or datetime.now(UTC)
    csca_key = ec.generate_private_key(ec.SECP256R1())
    csca_name = _name(f"{label} CSCA {country} (kiosk tests)", country)
    csca = (
        x509.CertificateBuilder()
        .subject_name(csca_name)
        .issuer_name(csca_name)
        .public_key(csca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=15 * 365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(csca_key, hashes.SHA256())
    )
    ds_key, ds = _issue(csca_key, csca, f"{label} Document Signer (kiosk tests)", country, now)
    return TestPki(csca_key, csca, ds_key, ds)


def _issue(
    issuer_key: ec.EllipticCurvePrivateKey,
    issuer: x509.Certificate,
    common_name: str,
    country: str,
    now: datetime,
    usage: ObjectIdentifier | None = None,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A signing certificate (document or master list signer) issued by a CSCA."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name, country))
        .issuer_name(issuer.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=10 * 365))
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=True)
    return key, builder.sign(issuer_key, hashes.SHA256())


def document_signer(pki: TestPki, country: str, label: str = "Other") -> TestPki:
    """The same CSCA with another document signer, e.g. one naming another country."""
    key, cert = _issue(
        pki.csca_key, pki.csca, f"{label} Document Signer (kiosk tests)", country, datetime.now(UTC)
    )
    return TestPki(pki.csca_key, pki.csca, key, cert)


@dataclass(frozen=True)
class MasterListSigner:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


def master_list_signer(pki: TestPki, label: str = "Test") -> MasterListSigner:
    """A Master List Signer certificate issued by ``pki``'s CSCA (9303-12 §7.1.1)."""
    country = pki.csca.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value
    key, cert = _issue(
        pki.csca_key,
        pki.csca,
        f"{label} Master List Signer (kiosk tests)",
        str(country),
        datetime.now(UTC),
        MASTER_LIST_SIGNER_USAGE,
    )
    return MasterListSigner(key, cert)


def build_master_list(cscas: list[x509.Certificate], signer: MasterListSigner) -> bytes:
    """A ``CscaMasterList`` in CMS SignedData (DER), as BSI and others publish them.

    ICAO 9303-12 §9: the content type is id-icao-cscaMasterList, the content
    ``SEQUENCE { version INTEGER (0), certList SET OF Certificate }``, the signer's
    certificate is carried in the SignedData.
    """
    import hashlib

    from asn1crypto import algos, cms, core
    from asn1crypto import x509 as asn1_x509

    def asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))

    class _CertSet(core.SetOf):
        _child_spec = asn1_x509.Certificate

    class _MasterList(core.Sequence):
        _fields = [("version", core.Integer), ("cert_list", _CertSet)]  # noqa: RUF012

    content = _MasterList({"version": 0, "cert_list": [asn1(c) for c in cscas]}).dump()
    attrs = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["2.23.136.1.1.2"]}),
            cms.CMSAttribute(
                {"type": "message_digest", "values": [hashlib.sha256(content).digest()]}
            ),
            cms.CMSAttribute(
                {"type": "signing_time", "values": [cms.Time({"utc_time": datetime.now(UTC)})]}
            ),
        ]
    )
    mls = asn1(signer.certificate)
    signer_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": mls.issuer, "serial_number": mls.serial_number}
                    )
                }
            ),
            "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "signed_attrs": attrs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
            "signature": signer.key.sign(attrs.dump(), ec.ECDSA(hashes.SHA256())),
        }
    )
    signed = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {
                "content_type": "2.23.136.1.1.2",
                "content": core.ParsableOctetString(content),
            },
            "certificates": [mls],
            "signer_infos": [signer_info],
        }
    )
    return cms.ContentInfo({"content_type": "signed_data", "content": signed}).dump()


def build_crl(pki: TestPki, revoked: list[x509.Certificate], now: datetime | None = None) -> bytes:
    """The CSCA's certificate revocation list (DER) naming ``revoked`` (9303-12 §7.1.4)."""
    now = now or datetime.now(UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.csca.subject)
        .last_update(now - timedelta(hours=1))
        .next_update(now + timedelta(days=90))
    )
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(cert.serial_number)
            .revocation_date(now - timedelta(minutes=30))
            .build()
        )
    return builder.sign(pki.csca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def write_trust_store(pki: TestPki, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "test-csca.pem"
    path.write_bytes(pki.csca.public_bytes(serialization.Encoding.PEM))
    return path


def save_pki(pki: TestPki, folder: Path) -> None:
    """Keep a test PKI between runs (the demo re-uses it so its trust store stays valid)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, key in (("csca-key.pem", pki.csca_key), ("ds-key.pem", pki.ds_key)):
        (folder / name).write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    for name, cert in (("csca.pem", pki.csca), ("ds.pem", pki.ds)):
        (folder / name).write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def load_or_create_pki(folder: Path) -> TestPki:
    try:
        keys = [
            serialization.load_pem_private_key((folder / n).read_bytes(), None)
            for n in ("csca-key.pem", "ds-key.pem")
        ]
        certs = [
            x509.load_pem_x509_certificate((folder / n).read_bytes())
            for n in ("csca.pem", "ds.pem")
        ]
        assert all(isinstance(k, ec.EllipticCurvePrivateKey) for k in keys)
        return TestPki(keys[0], certs[0], keys[1], certs[1])  # type: ignore[arg-type]
    except (OSError, ValueError, AssertionError):
        pki = create_test_pki("Demo")
        save_pki(pki, folder)
        return pki
