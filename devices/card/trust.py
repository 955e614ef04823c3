"""The kiosk's trust store: the CSCA certificates it trusts, where each came from, and CRLs.

It is the folder ``devices.trust_store`` names.  Certificates are PEM or DER files
(``.pem``, ``.crt``, ``.cer``, ``.der``): a technician may still drop one in by hand,
but the way in is ``kiosk trust import FILE``, which accepts a CMS-signed CSCA master
list (:mod:`devices.card.mrtd.masterlist`; BSI's German list includes Viet Nam's
CSCA) only when its signature chain verifies, and records in ``sources.json`` which
list vouched for each CSCA and when it was imported.  Certificate revocation lists
(``.crl``) are imported only when a trusted CSCA signed them; passive authentication
honours them (:mod:`devices.card.mrtd.sod`).

Files are written whole (a temporary file, then a rename), so a kiosk that reads the
folder while a technician imports sees the old or the new store, never half of one.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from devices.card.mrtd.masterlist import (
    MasterList,
    MasterListError,
    certificate_pem,
    country_of,
    fingerprint,
    same_name,
    verify_master_list,
)

SOURCES_FILE = "sources.json"
CERTIFICATE_SUFFIXES = (".pem", ".crt", ".cer", ".der")
MAX_FILE_BYTES = 64 * 1024 * 1024  # BSI's list is a few MB


class TrustImportError(ValueError):
    """The file was refused; the message says why and what to do (one sentence)."""


class TrustStore(list[x509.Certificate]):
    """The trusted CSCAs (a list, as passive authentication takes it), their sources, CRLs."""

    def __init__(
        self,
        certificates: Iterable[x509.Certificate] = (),
        sources: dict[str, str] | None = None,
        crls: Iterable[x509.CertificateRevocationList] = (),
    ) -> None:
        super().__init__(certificates)
        self.sources: dict[str, str] = dict(sources or {})  # SHA-256 fingerprint → text
        self.crls: list[x509.CertificateRevocationList] = list(crls)

    def source_of(self, cert: x509.Certificate) -> str:
        """Which list (or file) vouched for ``cert``, for logs and the technician."""
        return self.sources.get(fingerprint(cert), "")


@dataclass(frozen=True)
class TrustEntry:
    """One trusted CSCA as ``kiosk trust list`` shows it."""

    country: str
    subject: str
    not_before: datetime
    not_after: datetime
    source: str
    fingerprint: str
    file: str


@dataclass
class ImportReport:
    """What ``kiosk trust import`` did."""

    kind: str  # "master list" or "CRL"
    name: str
    added: int = 0
    known: int = 0
    skipped: list[str] = field(default_factory=list)
    anchor: str = ""  # the CSCA that vouched for the list's signer: subject
    anchor_fingerprint: str = ""
    anchor_in_store: bool = True
    countries: list[str] = field(default_factory=list)


def _load_certificates(data: bytes) -> list[x509.Certificate]:
    if b"-----BEGIN CERTIFICATE-----" in data:
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def _load_crl(data: bytes) -> x509.CertificateRevocationList:
    if b"-----BEGIN X509 CRL-----" in data:
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


def _read_sources(folder: Path) -> dict[str, dict[str, str]]:
    try:
        raw = json.loads((folder / SOURCES_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return raw if isinstance(raw, dict) else {}


def _describe(record: dict[str, str]) -> str:
    text = f"master list {record.get('list', '?')}"
    if record.get("signed"):
        text += f" signed {record['signed'][:10]}"
    if record.get("signer_country"):
        text += f" by {record['signer_country']}"
    if record.get("imported"):
        text += f", imported {record['imported'][:10]}"
    return text


def load_trust_store(folder: Path) -> TrustStore:
    """Every CSCA certificate and CRL in ``folder``, with the source of each CSCA.

    A file that does not parse is skipped (a stray file must not stop the kiosk;
    ``kiosk trust list`` reports it).
    """
    store = TrustStore()
    if not folder.is_dir():
        return store
    records = _read_sources(folder)
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        try:
            if suffix in CERTIFICATE_SUFFIXES:
                for cert in _load_certificates(path.read_bytes()):
                    store.append(cert)
                    record = records.get(fingerprint(cert))
                    store.sources[fingerprint(cert)] = (
                        _describe(record) if record else f"file {path.name} (placed by hand)"
                    )
            elif suffix == ".crl":
                store.crls.append(_load_crl(path.read_bytes()))
        except (OSError, ValueError):
            continue
    return store


def trust_entries(folder: Path) -> tuple[list[TrustEntry], list[str]]:
    """The trusted CSCAs, by country then subject, and the files that are not usable."""
    entries: list[TrustEntry] = []
    problems: list[str] = []
    records = _read_sources(folder)
    if not folder.is_dir():
        return entries, [f"{folder}: no such folder"]
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if suffix in CERTIFICATE_SUFFIXES:
            try:
                certs = _load_certificates(path.read_bytes())
            except (OSError, ValueError) as exc:
                problems.append(f"{path.name}: not a certificate ({type(exc).__name__})")
                continue
            for cert in certs:
                record = records.get(fingerprint(cert))
                entries.append(
                    TrustEntry(
                        country_of(cert.subject),
                        cert.subject.rfc4514_string(),
                        cert.not_valid_before_utc,
                        cert.not_valid_after_utc,
                        _describe(record) if record else "placed by hand",
                        fingerprint(cert),
                        path.name,
                    )
                )
        elif suffix == ".crl":
            try:
                _load_crl(path.read_bytes())
            except (OSError, ValueError):
                problems.append(f"{path.name}: not a certificate revocation list")
    entries.sort(key=lambda e: (e.country, e.subject, e.not_before))
    return entries, problems


def _write(path: Path, data: bytes) -> None:
    """Write whole or not at all (a temporary file in the folder, then a rename)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".import-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read_input(path: Path) -> list[tuple[str, bytes]]:
    """The file, or the master lists inside a ZIP (as BSI distributes its list)."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise TrustImportError(f"{path.name}: larger than {MAX_FILE_BYTES // 2**20} MB")
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [
                    m
                    for m in archive.infolist()
                    if m.filename.lower().endswith((".ml", ".mls", ".crl"))
                    and m.file_size <= MAX_FILE_BYTES
                ]
                if not members:
                    raise TrustImportError(f"{path.name}: no master list (.ml) in the archive")
                return [(Path(m.filename).name, archive.read(m)) for m in members]
        return [(path.name, path.read_bytes())]
    except OSError as exc:
        raise TrustImportError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def import_file(
    path: Path,
    folder: Path,
    now: datetime | None = None,
    expect_anchor: str | None = None,
) -> list[ImportReport]:
    """Import a master list (or a ZIP of them) or a CRL into the trust store ``folder``.

    Nothing is written unless every file in ``path`` verifies.  ``expect_anchor``: the
    SHA-256 fingerprint the publisher announces for the CSCA that signs its lists; the
    import is refused when the list's anchor differs.
    """
    now = now or datetime.now(UTC)
    parts = _read_input(path)
    folder.mkdir(parents=True, exist_ok=True)
    store = load_trust_store(folder)
    plans: list[tuple[str, str, Any, bytes]] = []
    for name, data in parts:
        crl = _try_crl(data)
        if crl is not None:
            plans.append(("crl", name, _check_crl(name, crl, store), data))
            continue
        try:
            verified = verify_master_list(data, list(store), now)
        except MasterListError as exc:
            raise TrustImportError(f"{name}: refused: {exc}") from None
        if expect_anchor:
            wanted = expect_anchor.replace(":", "").replace(" ", "").lower()
            if fingerprint(verified.anchor) != wanted:
                raise TrustImportError(
                    f"{name}: refused: the list was signed under the CSCA "
                    f"{verified.anchor.subject.rfc4514_string()} whose fingerprint is "
                    f"{fingerprint(verified.anchor)}, not the expected {wanted}"
                )
        plans.append(("list", name, verified, data))
    reports = []
    for kind, name, item, data in plans:
        if kind == "crl":
            reports.append(_store_crl(folder, name, item, data))
        else:
            reports.append(_store_list(folder, name, item, now))
    return reports


def _try_crl(data: bytes) -> x509.CertificateRevocationList | None:
    try:
        return _load_crl(data)
    except ValueError:
        return None


def _check_crl(
    name: str, crl: x509.CertificateRevocationList, store: TrustStore
) -> x509.Certificate:
    issuers = [c for c in store if same_name(c.subject, crl.issuer)]
    for issuer in issuers:
        try:
            if crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
                return issuer
        except (TypeError, ValueError):
            continue
    if not issuers:
        raise TrustImportError(
            f"{name}: refused: its issuer {crl.issuer.rfc4514_string()} is not a trusted CSCA "
            "(import the master list that holds it first)"
        )
    raise TrustImportError(
        f"{name}: refused: the CRL's signature does not verify with its CSCA (the file was "
        "changed, or it is not that CSCA's)"
    )


def _store_crl(folder: Path, name: str, issuer: x509.Certificate, data: bytes) -> ImportReport:
    crl = _load_crl(data)
    for path in folder.glob("*.crl"):
        try:
            old = _load_crl(path.read_bytes())
        except (OSError, ValueError):
            continue
        if same_name(old.issuer, crl.issuer):
            if old.last_update_utc > crl.last_update_utc:
                raise TrustImportError(
                    f"{name}: refused: {path.name} is a newer CRL of the same CSCA"
                )
            path.unlink()
    country = country_of(issuer.subject).lower() or "xx"
    der = crl.public_bytes(serialization.Encoding.DER)
    _write(folder / f"crl-{country}-{fingerprint(issuer)[:16]}.crl", der)
    return ImportReport(
        "CRL",
        name,
        added=len(list(crl)),
        anchor=issuer.subject.rfc4514_string(),
        anchor_fingerprint=fingerprint(issuer),
        countries=[country_of(issuer.subject)],
    )


def _store_list(folder: Path, name: str, verified: MasterList, now: datetime) -> ImportReport:
    records = _read_sources(folder)
    present = {fingerprint(c) for c in load_trust_store(folder)}
    report = ImportReport(
        "master list",
        name,
        skipped=list(verified.skipped),
        anchor=verified.anchor.subject.rfc4514_string(),
        anchor_fingerprint=fingerprint(verified.anchor),
        anchor_in_store=verified.anchor_in_store,
    )
    record = {
        "list": name,
        "list_sha256": verified.sha256,
        "signer": verified.signer.subject.rfc4514_string(),
        "signer_country": country_of(verified.signer.subject),
        "signed": verified.signing_time.isoformat() if verified.signing_time else "",
        "imported": now.isoformat(timespec="seconds"),
    }
    countries = set()
    for cert in verified.cscas:
        fp = fingerprint(cert)
        countries.add(country_of(cert.subject))
        records[fp] = record
        if fp in present:
            report.known += 1
            continue
        country = country_of(cert.subject).lower() or "xx"
        _write(folder / f"csca-{country}-{fp[:16]}.pem", certificate_pem(cert))
        present.add(fp)
        report.added += 1
    report.countries = sorted(countries)
    _write(
        folder / SOURCES_FILE,
        json.dumps(records, indent=1, sort_keys=True).encode("utf-8"),
    )
    return report


__all__ = [
    "ImportReport",
    "TrustEntry",
    "TrustImportError",
    "TrustStore",
    "import_file",
    "load_trust_store",
    "trust_entries",
]
