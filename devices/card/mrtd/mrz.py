"""Machine readable zone: parsing, check digits, and the BAC key seed.

ICAO 9303-3 §4.9 (check digits), 9303-5 (TD1, 3 × 30) and 9303-4 (TD3,
2 × 44).  The Vietnamese CCCD is a TD1 card whose 30-character line 1 holds
``IDVNM``, the last 9 digits of the 12-digit ID number and its check digit,
then the full 12-digit number in the optional data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from devices.card.mrtd.errors import ChipDataError

_WEIGHTS = (7, 3, 1)
_VALID = re.compile(r"^[A-Z0-9<]+$")


def char_value(char: str) -> int:
    """ICAO 9303-3 §4.9: digits are themselves, A–Z are 10–35, the filler '<' is 0."""
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    if char == "<":
        return 0
    raise ValueError(f"not an MRZ character: {char!r}")


def check_digit(field: str) -> str:
    return str(sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(field)) % 10)


@dataclass(frozen=True)
class MrzInfo:
    """What the MRZ says; ``document_number`` without filler."""

    document_code: str
    issuing_state: str
    document_number: str
    date_of_birth: str  # YYMMDD
    date_of_expiry: str  # YYMMDD
    sex: str
    nationality: str
    optional_data: str
    names: str

    def __repr__(self) -> str:
        return f"MrzInfo({self.document_code}, {self.issuing_state}, <personal data>)"

    @property
    def bac_seed_text(self) -> str:
        """ICAO 9303-11 §9.7.2: number + check, birth + check, expiry + check."""
        return bac_seed_text(self.document_number, self.date_of_birth, self.date_of_expiry)

    @property
    def national_id(self) -> str | None:
        """The full 12-digit ID number of a Vietnamese card (optional data of line 1)."""
        digits = self.optional_data.split("<")[0]
        return digits if re.fullmatch(r"\d{12}", digits) else None


def bac_seed_text(document_number: str, birth_yymmdd: str, expiry_yymmdd: str) -> str:
    """The MRZ information that seeds BAC keys (numbers shorter than 9 are padded with '<')."""
    number = document_number.ljust(9, "<")
    for value, name in ((birth_yymmdd, "date of birth"), (expiry_yymmdd, "date of expiry")):
        if not re.fullmatch(r"\d{6}", value):
            raise ValueError(f"{name} must be YYMMDD")
    return (
        number
        + check_digit(number)
        + birth_yymmdd
        + check_digit(birth_yymmdd)
        + expiry_yymmdd
        + check_digit(expiry_yymmdd)
    )


def mrz_name(text: str) -> str:
    """Vietnamese name → MRZ letters (9303-3 §6: no diacritics, Đ → D, spaces → '<')."""
    import unicodedata

    text = text.replace("Đ", "D").replace("đ", "d")
    plain = "".join(
        c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn"
    )
    return re.sub(r"[^A-Z]+", "<", plain.upper()).strip("<")


def yymmdd(value: date) -> str:
    return value.strftime("%y%m%d")


def _check(field: str, digit: str, what: str) -> None:
    if check_digit(field) != digit:
        raise ChipDataError(f"MRZ check digit of the {what} does not match")


def _normalise(text: str) -> list[str]:
    lines = [line.strip().upper().replace(" ", "") for line in text.strip().splitlines()]
    lines = [line for line in lines if line]
    if len(lines) == 1 and len(lines[0]) in (90, 88):  # scanners may send it all on one line
        size = 30 if len(lines[0]) == 90 else 44
        lines = [lines[0][i : i + size] for i in range(0, len(lines[0]), size)]
    for line in lines:
        if not _VALID.match(line):
            raise ChipDataError("MRZ contains characters outside A-Z, 0-9 and '<'")
    return lines


def parse_mrz(text: str) -> MrzInfo:
    """Parse a TD1 (3 × 30) or TD3 (2 × 44) MRZ, verifying every check digit."""
    lines = _normalise(text)
    if len(lines) == 3 and all(len(line) == 30 for line in lines):
        return _parse_td1(lines)
    if len(lines) == 2 and all(len(line) == 44 for line in lines):
        return _parse_td3(lines)
    raise ChipDataError("MRZ must be 3 lines of 30 (TD1) or 2 lines of 44 (TD3) characters")


def _parse_td1(lines: list[str]) -> MrzInfo:
    l1, l2, l3 = lines
    number, number_cd, optional1 = l1[5:14], l1[14], l1[15:30]
    if number_cd == "<":
        # 9303-5 §4.2.2: a number longer than 9 continues in the optional data,
        # its check digit following the overflow.
        overflow, _, rest = optional1.partition("<")
        number, number_cd = number + overflow[:-1], overflow[-1:]
        optional1 = rest
    _check(number, number_cd, "document number")
    birth, expiry = l2[0:6], l2[8:14]
    _check(birth, l2[6], "date of birth")
    _check(expiry, l2[14], "date of expiry")
    composite = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
    _check(composite, l2[29], "whole MRZ")
    optional = optional1
    cccd = re.fullmatch(r"(\d{12})<<(\d)", optional)
    if cccd:
        # The CCCD puts the full 12-digit ID number here, then '<<' and its check digit.
        _check(cccd.group(1), cccd.group(2), "ID number")
    return MrzInfo(
        document_code=l1[0:2].rstrip("<"),
        issuing_state=l1[2:5],
        document_number=number.rstrip("<"),
        date_of_birth=birth,
        date_of_expiry=expiry,
        sex=l2[7],
        nationality=l2[15:18],
        optional_data=optional,
        names=l3.rstrip("<"),
    )


def _parse_td3(lines: list[str]) -> MrzInfo:
    l1, l2 = lines
    number = l2[0:9]
    _check(number, l2[9], "document number")
    _check(l2[13:19], l2[19], "date of birth")
    _check(l2[21:27], l2[27], "date of expiry")
    if l2[42] != "<" or l2[28:42].strip("<"):
        _check(l2[28:42], l2[42], "optional data")
    composite = l2[0:10] + l2[13:20] + l2[21:43]
    _check(composite, l2[43], "whole MRZ")
    return MrzInfo(
        document_code=l1[0:2].rstrip("<"),
        issuing_state=l1[2:5],
        document_number=number.rstrip("<"),
        date_of_birth=l2[13:19],
        date_of_expiry=l2[21:27],
        sex=l2[20],
        nationality=l2[10:13],
        optional_data=l2[28:42],
        names=l1[5:44].rstrip("<"),
    )


def cccd_td1(id_number: str, birth: date, expiry: date, sex: str, surname: str, given: str) -> str:
    """Build the TD1 MRZ of a CCCD (used by the emulator's profiles and tests)."""
    if not re.fullmatch(r"\d{12}", id_number):
        raise ValueError("the ID number has 12 digits")
    number = id_number[3:]
    optional = id_number + "<<" + check_digit(id_number)
    l1 = f"IDVNM{number}{check_digit(number)}{optional}"
    b, e = yymmdd(birth), yymmdd(expiry)
    l2 = f"{b}{check_digit(b)}{sex}{e}{check_digit(e)}VNM" + "<" * 11
    composite = l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]
    l2 += check_digit(composite)
    l3 = mrz_name(surname) + "<<" + mrz_name(given)
    l3 = l3[:30].ljust(30, "<")
    return "\n".join((l1, l2, l3))


def passport_td3(
    document_number: str,
    issuing_state: str,
    nationality: str,
    birth: date,
    expiry: date,
    sex: str,
    surname: str,
    given: str,
) -> str:
    """Build the TD3 MRZ of an ordinary passport (9303-4; used by the emulator and tests)."""
    if not re.fullmatch(r"[A-Z0-9]{1,9}", document_number):
        raise ValueError("a TD3 document number has up to 9 letters or digits")
    number = document_number.ljust(9, "<")
    names = (mrz_name(surname) + "<<" + mrz_name(given))[:39].ljust(39, "<")
    l1 = f"P<{issuing_state}{names}"
    b, e = yymmdd(birth), yymmdd(expiry)
    optional = "<" * 14
    l2 = (
        f"{number}{check_digit(number)}{nationality}{b}{check_digit(b)}{sex or '<'}"
        f"{e}{check_digit(e)}{optional}{check_digit(optional)}"
    )
    l2 += check_digit(l2[0:10] + l2[13:20] + l2[21:43])
    return "\n".join((l1, l2))
