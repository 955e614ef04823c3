"""Paying a fee by QR: the VietQR payload (NAPAS's profile of the EMVCo merchant-presented
QR code) for the centre's account, the amount for the citizen's answers and the dossier
code as the payment reference.  The kiosk only shows the code: whether the fee was paid
comes from the central service, never from the kiosk.
"""

from kiosk.payment.fee import fee_for, fee_request
from kiosk.payment.vietqr import (
    PaymentRequest,
    VietQrError,
    crc16_ccitt_false,
    parse_payload,
    vietqr_payload,
)

__all__ = [
    "PaymentRequest",
    "VietQrError",
    "crc16_ccitt_false",
    "fee_for",
    "fee_request",
    "parse_payload",
    "vietqr_payload",
]
