""" "Gọi nhân viên" reaches a person: the kiosk's call goes to the reference centre (queued
while the centre cannot be reached), shows on the centre's staff page in a real headless
Chromium, and the acknowledgement clicked there comes back to the kiosk."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.app import build_core
from kiosk.base.events import QueueDispatcher
from kiosk.core import KioskCore
from kiosk.runtime.config import KioskConfig, RuntimeFlags
from kiosk.runtime.flow import Step, Trigger

SHOTS = Path(tempfile.gettempdir()) / "staff-calls"


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[tuple[KioskCore, QueueDispatcher, Any]]:
    """The demo kiosk with its own reference centre on loopback, syncing for real."""
    config = KioskConfig().replace(
        storage={"data_dir": str(tmp_path / "data")}, ui={"fullscreen": False}
    )
    dispatcher = QueueDispatcher()
    core, _sims = build_core(config, RuntimeFlags(demo=True), dispatcher, card_apdu_delay_s=0)
    core.start()
    running = next(s.running for s in core.services if hasattr(s, "running"))
    yield core, dispatcher, running
    core.stop()


def _until(dispatcher: QueueDispatcher, core: KioskCore, state: str, timeout: float = 15) -> bool:
    def reached() -> bool:
        core.tick()  # as the window's timer does: asks the centre while a call is open
        return core.staff.call_state == state

    return dispatcher.drain_until(reached, timeout)


def test_a_call_reaches_the_staff_page_and_its_acknowledgement_comes_back(
    kiosk: tuple[KioskCore, QueueDispatcher, Any], browser: Any
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    core, dispatcher, running = kiosk
    service = running.service
    # The centre cannot be reached: the call waits in the kiosk's database.
    service.faults.error_rate = 1.0
    core.staff.call()
    assert core.step is Step.STAFF_HELP and core.staff.call_state == "queued"
    store = core.staff.desk.store
    assert dispatcher.drain_until(
        lambda: any(call.attempts for call in store.calls_in("pending")), 20
    )
    assert core.staff.call_state == "queued" and service.staff_calls.open_calls() == []

    # The network is back: the call is sent and shows on the page, under its kiosk.
    service.faults.error_rate = 0.0
    core.staff.relay.kick()
    assert _until(dispatcher, core, "sent")
    browser.get(running.url + "/staff/calls")
    heading = browser.find_element(By.ID, "kiosk-DEMO01-K01")
    assert "DEMO01-K01" in heading.text and "(1)" in heading.text
    [row] = browser.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert "Màn hình chờ" in row.text  # called from the start screen
    SHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SHOTS / "open-call.png"))

    # A staff member acknowledges it; the kiosk tells the citizen help is coming.
    row.find_element(By.TAG_NAME, "button").click()
    # The click posts the form; the browser then loads the page the centre redirects to.
    empty = WebDriverWait(browser, 30).until(
        expected_conditions.visibility_of_element_located((By.ID, "no-calls"))
    )
    assert "No open calls" in empty.text
    assert _until(dispatcher, core, "acknowledged")
    assert service.staff_calls.open_calls() == []

    # Staff actions reach the centre too: the audit trail, in order, signed.
    core.fire(Trigger.STAFF_DONE)
    core.staff.staff_mode()
    core.staff.sign_in("2468", "NV001")
    assert dispatcher.drain_until(lambda: core.step is Step.STAFF_DASHBOARD, 20)
    core.staff.relay.kick()
    assert dispatcher.drain_until(lambda: bool(service.staff_calls.audit_entries("DEMO01-K01")), 20)
    [entry] = service.staff_calls.audit_entries("DEMO01-K01")
    assert (entry["seq"], entry["actor"], entry["action"]) == (1, "NV001", "sign_in")
    assert dispatcher.drain_until(lambda: store.unsent_audit() == [], 20)
