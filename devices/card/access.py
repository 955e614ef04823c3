"""What unlocks the chip: the MRZ data (BAC, PACE) or the card access number (PACE only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from devices.card.mrtd.mrz import bac_seed_text, yymmdd


@dataclass(frozen=True)
class AccessKey:
    """What unlocks the chip: MRZ data (BAC/PACE) or the CAN (PACE only)."""

    document_number: str = ""
    date_of_birth: str = ""  # YYMMDD
    date_of_expiry: str = ""  # YYMMDD
    can: str = ""
    # The 12-digit ID number when the key was built from it: the other layout of the
    # CCCD's document number can then be tried (:meth:`other_layout`).
    id_number: str = ""

    def __repr__(self) -> str:
        return "AccessKey(<secret>)"

    @classmethod
    def from_cccd(cls, id_number: str, birth: date, expiry: date) -> AccessKey:
        """A CCCD's document number in the MRZ is the last 9 digits of the ID number."""
        if not (id_number.isdigit() and len(id_number) == 12):
            raise ValueError("the ID number has 12 digits")
        return cls(id_number[3:], yymmdd(birth), yymmdd(expiry), id_number=id_number)

    def other_layout(self) -> AccessKey | None:
        """The key for the CCCD's other published MRZ layout, or None when there is none.

        Most CCCDs write the last 9 digits of the ID number as the document number
        (the full number sits in the optional data).  ICAO's layout for numbers longer
        than 9 characters (9303-5 §4.2.2 note j) writes the whole 12-digit number,
        overflowing into the optional data, and BAC then uses all 12 digits with the
        check digit over them (9303-11 §9.7.2).  The returned key has no further layout.
        """
        if not self.id_number or self.document_number == self.id_number:
            return None
        return AccessKey(self.id_number, self.date_of_birth, self.date_of_expiry)

    @property
    def layout(self) -> str:
        """Which layout of the document number this key uses (for logs: never the number)."""
        if len(self.document_number) == 12 and self.document_number.isdigit():
            return "full_number"
        return "last_9_digits" if self.id_number else "document_number"

    @property
    def mrz_information(self) -> str:
        return bac_seed_text(self.document_number, self.date_of_birth, self.date_of_expiry)
