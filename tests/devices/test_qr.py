from datetime import date

import pytest

from devices.card.mrtd.errors import ChipDataError
from devices.card.qr import expiry_candidates, parse_card_qr

QR = "001185012345|185012345|Trần Thị Ngọc Ánh|14031985|Nữ|Số 12 phố Hàng Bạc, Hà Nội|10052023||"


def test_qr_fields_are_parsed_by_position() -> None:
    qr = parse_card_qr(QR)
    assert qr.id_number == "001185012345" and qr.old_id_number == "185012345"
    assert qr.full_name == "Trần Thị Ngọc Ánh"
    assert qr.date_of_birth == date(1985, 3, 14) and qr.date_of_issue == date(2023, 5, 10)
    assert "Trần" not in repr(qr)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "123|x|y|01011990|Nam|addr|01012020",
        "001185012345||A|31021990|Nam|addr|01012020",
    ],
)
def test_bad_qr_codes_are_refused(text: str) -> None:
    with pytest.raises(ChipDataError):
        parse_card_qr(text)


@pytest.mark.parametrize(
    ("birth", "issued", "first"),
    [
        # Issued at 38, within two years before 40: valid until 60.
        (date(1985, 3, 14), date(2023, 5, 10), date(2045, 3, 14)),
        # Issued at 30: valid until 40.
        (date(1990, 6, 1), date(2020, 7, 1), date(2030, 6, 1)),
        # Issued at 10 (2023 law): valid until 14.
        (date(2015, 1, 20), date(2025, 2, 1), date(2029, 1, 20)),
        # Issued at 59: does not expire.
        (date(1960, 5, 5), date(2019, 8, 1), None),
        # Issued at 11 under the 2014 law (before 1/7/2024): valid until 25.
        (date(2010, 4, 4), date(2021, 5, 5), date(2035, 4, 4)),
    ],
)
def test_expiry_follows_the_renewal_ages(birth: date, issued: date, first: date | None) -> None:
    candidates = expiry_candidates(birth, issued)
    assert candidates[0] == first
    assert len(candidates) == len(set(candidates))


def test_the_other_law_is_the_second_guess() -> None:
    # Issued at 11 in 2021: the 2014 law says 25, the 2023 law would have said 14.
    assert expiry_candidates(date(2010, 4, 4), date(2021, 5, 5)) == [
        date(2035, 4, 4),
        date(2024, 4, 4),
    ]
