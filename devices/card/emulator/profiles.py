"""Chips other producers made: one emulator profile per quirk seen in the field.

The project's reader and emulator were written from the same reading of ICAO
9303, so they could share a misreading.  Each profile here reproduces a way a
real chip (or what others report from real CCCDs and passports) differs from our
own emulator, so the reader is tested against behaviour it did not choose:

- ``no_sfi``: READ BINARY by short file identifier refused (6A86); files are
  selected by file identifier (ISO 7816-4 §7.1.1) and read by offset.
- ``no_do99``: protected responses carry DO'87 and DO'8E but no DO'99; the status
  is in the trailer (ISO 7816-4 §10.2 lets the processing status be left out).
- ``pace_refused``: EF.CardAccess offers PACE, but PACE with the MRZ password is
  answered 6982; BAC with the same key works.
- ``malformed_com``: EF.COM lists a tag no data group has and claims one byte more
  than the file holds.
- ``bare_dg2``: DG2 without its outer tag 75 (the biometric template 7F61 alone).
- ``dg13_field16``: the old 9-digit ID number in DG13 field 16, another value in
  field 15, and fields no public description names (17, 18).
- ``no_sod``: no EF.SOD at all: nothing to check the data against.
- ``full_number``: the MRZ writes the 12-digit number the ICAO way for long document
  numbers (9303-5 §4.2.2 note j: the first 9 digits, '<', the rest and the check
  digit in the optional data), so the BAC key is built from all 12 digits.
"""

from __future__ import annotations

from devices.card.emulator.builder import (
    DG13_OID,
    ChipContent,
    build_chip,
    dg13_field,
    resign,
)
from devices.card.emulator.chip import EmulatedChip
from devices.card.emulator.pki import TestPki
from devices.card.mrtd.mrz import check_digit
from devices.card.mrtd.tlv import parse_tlv, tlv
from kiosk.base.identity import CitizenIdentity

QUIRKS: dict[str, str] = {
    "no_sfi": "no short file identifiers: files selected by identifier",
    "no_do99": "protected responses without DO'99 (status in the trailer)",
    "pace_refused": "PACE offered in EF.CardAccess but refused (6982); BAC works",
    "malformed_com": "EF.COM lists an unknown tag and is one byte short",
    "bare_dg2": "DG2 without its outer tag 75",
    "dg13_field16": "the old ID number in DG13 field 16, unknown fields 17 and 18",
    "no_sod": "no EF.SOD: the data cannot be verified",
    "full_number": "BAC key from the full 12-digit number (ICAO long document number)",
}
OLD_ID_NUMBER = "185012345"  # the profile's old 9-digit ID (CMND): not a real person's


def quirk_content(identity: CitizenIdentity, pki: TestPki, quirk: str) -> ChipContent:
    """The files of a CCCD chip for ``identity`` with ``quirk`` (one of :data:`QUIRKS`)."""
    if quirk not in QUIRKS:
        raise ValueError(f"unknown chip quirk {quirk!r}: expected one of {', '.join(QUIRKS)}")
    if quirk == "no_sod":
        return build_chip(identity, pki, tamper="no_sod")
    if quirk == "pace_refused":
        return build_chip(identity, pki, pace_parameter=13)
    content = build_chip(identity, pki)
    files = content.files
    if quirk == "malformed_com":
        parts = b"".join(
            tlv(item.tag, item.value + (b"\x99" if item.tag == 0x5C else b""))  # unknown tag
            for item in parse_tlv(files["COM"], 0x60).children()
        )
        files["COM"] = b"\x60" + bytes([len(parts) + 1]) + parts  # one byte more than there is
    elif quirk == "bare_dg2":
        files[2] = parse_tlv(files[2], 0x75).value
    elif quirk == "dg13_field16":
        files[13] = _dg13_with_field16(files[13])
    elif quirk == "full_number":
        content.mrz = long_number_td1(content.mrz, identity.id_number)
        files[1] = tlv(0x61, tlv(0x5F1F, content.mrz.replace("\n", "").encode("ascii")))
    resign(content, pki)
    return content


def quirk_chip(identity: CitizenIdentity, pki: TestPki, quirk: str) -> EmulatedChip:
    """An emulated chip with ``quirk``: its files (:func:`quirk_content`) and behaviour."""
    chip = EmulatedChip(quirk_content(identity, pki, quirk))
    if quirk == "no_sfi":
        chip.sfi_status = 0x6A86
    elif quirk == "no_do99":
        chip.omit_do99 = True
    elif quirk == "pace_refused":
        chip.pace_refusal = 0x6982
    return chip


def _dg13_with_field16(dg13: bytes) -> bytes:
    """DG13 with field 15 another value, the old ID in 16, and two unknown fields."""
    inner = parse_tlv(dg13, 0x6D).require(0x30).require(0x31)
    kept = b"".join(tlv(item.tag, item.value) for item in inner.children())
    extra = (
        dg13_field(15, "01/07/2016")
        + dg13_field(16, OLD_ID_NUMBER)
        # Numbers no public description names, holding what no string reader expects.
        + tlv(0x30, tlv(0x02, b"\x11") + tlv(0x04, b"\x01\x02\x03"))
        + tlv(0x30, tlv(0x02, b"\x12") + tlv(0x30, tlv(0x30, tlv(0x01, b"\xff"))))
    )
    body = tlv(0x02, b"\x01") + DG13_OID + tlv(0x31, kept + extra)
    return tlv(0x6D, tlv(0x30, body))


def long_number_td1(mrz: str, id_number: str) -> str:
    """The CCCD's TD1 MRZ with the 12-digit number written as a long document number.

    9303-5 §4.2.2 note j: the first 9 characters in the number field, '<' where its
    check digit would be, then the remaining characters and the check digit over the
    whole number at the start of the optional data.
    """
    lines = mrz.split("\n")
    first = (lines[0][:5] + id_number[:9] + "<" + id_number[9:] + check_digit(id_number)).ljust(
        30, "<"
    )
    second = lines[1][:29]
    composite = first[5:30] + second[0:7] + second[8:15] + second[18:29]
    return "\n".join((first, second + check_digit(composite), lines[2]))


__all__ = ["QUIRKS", "long_number_td1", "quirk_chip", "quirk_content"]
