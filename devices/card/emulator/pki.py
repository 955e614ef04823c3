"""A test PKI made by the project itself: CSCA → document signer (ECDSA P-256).

These keys protect nothing real: they exist so that passive authentication
can be exercised end to end.  A deployed kiosk trusts only the CSCA
certificates a technician puts in its trust store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class TestPki:
    __test__ = False  # not a pytest test class

    csca_key: ec.EllipticCurvePrivateKey
    csca: x509.Certificate
    ds_key: ec.EllipticCurvePrivateKey
    ds: x509.Certificate


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kiosk test PKI"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def create_test_pki(label: str = "Test", now: datetime | None = None) -> TestPki:
    now = now or datetime.now(UTC)
    csca_key = ec.generate_private_key(ec.SECP256R1())
    csca_name = _name(f"{label} CSCA Vietnam (kiosk tests)")
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
    ds_key = ec.generate_private_key(ec.SECP256R1())
    ds = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{label} Document Signer (kiosk tests)"))
        .issuer_name(csca_name)
        .public_key(ds_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=10 * 365))
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(csca_key, hashes.SHA256())
    )
    return TestPki(csca_key, csca, ds_key, ds)


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
