"""The fee to pay for a dossier and the VietQR request for it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kiosk.catalogue.model import Procedure
from kiosk.payment.vietqr import PaymentRequest


def fee_for(procedure: Procedure, answers: Mapping[str, str]) -> int | None:
    """The fee in đồng for the citizen's eligibility answers (0 free, None: set by the
    province or varying, so the counter says it)."""
    if procedure.fee_detail is None:
        return None
    return procedure.fee_detail.for_answers(answers)[0]


def fee_request(settings: Any, amount_vnd: int | None, code: str) -> PaymentRequest | None:
    """The VietQR request for the ``[payment]`` settings, or None when there is nothing to
    pay by QR (no fee, an amount the kiosk does not know, or no account configured)."""
    if not amount_vnd or not settings.account:
        return None
    return PaymentRequest(settings.bank_bin, settings.account, amount_vnd, code)
