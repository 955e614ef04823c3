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

    def __repr__(self) -> str:
        return "AccessKey(<secret>)"

    @classmethod
    def from_cccd(cls, id_number: str, birth: date, expiry: date) -> AccessKey:
        """A CCCD's document number in the MRZ is the last 9 digits of the ID number."""
        if not (id_number.isdigit() and len(id_number) == 12):
            raise ValueError("the ID number has 12 digits")
        return cls(id_number[3:], yymmdd(birth), yymmdd(expiry))

    @property
    def mrz_information(self) -> str:
        return bac_seed_text(self.document_number, self.date_of_birth, self.date_of_expiry)
