"""CRLs carried inside a card's EF.SOD (RFC 5652 §5.1 ``crls``), through the whole reading path.

A genuine card whose EF.SOD carried a CRL the X.509 library could not parse was judged "not
genuine" (the error ended passive authentication): staff were called for a card that was
fine.  The ``crls`` field is not covered by the SOD's signature; a CRL that cannot be read is
now ignored, as one that does not verify with the CSCA already was, and a CRL the CSCA signed
that lists the document signer still revokes it.  The cards are the emulator's, read as the
kiosk reads them (BAC, secure messaging, passive, active and chip authentication, then the
kiosk's own decision: :func:`tests.devices.auth_fuzz.outcome`).
"""

from __future__ import annotations

import logging

import pytest
from asn1crypto import cms

from devices.card.emulator.pki import TestPki, build_crl, create_test_pki
from devices.card.mrtd.tlv import read_tlv, tlv
from tests.devices.auth_fuzz import Card, outcome, replace_nested

NOT_GENUINE = "refused:card.error.not_genuine"
UNTRUSTED = "refused:card.error.untrusted"


@pytest.fixture(scope="module")
def genuine() -> Card:
    return Card.build()


def with_crls(sod: bytes, crls: list[bytes]) -> bytes:
    """The same EF.SOD carrying ``crls`` (the signature does not cover them: it still holds)."""
    info = cms.ContentInfo.load(read_tlv(sod)[0].value)
    info["content"]["crls"] = [cms.RevocationInfoChoice.load(crl) for crl in crls]
    return tlv(0x77, info.dump())


def with_blob_for(sod: bytes, crl: bytes, blob: bytes) -> bytes:
    """``sod`` with the bytes of ``crl`` inside it replaced by ``blob`` (lengths fixed)."""
    start = sod.index(crl)
    return replace_nested(sod, start, start + len(crl), blob)


def garbage(crl: bytes) -> dict[str, bytes]:
    """CRLs that cannot be read, as a damaged or careless issuing system could write them."""
    return {
        "not a CRL": tlv(0x30, tlv(0x02, b"\x00")),
        "unknown version": crl.replace(b"\x02\x01\x01", b"\x02\x01\x07", 1),
        "cut short": tlv(0x30, read_tlv(crl)[0].value[:-20]),
        "no CRL at all": tlv(0x04, b"\x00" * 16),
    }


def test_a_genuine_card_with_an_unreadable_crl_is_genuine(
    genuine: Card, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fresh = build_crl(genuine.pki, [])
    sod = with_crls(genuine.content.files["SOD"], [fresh])
    assert outcome(genuine, sod, require_trusted_signer=True) == "verified"
    for name, blob in garbage(fresh).items():
        caplog.clear()
        assert outcome(genuine, with_blob_for(sod, fresh, blob), True) == "verified", name
        if name != "no CRL at all":  # another kind of revocation information: not read
            unreadable = [r for r in caplog.records if r.getMessage() == "crl_unreadable"]
            assert unreadable, name
            # Logged with what failed, never with the card's data.
            fields = unreadable[0].__dict__["fields"]
            assert set(fields) == {"where", "error"} and fields["where"] == "EF.SOD"


def test_a_crl_of_the_csca_listing_the_signer_still_revokes_it_beside_an_unreadable_one(
    genuine: Card,
) -> None:
    revoking = build_crl(genuine.pki, [genuine.pki.ds])
    stale = build_crl(genuine.pki, [])
    sod = with_crls(genuine.content.files["SOD"], [stale, revoking])
    assert outcome(genuine, sod, require_trusted_signer=True) == UNTRUSTED
    for name, blob in garbage(stale).items():
        # Whatever sits before it, the CSCA's revocation is found.
        assert outcome(genuine, with_blob_for(sod, stale, blob), True) == UNTRUSTED, name


def test_a_crl_listing_the_signer_that_the_csca_did_not_sign_is_ignored(genuine: Card) -> None:
    impostor = TestPki(
        create_test_pki().csca_key, genuine.pki.csca, genuine.pki.ds_key, genuine.pki.ds
    )
    forged = build_crl(impostor, [genuine.pki.ds])  # the CSCA's name, another key
    sod = with_crls(genuine.content.files["SOD"], [forged])
    assert outcome(genuine, sod, require_trusted_signer=True) == "verified"


def test_a_card_altered_beside_its_unreadable_crl_is_still_not_genuine(genuine: Card) -> None:
    fresh = build_crl(genuine.pki, [])
    sod = with_blob_for(with_crls(genuine.content.files["SOD"], [fresh]), fresh, b"\x30\x00")
    digest = sod.rindex(b"\x04\x20")  # the signed message digest, a 32-byte OCTET STRING
    altered = bytearray(sod)
    altered[digest + 5] ^= 0x01
    assert outcome(genuine, bytes(altered), require_trusted_signer=True) == NOT_GENUINE


def test_every_byte_of_a_crl_in_the_sod_changed_leaves_a_genuine_card_genuine(
    genuine: Card, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)  # each ignored CRL is logged at WARNING
    fresh = build_crl(genuine.pki, [])  # the CSCA revokes nothing
    sod = with_crls(genuine.content.files["SOD"], [fresh])
    start = sod.index(fresh)
    for position in range(start, start + len(fresh)):
        changed = bytearray(sod)
        changed[position] ^= 0xFF
        # Unreadable, or readable but no longer the CSCA's: ignored, as if it were not there.
        result = outcome(genuine, bytes(changed), require_trusted_signer=True)
        assert result == "verified", (position - start, result)
