"""Hostile chip data: every parser raises ChipDataError and nothing else, quickly."""

from __future__ import annotations

import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.card.emulator.builder import build_chip
from devices.card.emulator.pki import create_test_pki
from devices.card.mrtd.errors import ChipDataError
from devices.card.mrtd.lds import parse_com, parse_dg1, parse_dg2, parse_dg13, parse_dg15
from devices.card.mrtd.sod import parse_sod, passive_authentication
from devices.card.mrtd.tlv import parse_tlv, tlv, walk
from devices.card.simulator import SimulatedCard

PARSERS = [
    parse_com,
    parse_dg1,
    parse_dg2,
    parse_dg13,
    parse_dg15,
    parse_sod,
    parse_tlv,
    lambda d: list(walk(d)),
]
FUZZ = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def genuine() -> dict:
    return build_chip(SimulatedCard.from_profile().identity(), create_test_pki()).files


@pytest.mark.parametrize("parser", PARSERS)
@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes_raise_only_chip_data_errors(parser, data: bytes) -> None:
    try:
        parser(data)
    except ChipDataError:
        pass


@pytest.mark.parametrize(
    ("name", "parser"),
    [
        ("COM", parse_com),
        (1, parse_dg1),
        (2, parse_dg2),
        (13, parse_dg13),
        (15, parse_dg15),
        ("SOD", parse_sod),
    ],
)
@FUZZ
@given(
    cut=st.integers(min_value=0, max_value=5000),
    flip=st.integers(0, 5000),
    byte=st.integers(0, 255),
)
def test_truncated_or_mutated_real_files_never_crash(genuine, name, parser, cut, flip, byte):
    original = genuine[name]
    mutated = bytearray(original[: max(1, cut % (len(original) + 1))])
    if mutated:
        mutated[flip % len(mutated)] = byte
    try:
        parser(bytes(mutated))
    except ChipDataError:
        pass


def test_huge_claimed_lengths_are_refused_before_allocation() -> None:
    with pytest.raises(ChipDataError, match="claims"):
        parse_tlv(b"\x75\x84\x7f\xff\xff\xff" + b"\x00" * 10)
    with pytest.raises(ChipDataError):
        parse_tlv(b"\x75\x85" + b"\xff" * 5)


def test_deep_nesting_is_refused() -> None:
    data = b"\x04\x00"
    for _ in range(60):
        data = tlv(0x30, data)
    with pytest.raises(ChipDataError, match="deep"):
        list(walk(data))


def jpeg_claiming(width: int, height: int) -> bytes:
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + sof + b"\xff\xd9"


def test_a_jpeg_bomb_in_dg2_is_refused_without_decoding(genuine) -> None:
    from devices.card.emulator.builder import face_record

    record = face_record(jpeg_claiming(60000, 60000), 60000, 60000)
    header = tlv(0xA1, tlv(0x80, b"\x01\x01"))
    dg2 = tlv(0x75, tlv(0x7F61, tlv(0x02, b"\x01") + tlv(0x7F60, header + tlv(0x5F2E, record))))
    with pytest.raises(ChipDataError, match="60000x60000"):
        parse_dg2(dg2)


def test_genuine_files_parse(genuine) -> None:
    card = SimulatedCard.from_profile()
    assert parse_dg1(genuine[1]).national_id == card.id_number
    dg13 = parse_dg13(genuine[13])
    assert dg13["full_name"] == card.full_name
    assert dg13["place_of_residence"] == card.place_of_residence
    face = parse_dg2(genuine[2])
    assert face.mime == "image/jpeg" and (face.width, face.height) == (240, 320)
    assert parse_com(genuine["COM"]).data_groups == (1, 2, 13, 14, 15)
    assert set(parse_sod(genuine["SOD"]).hashes) == {1, 2, 13, 14, 15}


def test_dg13_fields_are_found_by_number_whatever_their_order() -> None:
    def field(n: int, value: str) -> bytes:
        return tlv(0x30, tlv(0x02, bytes([n])) + tlv(0x0C, value.encode()))

    body = (
        tlv(0x02, b"\x01")
        + bytes.fromhex("060628D316010008")
        + tlv(
            0x31,
            field(9, "Hà Nội")
            + field(2, "Lê Văn Tám")
            + field(1, "079203001234")
            + field(99, "future field"),
        )
    )
    parsed = parse_dg13(tlv(0x6D, tlv(0x30, body)))
    assert parsed == {
        "id_number": "079203001234",
        "full_name": "Lê Văn Tám",
        "place_of_residence": "Hà Nội",
    }


def test_passive_authentication_of_garbage_is_data_altered() -> None:
    assert passive_authentication(b"\x77\x02\x30\x00", {1: b"x"}, []).status == "data_altered"


@FUZZ
@given(text=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<\n ", max_size=100))
def test_mrz_parser_raises_only_chip_data_errors(text: str) -> None:
    from devices.card.mrtd.mrz import parse_mrz

    try:
        parse_mrz(text)
    except ChipDataError:
        pass


@pytest.mark.parametrize("parser_name", ["card_access", "dg14", "qr"])
@FUZZ
@given(data=st.binary(max_size=300))
def test_other_parsers_raise_only_chip_data_errors(parser_name: str, data: bytes) -> None:
    from devices.card.mrtd.aa import aa_hash_from_dg14
    from devices.card.mrtd.pace import parse_card_access
    from devices.card.qr import parse_card_qr

    try:
        if parser_name == "card_access":
            parse_card_access(data)
        elif parser_name == "dg14":
            assert aa_hash_from_dg14(data) in ("sha1", "sha224", "sha256", "sha384", "sha512")
        else:
            parse_card_qr(data.decode("utf-8", "replace"))
    except ChipDataError:
        pass


@FUZZ
@given(data=st.binary(max_size=200))
def test_protected_responses_that_are_garbage_end_the_session_cleanly(data: bytes) -> None:
    from devices.card.mrtd.errors import SecureMessagingError
    from devices.card.mrtd.sm import SessionKeys, unprotect

    keys = SessionKeys(bytes(16), bytes(range(16)), 0, "3DES")
    try:
        unprotect(keys, data + b"\x90\x00")
    except (SecureMessagingError, ChipDataError):
        pass
