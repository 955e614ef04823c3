"""The staff walk of the demo tour: the hidden gesture, sign-in, the dashboard, an assisted
session with the face override, and "help is coming" once the centre acknowledges a call.

The demo's staff member NV001 signs in with PIN 2468 (PIN alone is allowed in demo mode).
The acknowledgement is clicked at the demo's own reference centre, as a staff member
would on its staff page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget

from kiosk.runtime.flow import Step

Condition = Any


def _gesture(driver: Any) -> None:
    """Five taps in the window's top-left corner (there is no staff button)."""
    for _ in range(5):
        QTest.mouseClick(driver.window.header, Qt.MouseButton.LeftButton, pos=QPoint(12, 12))


def _acknowledge_at_the_centre(driver: Any) -> bool:
    core = driver.core
    if core.staff.call_state != "sent":
        return False
    running = next((s.running for s in core.services if hasattr(s, "running")), None)
    if running is None:  # no demo centre: the acknowledgement as the relay would bring it
        core.staff.acknowledged(core.staff.call_id)
    else:
        running.service.staff_calls.acknowledge(core.staff.call_id)
    return True


def part(driver: Any) -> Iterator[Condition]:
    core, window, sims = driver.core, driver.window, driver.sims
    S = Step  # noqa: N806  (the tour's own shorthand)
    yield driver.at(S.ATTRACT)
    _gesture(driver)
    yield driver.at(S.STAFF_SIGN_IN)
    yield driver.settle()
    driver.shot("staff-sign-in")
    driver.type_into("staff_id", "NV001")
    driver.type_into("staff_pin", "2468")
    driver.click("staff_sign_in")
    yield driver.at(S.STAFF_DASHBOARD)
    board = window.screens[S.STAFF_DASHBOARD]
    yield lambda: board.board is not None
    yield driver.settle()
    for action in (board.retry, board.reprint):  # under the list, not below a scroll
        driver.require_in_view(action, f"the dashboard's {action.objectName()} button")
    driver.shot("staff-dashboard")

    # An assisted session: the citizen's card, then the face check fails to staff.
    driver.click("staff_assisted")
    yield driver.at(S.INSERT_CARD)
    sims.reader.insert(sims.card)
    yield driver.at(S.ACCESS_KEY)
    yield from driver.type_key(sims.card)
    yield driver.at(S.FACE_CHECK)
    core.session.error_key = "face.result.staff"
    driver.click("callStaff")
    yield driver.at(S.STAFF_HELP)
    _gesture(driver)
    help_screen = window.screens[S.STAFF_HELP]
    yield driver.visible(help_screen.panel)
    driver.click("reason_photo_matches")
    driver.type_into("override_staff_id", "NV001")
    driver.type_into("override_pin", "2468")
    driver.window.hide_keyboard()
    yield driver.settle()
    driver.shot("staff-override")
    driver.click("override_confirm")
    yield driver.at(S.CHOOSE_SERVICE)

    # "Gọi nhân viên": the centre's staff acknowledge, the citizen is told help is coming.
    driver.click("callStaff")
    yield driver.at(S.STAFF_HELP)
    yield lambda: _acknowledge_at_the_centre(driver)
    yield lambda: core.staff.call_state == "acknowledged"
    yield driver.settle()
    driver.shot("staff-help-coming")
    # "Quay lại" withdraws the call: back to the step in progress, nothing lost.
    driver.click("back")
    yield driver.at(S.CHOOSE_SERVICE)
    assert core.session.identified and core.staff.call_state is None
    # "Hủy" with the card read asks first, inside the window.
    driver.click("cancel")
    yield driver.visible(window.findChild(QWidget, "cancelOverlay"))
    yield driver.settle()
    driver.shot("cancel-confirm")
    driver.click("cancel_confirm")
    yield driver.at(S.GOODBYE)
    sims.reader.remove()
    driver.click("home")
    yield driver.at(S.ATTRACT)
