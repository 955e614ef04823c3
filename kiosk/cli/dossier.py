"""``kiosk dossier submit-demo``: demo dossiers through the same path as the screens.

A headless core with simulated devices: place the demo card, type its key,
pass the face step, choose the interconnected birth registration, answer,
confirm, and wait for the receipt, N times.  For demos, load and chaos tests
of the outbox and the sync.  It only queues: the kiosk or ``kiosk sync run``
sends them.
"""

from __future__ import annotations

import time

from kiosk.app import build_core
from kiosk.base.events import QueueDispatcher
from kiosk.runtime.config import KioskConfig, RuntimeFlags
from kiosk.runtime.flow import Step, Trigger

ANSWERS = {
    # Eligibility: the mother declares a child born in hospital, on time, parents married,
    # so no paper is needed and no address asked.
    "declarant_role": "mother",
    "born_in_facility": "yes",
    "late_registration": "no",
    "parents_married": "yes",
    "child_name": "Trần Minh Khôi",
    "child_dob": "01/11/2026",
    "phone": "0912345678",
}


def submit_demo(
    config: KioskConfig, count: int, timeout_s: float = 30.0, *, sync: bool = False
) -> list[str]:
    """Submit ``count`` demo dossiers; returns their codes.

    With ``sync`` the kiosk's own worker runs too, as in the real kiosk, and
    the call returns once the outbox is empty (or the timeout).
    """
    dispatcher = QueueDispatcher()
    core, sims = build_core(
        config, RuntimeFlags(demo=True), dispatcher, card_apdu_delay_s=0, sync=sync
    )
    assert sims.reader is not None and sims.card is not None
    card = sims.card
    codes: list[str] = []

    def until(step: Step) -> None:
        if not dispatcher.drain_until(lambda: core.step is step, timeout_s):
            raise RuntimeError(f"demo submission stuck in {core.step.value}")

    core.start()
    try:
        for _ in range(count):
            sims.reader.insert(card)
            until(Step.ACCESS_KEY)
            core.identify.submit_access_key(
                card.id_number, f"{card.date_of_birth:%d/%m/%Y}", f"{card.date_of_expiry:%d/%m/%Y}"
            )
            until(Step.FACE_CHECK)
            core.face.confirmed()
            core.service.choose("LT-KS-TT-BHYT")
            if core.forms.complete(dict(ANSWERS)):
                raise RuntimeError("the demo answers were refused")
            core.forms.confirm_answers()
            until(Step.RECEIPT)
            codes.append(core.session.dossier_code or "")
            core.submission.receipt_done()
            core.fire(Trigger.RATING_SKIPPED)
            core.fire(Trigger.FINISHED)
            sims.reader.remove()
            until(Step.ATTRACT)
        if sync:
            deadline = time.monotonic() + timeout_s
            while core.outbox.status(core.now())["counts"].get("pending"):
                if time.monotonic() > deadline:
                    raise RuntimeError("the demo dossiers did not reach the centre")
                time.sleep(0.05)
    finally:
        core.stop()
    return codes


__all__ = ["submit_demo"]
