"""A receipt that does not print reaches the staff, as the citizen's screen promises: the
kiosk raises an alert like "Gọi nhân viên" (queued while the centre cannot be reached),
the reference centre's staff page shows why and for which dossier (never who), the
citizen's flow stays on the receipt, and the staff dashboard marks the dossier until a
reprint."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.app import build_core
from kiosk.base.events import QueueDispatcher
from kiosk.runtime.config import KioskConfig, RuntimeFlags
from kiosk.runtime.flow import Step, Trigger
from tests.conftest import Kiosk
from tests.pii import needles_for, unique_answers, unique_card

SHOTS = Path(tempfile.gettempdir()) / "staff-calls"


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[tuple[Kiosk, Any]]:
    """The demo kiosk with its own reference centre on loopback, syncing for real."""
    config = KioskConfig().replace(
        storage={"data_dir": str(tmp_path / "data")}, ui={"fullscreen": False}
    )
    dispatcher = QueueDispatcher()
    core, sims = build_core(config, RuntimeFlags(demo=True), dispatcher, card_apdu_delay_s=0)
    core.start()
    running = next(s.running for s in core.services if hasattr(s, "running"))
    yield Kiosk(core, sims, dispatcher), running
    core.stop()


def test_a_receipt_not_printed_alerts_the_centre_and_the_dashboard_until_reprinted(
    kiosk: tuple[Kiosk, Any], browser: Any
) -> None:
    from selenium.webdriver.common.by import By

    rig, running = kiosk
    core, service = rig.core, running.service
    card, answers = unique_card(), unique_answers()
    needles = needles_for(card) + list(answers.values())
    # The centre cannot be reached and the printer has no paper.
    service.faults.error_rate = 1.0
    core.devices.printer.paper_out = True  # type: ignore[attr-defined]
    rig.identify(card)
    rig.fill_birth_registration(answers)
    core.forms.confirm_answers()
    rig.wait_for(Step.RECEIPT)
    assert rig.dispatcher.drain_until(lambda: core.submission.print_error_key is not None, 30)
    code = core.session.dossier_code
    assert code is not None
    # The citizen stays on the receipt screen (with the code to photograph); no call of
    # theirs is open, and the screen may say the staff were told: they were.
    assert core.step is Step.RECEIPT and core.staff.call_state is None
    assert core.submission.photo_hint_key == "receipt_screen.photo_hint"
    store = core.staff.desk.store
    assert rig.dispatcher.drain_until(
        lambda: any(call.attempts for call in store.calls_in("pending")), 30
    )
    [waiting] = store.calls_in("pending")
    assert (waiting.reason, waiting.detail, waiting.dossier_code) == (
        "receipt_not_printed",
        "paper_out",
        code,
    )
    assert service.staff_calls.open_calls() == []

    # The network is back: the alert reaches the centre's staff page, under its kiosk.
    service.faults.error_rate = 0.0
    core.staff.relay.kick()
    assert rig.dispatcher.drain_until(lambda: store.calls_in("sent") != [], 30)
    [open_call] = service.staff_calls.open_calls()
    assert (open_call.reason, open_call.dossier_code) == ("receipt_not_printed", code)
    browser.get(running.url + "/staff/calls")
    [row] = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert "Không in được phiếu" in row.text and "hết giấy" in row.text
    assert code in row.text and "Biên nhận" in row.text
    SHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SHOTS / "receipt-alert.png"))
    page = browser.page_source
    leaked = [needle for needle in needles if needle in page]
    assert leaked == []  # a dossier code, a reason, a time: nobody's name or number
    assert core.step is Step.RECEIPT  # still nothing moved the citizen

    # Staff sign in on the kiosk: today's list marks the dossier; a reprint clears it.
    core.devices.printer.paper_out = False  # type: ignore[attr-defined]
    core.cancel()
    core.fire(Trigger.GOODBYE_ELAPSED)
    assert core.step is Step.ATTRACT
    boards: list[Any] = []
    core.staff.dashboard_loaded.connect(boards.append)
    core.staff.staff_mode()
    core.staff.sign_in("2468", "NV001")
    assert rig.dispatcher.drain_until(lambda: boards != [], 30)
    [line] = [line for line in boards[-1].dossiers if line.code == code]
    assert line.receipt == "failed"
    done: list[str] = []
    core.staff.action_done.connect(done.append)
    core.staff.reprint(code)
    assert rig.dispatcher.drain_until(lambda: done != [] and len(boards) > 1, 30)
    assert done == ["staff.done.reprint"]
    [line] = [line for line in boards[-1].dossiers if line.code == code]
    assert line.receipt == "printed"


def test_without_a_centre_the_screen_does_not_say_the_staff_were_told(
    kiosk: tuple[Kiosk, Any],
) -> None:
    rig, _running = kiosk
    core = rig.core
    assert core.submission.photo_hint_key == "receipt_screen.photo_hint"
    relay, core.staff.relay = core.staff.relay, None  # a kiosk that talks to no centre
    try:
        key = core.submission.photo_hint_key
        assert key == "receipt_screen.photo_hint_counter"
        said = core.tr(key)
        assert "đã được báo" not in said and "quầy" in said
    finally:
        core.staff.relay = relay


def test_the_centre_takes_keys_and_a_dossier_code_in_an_alert_never_free_text(
    tmp_path: Path,
) -> None:
    import json

    from sqlalchemy import create_engine

    from kiosk.central import protocol as p
    from kiosk.central.reference.calls import StaffCalls

    calls = StaffCalls(create_engine(f"sqlite:///{tmp_path / 'centre.db'}"))
    headers = {p.H_IDEMPOTENCY.lower(): "a" * 32}

    def post(**alert: str) -> Any:
        body = json.dumps({"step": "receipt", "called_at": "2026-12-04T09:30:00", **alert})
        return calls.handle("call", "DEMO01-K01", "", headers, body.encode())

    for refused in (
        {"reason": "receipt_not_printed", "dossier_code": "001190012345"},  # an ID number
        {"reason": "Trần Thị Lan"},  # a name
        {"reason": "receipt_not_printed", "detail": "paper out at 09:30"},
    ):
        with pytest.raises(p.ProtocolError):
            post(**refused)
    assert calls.open_calls() == []
    post(reason="receipt_not_printed", detail="jam", dossier_code="DEMO01-261204-K010003")
    [call] = calls.open_calls()
    assert (call.reason, call.detail, call.dossier_code) == (
        "receipt_not_printed",
        "jam",
        "DEMO01-261204-K010003",
    )
