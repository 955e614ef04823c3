"""The receipt's parts that the journeys prepare before rendering (no reportlab here: the
submit journey words them on the core thread)."""

from __future__ import annotations

from dataclasses import dataclass

SUPPLIED = ("data", "photographed", "at_counter", "filled")


def mask_id_number(id_number: str, shown: int = 4) -> str:
    """'001099012345' -> '********2345': the receipt may be lost, the number stays private."""
    digits = id_number.strip()
    if len(digits) <= shown:
        return "*" * len(digits)
    return "*" * (len(digits) - shown) + digits[-shown:]


def lookup_qr_text(code: str) -> str:
    """What the receipt's QR code holds: the dossier code, which the kiosk's look-up reads
    (``kiosk.journeys.lookup``) and any phone shows as text."""
    return code


@dataclass(frozen=True)
class ReceiptComponent:
    """One paper of the dossier and how it was supplied (one of :data:`SUPPLIED`)."""

    name: str
    supplied: str
    source: str = ""  # for "data": the database whose data replaced the paper
