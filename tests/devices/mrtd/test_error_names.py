"""Every chip error names the file or step it happened in, for the technician.

"truncated TLV: no tag" left a technician guessing which of seven files was bad;
the message now starts with it ("EF.SOD: …", "DG2: …", "access control: …") and
still carries no personal data.
"""

from __future__ import annotations

import pytest

from devices.card.chipread import read_identity
from devices.card.emulator.builder import build_chip, build_sod
from devices.card.emulator.chip import EmulatedChip
from devices.card.errors import CardError
from devices.card.mrtd.errors import ChipDataError, StatusWordError
from devices.card.mrtd.lds import parse_com, parse_dg1, parse_dg2, parse_dg13, parse_dg15
from devices.card.mrtd.sod import parse_sod
from devices.card.mrtd.tlv import tlv
from tests.helpers import key_for


def test_a_step_is_named_once_and_the_innermost_name_wins() -> None:
    error = ChipDataError("truncated TLV at byte 3: no tag").at("EF.SOD").at("passive")
    assert str(error) == "EF.SOD: truncated TLV at byte 3: no tag"
    assert error.where == "EF.SOD"
    assert str(ChipDataError("DG2 holds no image").at("DG2")) == "DG2 holds no image"
    named = StatusWordError(0x6A82, "READ BINARY").at("DG13")
    assert (str(named), named.sw) == ("DG13: READ BINARY: status 6A82", 0x6A82)


@pytest.mark.parametrize(
    ("parse", "name"),
    [
        (parse_com, "EF.COM"),
        (parse_dg1, "DG1"),
        (parse_dg2, "DG2"),
        (parse_dg13, "DG13"),
        (parse_dg15, "DG15"),
        (parse_sod, "EF.SOD"),
    ],
)
def test_each_parser_names_its_file(parse, name: str) -> None:
    with pytest.raises(ChipDataError) as raised:
        parse(b"")
    assert str(raised.value) == f"{name}: truncated TLV at byte 0: no tag"


def test_a_file_cut_short_on_the_chip_is_named_by_the_reader(pki, card) -> None:
    content = build_chip(card.identity(), pki)
    content.files[2] = b"\x75\x82\x01\x00" + bytes(10)  # claims 256 bytes, holds 10
    with pytest.raises(ChipDataError, match=r"^DG2: file 02 ended after 14 of 260 bytes"):
        read_identity(EmulatedChip(content), key_for(card), [pki.csca])


def test_a_signed_but_unreadable_dg13_is_named_without_its_content(pki, card) -> None:
    content = build_chip(card.identity(), pki)
    content.files[13] = tlv(0x6D, tlv(0x30, tlv(0x0C, card.full_name.encode())))
    groups = {n: content.files[n] for n in (1, 2, 13, 14, 15)}
    content.files["SOD"] = build_sod(groups, pki)  # the signer vouches for it
    with pytest.raises(CardError) as raised:
        read_identity(EmulatedChip(content), key_for(card), [pki.csca])
    assert str(raised.value) == "DG13 has no ID number"
    assert raised.value.where == "DG13"
    assert card.full_name not in str(raised.value)


def test_a_refused_access_key_names_the_step(pki, card) -> None:
    from datetime import date

    chip = EmulatedChip(build_chip(card.identity(), pki))
    with pytest.raises(CardError) as raised:
        read_identity(chip, key_for(card, date(2044, 3, 14)), [pki.csca])
    assert raised.value.where == "access control"
    assert str(raised.value).startswith("access control: ")
