"""Technician mode on screen, and the locked-down window outside it.

The panel runs over the real window with a real TechnicianMode on a settings file in
``tmp_path``; its work runs synchronously here (the same calls the task runner makes).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import zxingcpp
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QContextMenuEvent, QImage, QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from devices.camera.simulator import SimulatedCamera
from kiosk.journeys.technician import TechnicianMode
from kiosk.staff.roles import Role
from ui.screens.technician import NAV_STYLE, TechnicianPanel

SHOTS = Path(os.environ.get("TECH_SHOTS", "")) if os.environ.get("TECH_SHOTS") else None


def now(work: Any, done: Any) -> None:
    done(work())


@pytest.fixture
def panel(ui_kiosk, tmp_path: Path) -> TechnicianPanel:
    (tmp_path / "kiosk.toml").write_text("")
    mode = TechnicianMode(tmp_path / "kiosk.toml", tmp_path / "data", Role.TECHNICIAN)
    window = ui_kiosk.window
    camera = SimulatedCamera()
    panel = TechnicianPanel(
        mode, ui_kiosk.core.tr, now, lambda: (camera.start(), camera)[1], window
    )
    panel.setStyleSheet("#technicianPanel { background: #F4F6FA; }" + NAV_STYLE)
    panel.resize_to_parent()
    panel.show()
    panel.raise_()
    yield panel
    camera.stop()


def shot(window: Any, name: str) -> None:
    QApplication.processEvents()
    if SHOTS is not None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        window.grab().save(str(SHOTS / f"{name}.png"))


def texts(panel: TechnicianPanel) -> str:
    QApplication.processEvents()  # rows added to a shown page appear on the next turn
    return "\n".join(w.text() for w in panel.findChildren(QLabel) if w.isVisible())


def test_a_technician_walks_through_the_panel(ui_kiosk, panel) -> None:
    """One window for the whole walk (a kiosk window costs seconds on a loaded machine)."""
    click = ui_kiosk.qtbot.mouseClick
    left = Qt.MouseButton.LeftButton
    # Checks: each failure named, with its remedy.
    click(panel.run_checks, left)
    shown = texts(panel)
    assert "trust_store" in shown and "Cách khắc phục:" in shown
    assert "mục kiểm tra chưa đạt" in panel.outputs["checks"].text()
    # Vietnamese titles and sentences; the commands inside them as they are typed.
    assert "✗ Kho chứng thư CSCA · Lỗi: chưa đặt thư mục chứng thư CSCA" in shown
    assert "Dung lượng đĩa · Đạt: còn " in shown and "Phông chữ tiếng Việt · Đạt" in shown
    assert "kiosk config set devices.trust_store DIR" in shown
    assert "is not set" not in shown and "trust_store ·" not in shown
    shot(ui_kiosk.window, "technician-checks")

    # Face threshold: chosen from the measured table, with its data source.
    panel.show_section("face")
    option = panel.face_choices[2]
    assert "0,488" in option.text()  # Vietnamese decimals in Vietnamese
    detail = panel.face_details[2].text()
    assert "LFW, 87 người Đông Á, 469 ảnh" in detail and "FNMR" in detail and "1,59 %" in detail
    assert "East-Asian" not in detail  # nothing English on the Vietnamese screen
    click(option, left)
    assert panel.mode.config.face.threshold == 0.488
    shot(ui_kiosk.window, "technician-face")

    # Centre: a wrong address refused in one line; then enrolment, fingerprint and QR.
    panel.show_section("centre")
    panel.url.setText("not a url")
    click(panel.save_centre, left)
    assert panel.outputs["centre"].text().startswith("Lỗi: ")
    panel.url.setText("https://trungtam.example.vn")
    panel.kiosk_id.setText("000.00.01.H01-K05")
    click(panel.save_centre, left)
    click(panel.enrol, left)
    config = panel.mode.config
    assert config.sync.central_url == "https://trungtam.example.vn" and config.sync.credential
    fingerprint = panel.outputs["centre"].text().splitlines()[-1]
    assert len(fingerprint.split()) == 8
    assert panel.qr.pixmap().width() >= 200
    image = panel.qr.pixmap().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    pixels = np.array(image.constBits(), dtype=np.uint8).reshape(
        image.height(), image.bytesPerLine()
    )[:, : image.width()]
    (decoded,) = zxingcpp.read_barcodes(pixels)  # what the centre's phone reads
    assert fingerprint in decoded.text and "000.00.01.H01-K05" in decoded.text
    shot(ui_kiosk.window, "technician-centre")

    # Camera: the live preview with the detector's box.
    panel.show_section("camera")
    ui_kiosk.qtbot.waitUntil(lambda: "khuôn mặt" in panel.outputs["camera"].text(), timeout=30_000)
    assert panel.preview.pixmap() is not None
    shot(ui_kiosk.window, "technician-camera")

    # Every button has its text, in both languages.
    for name in ("checks", "reader", "printer", "centre", "trust", "face", "catalogue", "logs"):
        panel.show_section(name)
        for widget in panel.findChildren(QPushButton):
            if widget.isVisible():
                assert widget.text() and not widget.text().startswith("tech."), widget.objectName()
    ui_kiosk.core.tr.set_language("en")
    assert panel.exit.text() == "Leave technician mode"
    panel.show_section("checks")
    rows = panel.check_rows  # the new rows (the old ones go on the event loop's next turn)

    def shown_rows() -> str:
        return "\n".join(rows.itemAt(i).widget().text() for i in range(rows.count()))

    # The rows already on screen are said again in English, without running the checks.
    assert "✗ CSCA trust store · Fails: devices.trust_store is not set" in shown_rows()
    click(panel.run_checks, left)
    shown = shown_rows()
    assert "✗ CSCA trust store · Fails: devices.trust_store is not set" in shown
    assert "Kho chứng thư" not in shown and "Cách khắc phục" not in shown
    panel.show_section("face")
    assert "LFW, 87 East-Asian people, 469 photos" in panel.face_details[2].text()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)  # the old rows go
    shot(ui_kiosk.window, "technician-checks-en")


def test_outside_technician_mode_the_kiosk_cannot_be_left(ui_kiosk) -> None:
    from ui.lockdown import Lockdown

    window = ui_kiosk.window
    lock = Lockdown(window, allowed=lambda: False)
    closed = []
    window.destroyed.connect(lambda: closed.append(True))
    for key, mods in (
        (Qt.Key.Key_F4, Qt.KeyboardModifier.AltModifier),
        (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
    ):
        assert lock.swallowed(QKeyEvent(QEvent.Type.KeyPress, key, mods))
    assert not lock.swallowed(
        QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier)
    )
    assert window.close() is False and window.isVisible()  # a close request is refused
    menu = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(5, 5), QPoint(5, 5))
    assert lock.eventFilter(window, menu) is True  # no context menu anywhere
    assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
    lock.allowed = lambda: True  # a signed-in technician may close it
    assert not lock.swallowed(
        QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    )
    lock.release()


def test_no_reader_or_printer_found_reads_as_a_problem_with_nothing_to_test(
    ui_kiosk, panel, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the technician sees when pcscd or CUPS lists nothing (the lists themselves are
    read from the real daemons in tests/kiosk/doctor/test_setup_flow.py)."""
    for section, listed, action in (
        ("reader", "readers", panel.read_card),
        ("printer", "printers", panel.test_page),
    ):
        monkeypatch.setattr(panel.mode, listed, lambda: [])
        panel.show_section(section)
        out = panel.outputs[section]
        assert out.objectName() == "errorText" and out.text()  # said in the error colour
        assert not action.isEnabled()  # no test read or test page with nothing to use
        if section == "printer":
            assert "lpadmin" in out.text()  # what to do about it
        monkeypatch.setattr(panel.mode, listed, lambda: ["Kiosk device 00 00"])
        panel.show_section(section)
        assert out.objectName() != "errorText" and action.isEnabled()
