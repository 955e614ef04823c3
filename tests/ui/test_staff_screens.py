"""Staff screens in the real window: the hidden gesture (no visible button), sign-in, the
dashboard, the face override on the staff help screen, and "help is coming"."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton

from kiosk.runtime.flow import Step

SHOTS = Path(os.environ["STAFF_SHOTS"]) if os.environ.get("STAFF_SHOTS") else None


def shot(window, name: str) -> None:
    QApplication.processEvents()
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SHOTS / f"{name}.png"))


def tap_corner(ui_kiosk, times: int = 5) -> None:
    header = ui_kiosk.window.header
    for _ in range(times):
        QTest.mouseClick(header, Qt.MouseButton.LeftButton, pos=QPoint(12, 12))


def field(window, name: str) -> QLineEdit:
    return next(e for e in window.findChildren(QLineEdit, name) if e.isVisible())


def shown_text(screen) -> str:
    QApplication.processEvents()
    return "\n".join(w.text() for w in screen.findChildren(QLabel) if w.isVisible())


def test_staff_sign_in_dashboard_override_and_help_coming(ui_kiosk) -> None:
    window, core = ui_kiosk.window, ui_kiosk.core
    # No button on the start screen leads to staff mode; four taps are not enough.
    names = {b.objectName() for b in window.findChildren(QPushButton) if b.isVisible()}
    assert not any("staff" in name for name in names)
    tap_corner(ui_kiosk, 4)
    assert core.step is Step.ATTRACT
    tap_corner(ui_kiosk, 1)
    ui_kiosk.wait_for(Step.STAFF_SIGN_IN)
    shot(window, "staff-sign-in")

    field(window, "staff_id").setText("NV001")
    field(window, "staff_pin").setText("1111")
    ui_kiosk.click("staff_sign_in")
    screen = window.screens[Step.STAFF_SIGN_IN]
    ui_kiosk.qtbot.waitUntil(lambda: "không đúng" in shown_text(screen), timeout=5000)
    shot(window, "staff-sign-in-wrong")
    field(window, "staff_id").setText("NV001")
    field(window, "staff_pin").setText("2468")
    ui_kiosk.click("staff_sign_in")
    ui_kiosk.wait_for(Step.STAFF_DASHBOARD)
    board = window.screens[Step.STAFF_DASHBOARD]
    ui_kiosk.qtbot.waitUntil(lambda: board.board is not None, timeout=5000)
    text = shown_text(board)
    assert "NV001" in text and "Hàng đợi gửi" in text and "Số thứ tự đã cấp hôm nay: 0" in text
    shot(window, "staff-dashboard")

    # An assisted session: the citizen's card, a failed face check, the override.
    ui_kiosk.click("staff_assisted")
    ui_kiosk.wait_for(Step.INSERT_CARD)
    ui_kiosk.identify()
    core.session.error_key = "face.result.staff"
    core.staff.call()
    ui_kiosk.wait_for(Step.STAFF_HELP)
    help_screen = window.screens[Step.STAFF_HELP]
    assert not help_screen.panel.isVisible()  # the override is for staff only
    tap_corner(ui_kiosk)
    ui_kiosk.qtbot.waitUntil(help_screen.panel.isVisible, timeout=2000)
    ui_kiosk.click("reason_photo_matches")
    field(window, "override_staff_id").setText("NV001")
    field(window, "override_pin").setText("2468")
    shot(window, "staff-override")
    ui_kiosk.click("override_confirm")
    ui_kiosk.wait_for(Step.CHOOSE_SERVICE)
    assert core.session.face_check.staff_id == "NV001"

    # "Gọi nhân viên" from the form: once acknowledged, the citizen is told help is coming.
    core.staff.call()
    ui_kiosk.wait_for(Step.STAFF_HELP)
    assert "Ki-ốt đang báo cho nhân viên" in shown_text(help_screen)
    core.staff.acknowledged(core.staff.call_id)
    ui_kiosk.qtbot.waitUntil(
        lambda: "Nhân viên đang đến hỗ trợ bạn" in shown_text(help_screen), timeout=3000
    )
    shot(window, "staff-help-coming")


def test_only_a_technician_gets_technician_mode_from_the_dashboard(ui_kiosk) -> None:
    window, core = ui_kiosk.window, ui_kiosk.core
    board = window.screens[Step.STAFF_DASHBOARD]
    for staff_id, pin, technician in (("NV001", "2468", False), ("KT01", "13579", True)):
        tap_corner(ui_kiosk)
        ui_kiosk.wait_for(Step.STAFF_SIGN_IN)
        field(window, "staff_id").setText(staff_id)
        field(window, "staff_pin").setText(pin)
        ui_kiosk.click("staff_sign_in")
        ui_kiosk.wait_for(Step.STAFF_DASHBOARD)
        QApplication.processEvents()
        assert board.technician.isVisible() is technician
        if technician:
            ui_kiosk.click("staff_technician")
            opened = [w for w in window.children() if w.objectName() == "technicianPanel"]
            assert opened and opened[-1].isVisible()
            # The demo writes its own settings file, never the machine's.
            assert opened[-1].mode.config_path.parent == core.context.data_dir
            opened[-1].close_panel()
        ui_kiosk.click("staff_sign_out")
        ui_kiosk.wait_for(Step.ATTRACT)
