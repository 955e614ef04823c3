"""The VietQR payload: EMVCo merchant-presented QR (EMV QRCPS) as profiled by NAPAS.

Every data object is ID (2 digits) + length (2 digits) + value.  A transfer to an account
(NAPAS 247 "QRIBFTTA") is::

    00 "01"                      payload format indicator
    01 "12"                      point of initiation: "12" with an amount, "11" static
    38 merchant account          00 GUID "A000000727" (NAPAS)
                                 01 beneficiary: 00 the bank's 6-digit BIN, 01 the account
                                 02 service "QRIBFTTA" (inter-bank transfer to an account)
    53 "704"                     currency (ISO 4217: đồng)
    54 amount                    whole đồng, digits only
    58 "VN"                      country
    62 additional data           08 purpose of the transfer (here the dossier code)
    63 CRC                       CRC-16/CCITT-FALSE over everything before it, "6304"
                                 included, as 4 upper-case hex digits

Lengths count characters; every value here is ASCII, so characters are bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NAPAS_GUID = "A000000727"
SERVICE_TO_ACCOUNT = "QRIBFTTA"
CURRENCY_VND = "704"
COUNTRY_VN = "VN"
_PURPOSE = re.compile(r"[A-Za-z0-9 .\-_/]{1,25}")  # no diacritics: banks' apps drop them


class VietQrError(ValueError):
    """A value cannot go into a VietQR code, or a payload does not parse."""


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, no reflection, no final XOR
    (its check value for b"123456789" is 0x29B1)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise VietQrError(f"field {tag}: {len(value)} characters, at most 99")
    return f"{tag}{len(value):02d}{value}"


@dataclass(frozen=True)
class PaymentRequest:
    """What the citizen's banking app is asked to pay."""

    bank_bin: str  # the beneficiary bank's 6-digit NAPAS BIN
    account: str  # the centre's account number
    amount_vnd: int | None  # None or 0: a static code without an amount
    purpose: str  # the payment reference: the dossier code

    def __post_init__(self) -> None:
        if not re.fullmatch(r"\d{6}", self.bank_bin):
            raise VietQrError("bank BIN: expected 6 digits")
        if not re.fullmatch(r"[0-9A-Za-z]{1,19}", self.account):
            raise VietQrError("account: expected 1-19 letters or digits")
        if self.amount_vnd is not None and not 0 <= self.amount_vnd <= 9_999_999_999_999:
            raise VietQrError("amount: expected whole đồng, at most 13 digits")
        if not _PURPOSE.fullmatch(self.purpose):
            raise VietQrError("purpose: expected 1-25 letters, digits, spaces or . - _ /")


def vietqr_payload(request: PaymentRequest) -> str:
    """The text to encode in the QR code."""
    beneficiary = _tlv("00", request.bank_bin) + _tlv("01", request.account)
    merchant = _tlv("00", NAPAS_GUID) + _tlv("01", beneficiary) + _tlv("02", SERVICE_TO_ACCOUNT)
    amount = request.amount_vnd or 0
    body = (
        _tlv("00", "01")
        + _tlv("01", "12" if amount else "11")
        + _tlv("38", merchant)
        + _tlv("53", CURRENCY_VND)
        + (_tlv("54", str(amount)) if amount else "")
        + _tlv("58", COUNTRY_VN)
        + _tlv("62", _tlv("08", request.purpose))
        + "6304"
    )
    return body + f"{crc16_ccitt_false(body.encode('ascii')):04X}"


def _objects(text: str, where: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    i = 0
    while i < len(text):
        head = text[i : i + 4]
        if len(head) < 4 or not head.isdigit():
            raise VietQrError(f"{where}: a data object at {i} has no ID and length")
        tag, length = head[:2], int(head[2:])
        value = text[i + 4 : i + 4 + length]
        if len(value) != length:
            raise VietQrError(f"{where}: field {tag} is cut short")
        if tag in fields:
            raise VietQrError(f"{where}: field {tag} twice")
        fields[tag] = value
        i += 4 + length
    return fields


def parse_payload(text: str) -> dict[str, object]:
    """Read a payload back: top-level fields with the templates 38 and 62 opened
    (``{"38": {"00": ..., "01": {"00": bin, "01": account}, "02": ...}, ...}``).
    Raises :class:`VietQrError` when the CRC does not match or a field is malformed."""
    if len(text) < 8 or text[-8:-4] != "6304":
        raise VietQrError("the payload does not end with a CRC (6304 and 4 hex digits)")
    expected = f"{crc16_ccitt_false(text[:-4].encode('utf-8')):04X}"
    if text[-4:].upper() != expected:
        raise VietQrError(f"CRC {text[-4:]} does not match {expected}")
    fields: dict[str, object] = dict(_objects(text, "payload"))
    for tag in ("38", "62"):
        if tag in fields:
            inner: dict[str, object] = dict(_objects(str(fields[tag]), f"field {tag}"))
            if tag == "38" and "01" in inner:
                inner["01"] = _objects(str(inner["01"]), "field 38.01")
            fields[tag] = inner
    return fields
