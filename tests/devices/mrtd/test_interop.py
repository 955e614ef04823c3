"""Chips we did not make (issue 12): each quirk read in-process, fast.

The same profiles go through the real pcscd, the technician's CLI and the kiosk in
tests/devices/test_interop_profiles.py.
"""

from __future__ import annotations

import logging
from datetime import date

import pytest

from devices.card.access import AccessKey
from devices.card.chipread import read_identity
from devices.card.emulator.builder import build_chip, build_dg13
from devices.card.emulator.chip import EmulatedChip
from devices.card.emulator.profiles import OLD_ID_NUMBER, quirk_chip
from devices.card.mrtd import crypto
from devices.card.mrtd.apdu import read_binary
from devices.card.mrtd.errors import (
    AccessControlError,
    CanNotAcceptedError,
    SecureMessagingError,
)
from devices.card.mrtd.lds import parse_com, parse_dg2, parse_dg13
from devices.card.mrtd.reader import ChipReader
from devices.card.mrtd.sm import SessionKeys, protect, unprotect
from devices.card.mrtd.tlv import tlv
from tests.helpers import key_for


def read(chip: EmulatedChip, key: AccessKey, pki):
    return read_identity(chip, key, [pki.csca])


# 1. Files by identifier when short file identifiers are refused ---------------------


@pytest.mark.parametrize("status", [0x6A82, 0x6A86, 0x6D00, 0x9000])
def test_a_chip_without_sfis_is_read_by_file_identifier(pki, card, status) -> None:
    # As found: "read failed: file with SFI 1E not found" (or status 6A86, 6D00).
    chip = EmulatedChip(build_chip(card.identity(), pki))
    chip.sfi_status = status  # 9000: the chip answers, but with nothing of the file
    sent: list[bytes] = []
    real = chip.transmit

    def recording(apdu: bytes) -> bytes:
        sent.append(apdu)
        return real(apdu)

    chip.transmit = recording  # type: ignore[method-assign]
    result = read(chip, key_for(card), pki)
    assert result.identity.id_number == card.id_number
    assert result.authenticity == "verified"
    assert result.chip_authentication == result.active_authentication == "verified"
    # Learnt once (EF.COM), then kept: one refused SFI read after access control.
    sfi_reads = [a for a in sent if a[0] & 0x0C and a[1] == 0xB0 and a[2] & 0x80]
    assert len(sfi_reads) == 2  # EF.COM, and chip authentication's probe


def test_a_pace_chip_without_sfis_gives_ef_cardaccess_by_identifier(pki, card) -> None:
    content = build_chip(card.identity(), pki, pace_parameter=13)
    chip = EmulatedChip(content)
    chip.sfi_status = 0x6D00  # reported of a real CCCD: only SELECT by identifier works
    result = read(chip, AccessKey(can=content.can), pki)
    assert (result.access_control, result.authenticity) == ("PACE", "verified")


def test_another_files_bytes_for_an_sfi_read_switch_to_file_identifiers() -> None:
    from tests.devices.mrtd.scripted import ScriptedTransport

    transport = ScriptedTransport(
        [
            ("00B09E0008", "6103AABBCC9000"),  # asked for EF.COM, answered with a DG1
            ("00A4020C02011E", "9000"),
            ("00B0000008", "6003AABBCC9000"),
            ("00A4020C020101", "9000"),  # and from now on by identifier
            ("00B0000008", "6103DDEEFF9000"),
        ]
    )
    reader = ChipReader(transport)
    assert reader.read_file(0x1E) == bytes.fromhex("6003AABBCC")
    assert reader.read_file(0x01) == bytes.fromhex("6103DDEEFF")
    assert reader.file_access == "fid"


def test_a_chip_with_sfis_is_never_asked_by_file_identifier(pki, card) -> None:
    chip = EmulatedChip(build_chip(card.identity(), pki))
    reader = ChipReader(chip)
    reader.read_all(key_for(card))
    assert reader.file_access == "sfi"
    assert reader.stats.apdus <= 20


# 2. Protected responses without DO'99 ------------------------------------------------


def pair() -> tuple[SessionKeys, SessionKeys]:
    make = lambda: SessionKeys(bytes(range(16)), bytes(range(16, 32)), 7, "3DES")  # noqa: E731
    return make(), make()


def test_a_response_without_do99_is_accepted_when_its_mac_verifies() -> None:
    # As found: "protected response lacks DO99 or DO8E".
    terminal, chip = pair()
    protect(terminal, read_binary(0, 4))
    chip.ssc += 2
    do87 = tlv(0x87, b"\x01" + chip.encrypt(crypto.pad(b"\x60\x14\x5f\x01", 8)))
    response = unprotect(terminal, do87 + tlv(0x8E, chip.mac(do87)) + b"\x62\x82")
    assert (response.data, response.sw) == (b"\x60\x14\x5f\x01", 0x6282)  # the trailer's


def test_a_response_without_do99_whose_mac_fails_is_refused() -> None:
    terminal, chip = pair()
    protect(terminal, read_binary(0, 4))
    chip.ssc += 2
    do87 = tlv(0x87, b"\x01" + chip.encrypt(crypto.pad(b"\x60\x14\x5f\x01", 8)))
    forged = bytearray(chip.mac(do87))
    forged[0] ^= 1
    with pytest.raises(SecureMessagingError, match="MAC"):
        unprotect(terminal, do87 + tlv(0x8E, bytes(forged)) + b"\x90\x00")
    with pytest.raises(SecureMessagingError, match="DO8E"):
        unprotect(terminal, do87 + b"\x90\x00")  # no MAC at all


def test_an_unprotected_error_status_stays_an_error() -> None:
    terminal, _chip = pair()
    protect(terminal, read_binary(0, 4))
    assert unprotect(terminal, b"\x6a\x82").sw == 0x6A82
    with pytest.raises(SecureMessagingError):
        unprotect(terminal, b"\x90\x00")  # success must be protected


def test_a_chip_leaving_out_do99_is_read_whole(pki, card) -> None:
    result = read(quirk_chip(card.identity(), pki, "no_do99"), key_for(card), pki)
    assert result.authenticity == "verified"
    assert result.chip_authentication == "verified"


# 3. PACE refused, BAC works ---------------------------------------------------------------


def test_pace_refused_with_a_security_status_falls_back_to_bac(pki, card) -> None:
    result = read(quirk_chip(card.identity(), pki, "pace_refused"), key_for(card), pki)
    assert (result.access_control, result.authenticity) == ("BAC", "verified")


def test_pace_refused_and_bac_refused_is_a_wrong_key(pki, card) -> None:
    chip = quirk_chip(card.identity(), pki, "pace_refused")
    with pytest.raises(AccessControlError):
        read(chip, key_for(card, date(2041, 1, 1)), pki)


def test_pace_refused_with_only_the_can_asks_for_the_numbers(pki, card) -> None:
    # As found: "PACE: MSE:Set AT: status 6982", an unreadable card and a lost attempt.
    chip = quirk_chip(card.identity(), pki, "pace_refused")
    with pytest.raises(CanNotAcceptedError) as raised:
        read(chip, AccessKey(can=chip.content.can), pki)
    assert raised.value.message_key == "card.error.can_unsupported"


# 4. Tolerant data groups ---------------------------------------------------------------


def test_a_malformed_ef_com_does_not_stop_the_read(pki, card) -> None:
    # As found: "EF.COM: file 1E ended after 26 of 27 bytes".
    result = read(quirk_chip(card.identity(), pki, "malformed_com"), key_for(card), pki)
    assert result.identity.id_number == card.id_number
    assert result.authenticity == "verified"


def test_ef_com_listing_an_unknown_tag_keeps_the_groups_it_knows() -> None:
    com = tlv(0x60, tlv(0x5F01, b"0107") + tlv(0x5C, b"\x61\x99\x75\x6d"))
    assert parse_com(com).data_groups == (1, 2, 13)


def test_dg2_without_its_outer_tag_gives_the_photo(pki, card) -> None:
    # As found: "DG2: expected tag 75, found 7F61".
    chip = quirk_chip(card.identity(), pki, "bare_dg2")
    assert chip.content.files[2].startswith(b"\x7f\x61")
    assert parse_dg2(chip.content.files[2]).mime == "image/jpeg"
    result = read(chip, key_for(card), pki)
    assert result.identity.photo and bytes(result.identity.photo).startswith(b"\xff\xd8")
    assert result.authenticity == "verified"


def test_the_old_id_number_comes_from_dg13_field_16_and_unknown_fields_are_kept(pki, card) -> None:
    chip = quirk_chip(card.identity(), pki, "dg13_field16")
    fields = parse_dg13(chip.content.files[13])
    assert fields["old_id_number"] == OLD_ID_NUMBER
    assert fields["field_15"] == "01/07/2016"
    assert {"field_17", "field_18"} <= set(fields)  # odd contents: kept, not fatal
    result = read(chip, key_for(card), pki)
    assert result.identity.old_id_number == OLD_ID_NUMBER
    assert result.identity.full_name == card.full_name


def test_the_old_id_number_in_field_15_is_found_too(card) -> None:
    dg13 = build_dg13(card.identity())
    field = tlv(0x30, tlv(0x02, b"\x0f") + tlv(0x0C, b"185012345"))
    fields = parse_dg13(_with_extra_field(dg13, field))
    assert fields["old_id_number"] == "185012345"
    assert "field_16" not in fields


def _with_extra_field(dg13: bytes, field: bytes) -> bytes:
    from devices.card.emulator.builder import DG13_OID
    from devices.card.mrtd.tlv import parse_tlv

    items = parse_tlv(dg13, 0x6D).require(0x30).require(0x31).value
    body = tlv(0x02, b"\x01") + DG13_OID + tlv(0x31, items + field)
    return tlv(0x6D, tlv(0x30, body))


# 5. No EF.SOD: read, shown, refused ----------------------------------------------------


def test_a_chip_without_ef_sod_is_read_but_refused_as_unverifiable(pki, card) -> None:
    from kiosk.journeys.identify import refusal

    result = read(quirk_chip(card.identity(), pki, "no_sod"), key_for(card), pki)
    assert result.identity.id_number == card.id_number  # read, so it can be shown
    assert result.authenticity == "not_checked"
    refused = refusal(result, require_trusted_signer=False)
    assert refused is not None and refused.message_key == "card.error.unverifiable"


# 6. The other layout of the CCCD's document number -----------------------------------------


def test_the_full_12_digit_layout_opens_the_chip_in_the_same_attempt(pki, card, caplog) -> None:
    # As found: "access control: EXTERNAL AUTHENTICATE refused (6300)", a wrong key.
    chip = quirk_chip(card.identity(), pki, "full_number")
    reader = ChipReader(chip)
    with caplog.at_level(logging.INFO):
        files = reader.read_all(key_for(card))
    assert files.access_control == "BAC"
    layouts = [r for r in caplog.records if r.getMessage() == "access_key_layout"]
    assert [r.fields["layout"] for r in layouts] == ["full_number"]  # type: ignore[attr-defined]
    assert card.id_number not in caplog.text and card.id_number[3:] not in caplog.text


def test_the_full_12_digit_layout_opens_a_pace_chip_too(pki, card) -> None:
    from devices.card.emulator.builder import PACE_ECDH_GM_AES_128
    from devices.card.mrtd.pace import PaceInfo, card_access_file

    chip = quirk_chip(card.identity(), pki, "full_number")
    chip.content.pace = PaceInfo(PACE_ECDH_GM_AES_128, 2, 13)
    chip.content.files["CardAccess"] = card_access_file(PACE_ECDH_GM_AES_128, 13)
    chip.reset()
    result = read(chip, key_for(card), pki)
    assert (result.access_control, result.authenticity) == ("PACE", "verified")


def test_a_wrong_date_is_tried_once_per_layout_then_refused(pki, card) -> None:
    chip = quirk_chip(card.identity(), pki, "full_number")
    sent: list[int] = []
    real = chip.transmit
    chip.transmit = lambda apdu: sent.append(apdu[1]) or real(apdu)  # type: ignore[method-assign]
    with pytest.raises(AccessControlError):
        ChipReader(chip).read_all(key_for(card, date(2041, 1, 1)))
    assert sent.count(0x82) == 2  # EXTERNAL AUTHENTICATE: the usual layout, then the other


def test_a_key_from_the_mrz_has_no_other_layout(card) -> None:
    assert AccessKey("L898902C", "740812", "320415").other_layout() is None
    key = key_for(card)
    other = key.other_layout()
    assert other is not None and other.document_number == card.id_number
    assert other.other_layout() is None  # once, never a loop
