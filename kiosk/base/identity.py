"""The citizen's identity as read from the chip: a value shared by the card reader and the kiosk.

Python cannot overwrite an ``str`` in place, so :meth:`CitizenIdentity.wipe`
drops the values and zeroes the one mutable buffer (the chip photo, kept in a
``bytearray`` for that reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

PERSONAL_FIELDS = (
    "id_number",
    "full_name",
    "date_of_birth",
    "sex",
    "nationality",
    "ethnicity",
    "place_of_origin",
    "place_of_residence",
    "date_of_issue",
    "date_of_expiry",
    "old_id_number",
)


@dataclass
class CitizenIdentity:
    """What the chip says about its holder (DG1/DG13/DG2), already parsed."""

    id_number: str
    full_name: str
    date_of_birth: date
    sex: str = ""
    nationality: str = "Việt Nam"
    ethnicity: str = ""
    place_of_origin: str = ""
    place_of_residence: str = ""
    date_of_issue: date | None = None
    date_of_expiry: date | None = None
    old_id_number: str = ""  # the 9-digit number of the old ID card (CMND), if the chip has it
    photo: bytearray | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # never print personal data by accident
        return "CitizenIdentity(<personal data>)"

    __str__ = __repr__

    def scrub_values(self) -> list[str]:
        """The values a log line must never contain."""
        values: list[str] = []
        for name in PERSONAL_FIELDS:
            value = getattr(self, name)
            if isinstance(value, date):
                values += [value.strftime("%d/%m/%Y"), value.isoformat(), value.strftime("%d%m%Y")]
            elif value:
                values.append(str(value))
        return values

    def wipe(self) -> None:
        if self.photo is not None:
            self.photo[:] = bytes(len(self.photo))
            self.photo = None
        for f in fields(self):
            if f.name == "photo":
                continue
            setattr(self, f.name, None if f.type.startswith("date") else "")
