from datetime import date

import pytest

from devices.card.mrtd.errors import ChipDataError
from devices.card.mrtd.mrz import bac_seed_text, cccd_td1, check_digit, mrz_name, parse_mrz

# ICAO 9303-4 and 9303-5 specimens (Anna Maria Eriksson, Utopia).
TD3 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<"
)


@pytest.mark.parametrize(
    ("field", "digit"),
    [
        ("L898902C<", "3"),
        ("690806", "1"),
        ("940623", "6"),
        ("D23145890", "7"),
        ("740812", "2"),
        ("120415", "9"),
    ],
)
def test_check_digits_follow_9303_3(field: str, digit: str) -> None:
    assert check_digit(field) == digit


def test_td3_specimen() -> None:
    info = parse_mrz(TD3)
    assert info.document_number == "L898902C3"
    assert (info.date_of_birth, info.date_of_expiry, info.sex) == ("740812", "120415", "F")
    assert info.names == "ERIKSSON<<ANNA<MARIA"
    assert info.bac_seed_text == "L898902C36" + "7408122" + "1204159"


def test_td1_specimen_and_scanner_single_line() -> None:
    info = parse_mrz(TD1)
    assert info.document_code == "I" and info.document_number == "D23145890"
    assert parse_mrz(TD1.replace("\n", "")) == info


def test_bac_seed_text_of_appendix_d() -> None:
    assert bac_seed_text("L898902C", "690806", "940623") == "L898902C<369080619406236"


def test_cccd_mrz_round_trips_with_the_full_id_number() -> None:
    mrz = cccd_td1(
        "001185012345", date(1985, 3, 14), date(2045, 3, 14), "F", "Trần", "Thị Ngọc Ánh"
    )
    lines = mrz.split("\n")
    assert [len(line) for line in lines] == [30, 30, 30]
    assert lines[0].startswith("IDVNM185012345")
    info = parse_mrz(mrz)
    assert info.document_number == "185012345"
    assert info.national_id == "001185012345"
    assert info.names == "TRAN<<THI<NGOC<ANH"


@pytest.mark.parametrize("position", [14, 36, 44, 59])
def test_a_wrong_check_digit_is_rejected(position: int) -> None:
    text = TD1.replace("\n", "")
    broken = text[:position] + str((int(text[position]) + 1) % 10) + text[position + 1 :]
    with pytest.raises(ChipDataError, match="check digit"):
        parse_mrz(broken)


@pytest.mark.parametrize("text", ["", "hello", "I<UTO" * 20, "P<UTO\nL898"])
def test_garbage_is_rejected(text: str) -> None:
    with pytest.raises(ChipDataError):
        parse_mrz(text)


def test_vietnamese_names_lose_their_diacritics() -> None:
    assert mrz_name("Đặng Thị Thuỷ") == "DANG<THI<THUY"
    assert mrz_name("Nguyễn Văn Ất") == "NGUYEN<VAN<AT"
