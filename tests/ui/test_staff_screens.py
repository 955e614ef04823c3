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
    ui_kiosk.qtbot.waitUntil(lambda: "không đúng" in shown_text(screen), timeout=20_000)
    shot(window, "staff-sign-in-wrong")
    field(window, "staff_id").setText("NV001")
    field(window, "staff_pin").setText("2468")
    ui_kiosk.click("staff_sign_in")
    ui_kiosk.wait_for(Step.STAFF_DASHBOARD)
    board = window.screens[Step.STAFF_DASHBOARD]
    ui_kiosk.qtbot.waitUntil(lambda: board.board is not None, timeout=20_000)
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
    ui_kiosk.qtbot.waitUntil(help_screen.panel.isVisible, timeout=10_000)
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
        lambda: "Nhân viên đang đến hỗ trợ bạn" in shown_text(help_screen), timeout=10_000
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


def _main_colour(widget) -> tuple[int, int, int]:
    """The colour most of ``widget`` is painted in (a button's fill)."""
    image = widget.grab().toImage()
    counts: dict[tuple[int, int, int], int] = {}
    for y in range(4, image.height() - 4, 3):
        for x in range(4, image.width() - 4, 3):
            colour = image.pixelColor(x, y)
            key = (colour.red(), colour.green(), colour.blue())
            counts[key] = counts.get(key, 0) + 1
    return max(counts, key=counts.__getitem__)


def test_the_dashboard_marks_an_unprinted_receipt_and_offers_only_what_applies(ui_kiosk) -> None:
    from kiosk.runtime.flow import Trigger
    from tests.conftest import BIRTH_ANSWERS

    window, core = ui_kiosk.window, ui_kiosk.core
    # A citizen's dossier whose receipt did not print (a procedure with a long name).
    core.devices.printer.paper_out = True
    ui_kiosk.identify()
    core.face.confirmed()
    core.service.choose("LT-KS-TT-BHYT")
    core.forms.start()
    assert core.forms.complete(dict(BIRTH_ANSWERS)) == {}
    core.forms.confirm_answers()
    ui_kiosk.wait_for(Step.RECEIPT)
    ui_kiosk.qtbot.waitUntil(lambda: core.submission.print_error_key is not None, timeout=20_000)
    code = core.session.dossier_code
    core.devices.printer.paper_out = False
    core.cancel()
    core.fire(Trigger.GOODBYE_ELAPSED)
    ui_kiosk.wait_for(Step.ATTRACT)

    tap_corner(ui_kiosk)
    ui_kiosk.wait_for(Step.STAFF_SIGN_IN)
    field(window, "staff_id").setText("NV001")
    field(window, "staff_pin").setText("2468")
    ui_kiosk.click("staff_sign_in")
    ui_kiosk.wait_for(Step.STAFF_DASHBOARD)
    board = window.screens[Step.STAFF_DASHBOARD]
    ui_kiosk.qtbot.waitUntil(lambda: board.board is not None, timeout=20_000)
    listing = board.dossiers
    [row] = [r for r in range(listing.count()) if code in listing.item(r).text()]
    text = listing.item(row).text()
    name = "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ BHYT cho trẻ dưới 6 tuổi"
    assert "chưa in phiếu" in text and name in text
    # The whole name shows, wrapped (no tooltip to read on a touch screen): the entry is
    # as tall as its text laid out in the list's width.
    metrics = listing.fontMetrics()
    width = listing.viewport().width()
    assert metrics.horizontalAdvance(text) > width  # too long for one line: it must wrap
    needed = metrics.boundingRect(0, 0, width - 8, 10_000, Qt.TextFlag.TextWordWrap, text)
    assert listing.visualItemRect(listing.item(row)).height() >= needed.height()
    shot(window, "staff-dashboard-not-printed")

    # Nothing chosen: "Gửi lại" and "In bản sao phiếu" are off, look it, and the screen
    # says what to do.
    retry, reprint = board.retry, board.reprint
    refresh = ui_kiosk.find("staff_refresh")
    assert not retry.isEnabled() and not reprint.isEnabled()
    assert _main_colour(reprint) != _main_colour(refresh)
    assert "Chạm vào một hồ sơ để gửi lại hoặc in bản sao phiếu." in shown_text(board)

    # The dossier touched: a copy can be printed (it was sent: nothing to send again).
    rect = listing.visualItemRect(listing.item(row))
    QTest.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    ui_kiosk.qtbot.waitUntil(reprint.isEnabled, timeout=10_000)
    assert not retry.isEnabled()
    assert _main_colour(reprint) == _main_colour(refresh)
    assert "Chạm vào một hồ sơ" not in shown_text(board)
    ui_kiosk.click("staff_reprint")
    ui_kiosk.qtbot.waitUntil(
        lambda: (
            "Đã in bản sao phiếu" in shown_text(board)
            and not any("chưa in phiếu" in listing.item(r).text() for r in range(listing.count()))
        ),
        timeout=20_000,
    )


def test_the_override_panel_labels_its_fields_and_fits_with_one_main_button(ui_kiosk) -> None:
    window, core = ui_kiosk.window, ui_kiosk.core
    core.staff.call()
    ui_kiosk.wait_for(Step.STAFF_HELP)
    help_screen = window.screens[Step.STAFF_HELP]
    tap_corner(ui_kiosk)
    ui_kiosk.qtbot.waitUntil(help_screen.panel.isVisible, timeout=10_000)
    for large in (False, True):
        window.set_theme(large_text=large)
        help_screen.show_override()

        def fits() -> bool:  # the fields in sight, the confirm button on the screen
            confirm = help_screen.confirm
            box = confirm.geometry()
            box.moveTopLeft(confirm.mapTo(window, QPoint(0, 0)))
            edits = (help_screen.note, help_screen.staff_id, help_screen.pin)
            shown = all(fits_in_view(help_screen, edit) for edit in edits)
            return shown and confirm.isVisible() and window.rect().contains(box)

        ui_kiosk.qtbot.waitUntil(fits, timeout=10_000)  # the confirm row in sight
        shot(window, f"staff-override-{'large' if large else 'default'}")
        # Each field keeps its name above it once typed into, never cut.
        for name, caption in (
            ("override_note", "Ghi chú thêm (không bắt buộc)"),
            ("override_staff_id", "Mã nhân viên"),
            ("override_pin", "Mã PIN"),
        ):
            edit = field(window, name)
            [above] = [w for w in help_screen.findChildren(QLabel) if w.buddy() is edit]
            assert above.isVisible() and above.text() == caption
            assert above.geometry().bottom() <= edit.geometry().top()
            room = above.contentsRect()
            laid = above.fontMetrics().boundingRect(
                0, 0, room.width(), 10_000, Qt.TextFlag.TextWordWrap, caption
            )
            assert laid.width() <= room.width() and laid.height() <= room.height()  # not cut
            assert fits_in_view(help_screen, edit)
        mains = [
            b.text()
            for b in help_screen.findChildren(QPushButton)
            if b.isVisible() and b.property("primary") is True
        ]
        assert mains == ["Xác nhận đúng người"]
    window.set_theme(large_text=False)


def fits_in_view(screen, widget) -> bool:
    viewport = screen.scroll_area.viewport()
    box = widget.geometry()
    box.moveTopLeft(widget.mapTo(viewport, QPoint(0, 0)))
    return viewport.rect().contains(box)
