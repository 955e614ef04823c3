"""Dossier codes and the dossier handed from the form to the outbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

CODE_PATTERN = re.compile(r"^[A-Z0-9.]{2,20}-\d{6}-K\d{2}\d{4}$")
_TAIL = re.compile(r"-(\d{2})(\d{2})(\d{2})-K(\d{2})(\d{4})$")


class DossierCodes:
    """Codes unique without asking the centre: ``{unit}-{yyMMdd}-K{kiosk:02}{counter:04}``.

    The unit code and date follow the provincial ``{unit}-{yyMMdd}-{NNNN}``
    pattern; the kiosk number keeps two kiosks of one unit apart.  The per-day
    number comes from the outbox, in the transaction that queues the dossier,
    and never below the numbering's high-water mark: a file kept beside the
    database and reported to the centre, so neither a restart nor a lost or
    replaced database hands a number out twice (``offline_cache/numbering.py``).
    """

    def __init__(self, unit_code: str, kiosk_number: int) -> None:
        self.unit_code = unit_code.upper()
        self.kiosk_number = kiosk_number

    def code(self, when: datetime, number: int) -> str:
        if not 1 <= number <= 9999:
            raise OverflowError("more than 9999 dossiers from one kiosk in a day")
        return f"{self.unit_code}-{when:%y%m%d}-K{self.kiosk_number:02d}{number:04d}"


def code_day_and_number(code: str) -> tuple[date, int] | None:
    """The day and the per-day number a dossier code was made from (None: not a kiosk code)."""
    found = _TAIL.search(code.strip().upper())
    if found is None:
        return None
    yy, mm, dd, _kiosk, number = (int(part) for part in found.groups())
    try:
        return date(2000 + yy, mm, dd), number
    except ValueError:
        return None


@dataclass(frozen=True)
class DossierMeta:
    """What stays readable on the kiosk: no personal data."""

    code: str
    procedure_code: str
    received_at: datetime
    appointment: date | None
