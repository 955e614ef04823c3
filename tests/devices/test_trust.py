"""The trust store from CSCA master lists, and passive authentication that names who vouched.

Master lists, CRLs and certificates are made by the emulator's test PKI in the format
BSI publishes (CMS SignedData, id-icao-cscaMasterList); `kiosk trust import` and
`kiosk trust list` are run through the real command line entry point.
"""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from devices.card.emulator.builder import build_chip, build_passport
from devices.card.emulator.chip import EmulatedChip
from devices.card.emulator.pki import (
    TestPki,
    build_crl,
    build_master_list,
    create_test_pki,
    document_signer,
    master_list_signer,
)
from devices.card.mrtd.sod import PaStatus, passive_authentication
from devices.card.trust import load_trust_store
from kiosk.cli.main import main
from tests.helpers import key_for


@pytest.fixture(scope="module")
def germany() -> TestPki:
    """The publisher: its CSCA signs the Master List Signer, as BSI's does."""
    return create_test_pki("Publisher", country="DE")


@pytest.fixture(scope="module")
def master_list(pki: TestPki, germany: TestPki) -> bytes:
    return build_master_list([germany.csca, pki.csca], master_list_signer(germany))


def kiosk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *argv: str) -> int:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return main(["--config", str(tmp_path / "k.toml"), *argv])


def trusted(tmp_path, monkeypatch, capsys, store: Path) -> list[dict]:
    capsys.readouterr()
    assert kiosk(tmp_path, monkeypatch, "trust", "list", "--trust", str(store), "--json") == 0
    return json.loads(capsys.readouterr().out)["cscas"]


def sod_and_groups(content) -> tuple[bytes, dict[int, bytes]]:
    return content.files["SOD"], {k: v for k, v in content.files.items() if isinstance(k, int)}


def test_a_master_list_is_imported_listed_and_names_the_csca_that_vouched_for_a_card(
    tmp_path, monkeypatch, capsys, pki, card, master_list
) -> None:
    source = tmp_path / "DE_ML_2026-12-01.ml"
    source.write_bytes(master_list)
    store = tmp_path / "store"
    assert kiosk(tmp_path, monkeypatch, "trust", "import", str(source), "--trust", str(store)) == 0
    out = capsys.readouterr().out
    assert "2 CSCA(s) added" in out and "2 countries" in out
    assert "was not trusted before: compare the fingerprint" in out  # the publisher's CSCA
    rows = trusted(tmp_path, monkeypatch, capsys, store)
    assert sorted(r["country"] for r in rows) == ["DE", "VN"]
    vn = next(r for r in rows if r["country"] == "VN")
    assert vn["subject"] == pki.csca.subject.rfc4514_string()
    assert vn["valid_to"] == pki.csca.not_valid_after_utc.date().isoformat()
    assert "master list DE_ML_2026-12-01.ml" in vn["source"] and "imported" in vn["source"]
    # Read through the emulated chip: passive authentication names the CSCA and the list.
    from devices.card.chipread import read_identity

    result = read_identity(
        EmulatedChip(build_chip(card.identity(), pki)), key_for(card), load_trust_store(store)
    )
    assert result.authenticity == "verified"
    assert pki.csca.subject.rfc4514_string() in result.vouched_by
    assert "master list DE_ML_2026-12-01.ml" in result.vouched_by
    # `kiosk card read` shows it on a line of its own.
    import argparse

    from kiosk.cli.card import _report

    capsys.readouterr()
    assert _report(argparse.Namespace(json=True, photo=None), result, 20.0, True) == 0
    assert json.loads(capsys.readouterr().out)["vouched_by"] == result.vouched_by
    # Importing it again adds nothing; a CSCA kept in a ZIP (as BSI ships it) is found.
    archive = tmp_path / "GermanMasterList.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("DE_ML_2026-12-01.ml", master_list)
    assert kiosk(tmp_path, monkeypatch, "trust", "import", str(archive), "--trust", str(store)) == 0
    assert "0 CSCA(s) added, 2 already trusted" in capsys.readouterr().out


def test_a_tampered_master_list_is_refused_and_nothing_is_written(
    tmp_path, monkeypatch, capsys, pki, master_list
) -> None:
    der = pki.csca.public_bytes(serialization.Encoding.DER)
    at = master_list.index(der) + len(der) // 2  # inside the Vietnamese CSCA's key or name
    tampered = bytearray(master_list)
    tampered[at] ^= 0x01
    source = tmp_path / "tampered.ml"
    source.write_bytes(bytes(tampered))
    store = tmp_path / "store"
    code = kiosk(tmp_path, monkeypatch, "trust", "import", str(source), "--trust", str(store))
    err = capsys.readouterr().err
    assert code == 3
    assert "tampered.ml: refused:" in err and "changed after it was signed" in err
    assert "Nothing was imported" in err and "Traceback" not in err
    assert not list(store.glob("*.pem"))


def test_a_list_whose_signer_no_trusted_or_listed_csca_issued_is_refused(
    tmp_path, monkeypatch, capsys, pki, germany
) -> None:
    stranger = create_test_pki("Stranger", country="DE")  # its CSCA is in neither place
    source = tmp_path / "forged.ml"
    source.write_bytes(build_master_list([pki.csca], master_list_signer(stranger)))
    store = tmp_path / "store"
    code = kiosk(tmp_path, monkeypatch, "trust", "import", str(source), "--trust", str(store))
    err = capsys.readouterr().err
    assert code == 3
    assert "a CSCA neither in the list nor already trusted" in err
    assert not list(store.glob("*.pem"))


def test_a_list_signed_under_an_already_trusted_csca_needs_no_fingerprint_check(
    tmp_path, monkeypatch, capsys, pki, germany
) -> None:
    store = tmp_path / "store"
    first = tmp_path / "first.ml"
    first.write_bytes(build_master_list([germany.csca], master_list_signer(germany)))
    assert kiosk(tmp_path, monkeypatch, "trust", "import", str(first), "--trust", str(store)) == 0
    capsys.readouterr()
    # The next list no longer carries the publisher's CSCA: the store vouches for its signer.
    second = tmp_path / "second.ml"
    second.write_bytes(build_master_list([pki.csca], master_list_signer(germany, "Next")))
    assert kiosk(tmp_path, monkeypatch, "trust", "import", str(second), "--trust", str(store)) == 0
    assert "was not trusted before" not in capsys.readouterr().out
    # A wrong expected fingerprint refuses even a good list.
    code = kiosk(
        tmp_path,
        monkeypatch,
        *("trust", "import", str(second), "--trust", str(store)),
        *("--expect-fingerprint", "00" * 32),
    )
    assert code == 3 and "not the expected" in capsys.readouterr().err


def test_a_document_signer_of_another_country_than_its_csca_is_not_trusted(pki, card) -> None:
    foreign_ds = document_signer(pki, country="DE")
    sod, groups = sod_and_groups(build_chip(card.identity(), foreign_ds))
    result = passive_authentication(sod, groups, [pki.csca])
    assert result.status is PaStatus.SIGNER_NOT_TRUSTED
    assert "of another country (DE) than its CSCA (VN)" in result.detail


def test_a_document_whose_issuing_state_is_not_its_cscas_country_is_not_trusted(pki, card) -> None:
    passport = build_passport(card.identity(), pki, issuing_state="UTO")
    result = passive_authentication(*sod_and_groups(passport), [pki.csca])
    assert result.status is PaStatus.SIGNER_NOT_TRUSTED
    assert "issuing state (UTO) is not the country of its CSCA (VN)" in result.detail
    own = build_passport(card.identity(), pki)  # a VNM passport under the VN CSCA
    assert passive_authentication(*sod_and_groups(own), [pki.csca]).status is PaStatus.VERIFIED


def test_a_revoked_document_signer_is_not_trusted_and_a_forged_crl_is_refused(
    tmp_path, monkeypatch, capsys, pki, card, master_list
) -> None:
    from kiosk.journeys.identify import refusal

    store = tmp_path / "store"
    source = tmp_path / "list.ml"
    source.write_bytes(master_list)
    assert kiosk(tmp_path, monkeypatch, "trust", "import", str(source), "--trust", str(store)) == 0
    # A CRL that names the DS but another key signed is refused, and ignored if put by hand.
    impostor = TestPki(create_test_pki().csca_key, pki.csca, pki.ds_key, pki.ds)
    forged = tmp_path / "forged.crl"
    forged.write_bytes(build_crl(impostor, [pki.ds]))
    assert kiosk(tmp_path, monkeypatch, "trust", "import", str(forged), "--trust", str(store)) == 3
    assert "signature does not verify" in capsys.readouterr().err
    (store / "by-hand.crl").write_bytes(forged.read_bytes())
    sod, groups = sod_and_groups(build_chip(card.identity(), pki))
    assert passive_authentication(sod, groups, load_trust_store(store)).status is (
        PaStatus.VERIFIED
    )
    (store / "by-hand.crl").unlink()
    # The CSCA's own CRL revokes the DS.
    crl = tmp_path / "vn.crl"
    crl.write_bytes(build_crl(pki, [pki.ds]))
    assert kiosk(tmp_path, monkeypatch, "trust", "import", str(crl), "--trust", str(store)) == 0
    assert "1 revoked certificate(s)" in capsys.readouterr().out
    result = passive_authentication(sod, groups, load_trust_store(store))
    assert result.status is PaStatus.SIGNER_NOT_TRUSTED
    assert "was revoked by its CSCA" in result.detail
    # The kiosk in service refuses it; an older CRL cannot replace the newer one.
    from devices.card.base import CardReadResult

    read = CardReadResult(card.identity(), result.status.value)
    error = refusal(read, require_trusted_signer=True)
    assert error is not None and error.message_key == "card.error.untrusted"
    older = tmp_path / "older.crl"
    older.write_bytes(build_crl(pki, [], now=datetime.now(UTC) - timedelta(days=30)))
    assert kiosk(tmp_path, monkeypatch, "trust", "import", str(older), "--trust", str(store)) == 3


def test_outside_demo_mode_an_untrusted_signer_is_refused_by_default(tmp_path) -> None:
    from kiosk.base.events import QueueDispatcher
    from kiosk.runtime.config import KioskConfig, RuntimeFlags

    assert KioskConfig().devices.require_trusted_signer is True
    # Demo mode turns it off (its "untrusted" card shows the signer being recorded).
    from kiosk.app import build_core

    config = KioskConfig().replace(storage={"data_dir": str(tmp_path)})
    core, _sims = build_core(config, RuntimeFlags(demo=True), QueueDispatcher(), sync=False)
    try:
        assert core.config.devices.require_trusted_signer is False
    finally:
        core.stop()


def test_trust_list_without_a_store_says_what_to_do(tmp_path, monkeypatch, capsys) -> None:
    assert kiosk(tmp_path, monkeypatch, "trust", "list") == 2
    assert "devices.trust_store is empty" in capsys.readouterr().err


def test_a_listed_certificate_that_is_no_csca_is_left_out_and_named(pki, germany) -> None:
    from devices.card.mrtd.masterlist import verify_master_list

    # A document signer slipped into the list is not a CA; the CSCAs around it still count.
    verified = verify_master_list(
        build_master_list([germany.csca, pki.ds, pki.csca], master_list_signer(germany))
    )
    assert {c.subject for c in verified.cscas} == {germany.csca.subject, pki.csca.subject}
    assert verified.skipped == (f"{pki.ds.subject.rfc4514_string()}: not a CA certificate",)
    assert not verified.anchor_in_store and verified.anchor == germany.csca


def test_the_signer_usage_is_icao_9303_12s_not_a_reading_of_our_own(germany, pki) -> None:
    """id-icao-cscaMasterListSigningKey is 2.23.136.1.1.3 (9303-12; BouncyCastle's
    ICAOObjectIdentifiers and pymrtd spell it the same).  Reader and emulator once shared
    .1.1.9: every real list (BSI's) would have been refused."""
    from cryptography import x509
    from cryptography.x509.oid import ObjectIdentifier

    from devices.card.emulator.pki import MasterListSigner, _issue
    from devices.card.mrtd.masterlist import MasterListError, verify_master_list

    signer = master_list_signer(germany)
    usage = signer.certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert [oid.dotted_string for oid in usage] == ["2.23.136.1.1.3"]
    assert verify_master_list(build_master_list([pki.csca], signer), [germany.csca]).cscas

    key, cert = _issue(
        germany.csca_key,
        germany.csca,
        "Misread Master List Signer (kiosk tests)",
        "DE",
        datetime.now(UTC),
        ObjectIdentifier("2.23.136.1.1.9"),
    )
    with pytest.raises(MasterListError, match=r"2\.23\.136\.1\.1\.3"):
        verify_master_list(
            build_master_list([pki.csca], MasterListSigner(key, cert)), [germany.csca]
        )
