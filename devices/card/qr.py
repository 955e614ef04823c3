"""The QR code on the front of a CCCD, and the access keys it suggests.

The QR holds ``ID | old ID | name | birth ddMMyyyy | sex | address | issue
ddMMyyyy`` (newer cards append empty fields) but **no expiry date**, which BAC
needs.  The expiry follows from the renewal ages (Identity Law 2023: 14, 25,
40 and 60; the 2014 law: 25, 40, 60): a card is valid until the day the holder
reaches the next milestone age, a card issued within two years before a
milestone is valid until the following one, and one issued at 58 or later
does not expire.  The candidates are a first guess: the caller tries them in
order (within the three-attempt limit) and asks the citizen when none opens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from devices.card.mrtd.errors import ChipDataError

# What the MRZ of a card that never expires holds is unconfirmed; 31/12/2099 stands in.
NO_EXPIRY = date(2099, 12, 31)
MILESTONES_2023 = (14, 25, 40, 60)
MILESTONES_2014 = (25, 40, 60)
LAW_2023_IN_FORCE = date(2024, 7, 1)


@dataclass(frozen=True)
class CardQr:
    id_number: str
    old_id_number: str
    full_name: str
    date_of_birth: date
    sex: str
    address: str
    date_of_issue: date

    def __repr__(self) -> str:
        return "CardQr(<personal data>)"


def _date(text: str) -> date:
    if not re.fullmatch(r"\d{8}", text):
        raise ChipDataError("QR date is not ddMMyyyy")
    try:
        return date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError as exc:
        raise ChipDataError("QR date does not exist") from exc


def parse_card_qr(text: str) -> CardQr:
    fields = text.strip().split("|")
    if len(fields) < 7:
        raise ChipDataError("not the QR code of a chip ID card")
    id_number = fields[0].strip()
    if not re.fullmatch(r"\d{12}", id_number):
        raise ChipDataError("the QR code's ID number does not have 12 digits")
    return CardQr(
        id_number=id_number,
        old_id_number=fields[1].strip(),
        full_name=fields[2].strip(),
        date_of_birth=_date(fields[3].strip()),
        sex=fields[4].strip(),
        address=fields[5].strip(),
        date_of_issue=_date(fields[6].strip()),
    )


def _birthday(birth: date, age: int) -> date:
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:  # born on 29 February
        return date(birth.year + age, 3, 1)


def expiry_candidates(birth: date, issued: date) -> list[date | None]:
    """Likely expiry dates, most likely first; ``None`` means 'does not expire'."""
    candidates: list[date | None] = []
    age_at_issue = (
        issued.year - birth.year - ((issued.month, issued.day) < (birth.month, birth.day))
    )
    if age_at_issue >= 58:
        candidates.append(None)
    # The law in force on the day of issue is the better first guess.
    laws = (MILESTONES_2023, MILESTONES_2014)
    if issued < LAW_2023_IN_FORCE:
        laws = (MILESTONES_2014, MILESTONES_2023)
    for milestones in laws:
        upcoming = [m for m in milestones if _birthday(birth, m) > issued]
        if not upcoming:
            continue
        first = upcoming[0]
        # Issued within two years before a milestone: valid until the next one.
        if _birthday(birth, first - 2) <= issued and len(upcoming) > 1:
            choice: date | None = _birthday(birth, upcoming[1])
        elif _birthday(birth, first - 2) <= issued:
            choice = None
        else:
            choice = _birthday(birth, first)
        if choice not in candidates:
            candidates.append(choice)
    return candidates
