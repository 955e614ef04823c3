"""After submitting: the fee's VietQR code and, when the receipt does not print, the dossier
code as a QR code to photograph, both read back from the screen as a phone would; the same
return date on the requirements, the receipt screen and the look-up."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import zxingcpp
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QWidget

from kiosk.forms.summary import money_text
from kiosk.payment import parse_payload
from kiosk.runtime.flow import Step, Trigger
from kiosk.runtime.i18n import Translator
from kiosk.scan.qr import qr_frame
from tests.ui.conftest import UiKiosk
from ui.screens.base import Screen
from ui.tour_parts.payment import CRIMINAL_RECORD  # the demo's answers, once

DUE = "30/11/2026"  # 10 calendar days from Friday 20/11/2026: Monday 30/11


def scanned(widget: QWidget) -> str:
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.bytesPerLine()
    )[:, : image.width()]
    result = zxingcpp.read_barcode(pixels.copy())
    assert result is not None, "no QR code on the screen"
    return result.text


def texts(widget: QWidget) -> str:
    return " ".join(label.text() for label in widget.findChildren(QLabel) if label.isVisible())


def in_view(screen: Screen, widget: QWidget) -> bool:
    """``widget`` whole in the part of the page shown, without scrolling."""
    viewport = screen.scroll_area.viewport()
    rect = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
    return widget.isVisible() and viewport.rect().contains(rect)


def on_one_line(code: QLabel) -> bool:
    """The dossier code unbroken: one line, as wide as the room it has at most."""
    text = code.text()
    return (
        "\n" not in text
        and "\u200b" not in text
        and code.fontMetrics().horizontalAdvance(text) <= code.contentsRect().width()
    )


def settled(ui: UiKiosk, condition: Callable[[], bool], what: object = "") -> None:
    """Wait for a layout (a new text size, a new panel) to settle into ``condition``."""
    try:
        ui.qtbot.waitUntil(condition, timeout=10_000)
    except Exception as error:  # pytest-qt's TimeoutError
        raise AssertionError(f"not so: {what() if callable(what) else what}") from error


def where(screen: Screen, widget: QWidget) -> str:
    """Where ``widget`` is on the page shown (for a failure's message)."""
    viewport = screen.scroll_area.viewport()
    rect = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
    return f"{widget.objectName() or type(widget).__name__} at {rect} in {viewport.rect()}"


def submit_criminal_record(ui: UiKiosk) -> None:
    ui.identify()
    ui.click("demo_face_ok")
    ui.click("procedure_TP-LLTP")
    ui.wait_for(Step.REQUIREMENTS)
    requirements = ui.window.screens[Step.REQUIREMENTS]
    assert DUE in " ".join(label.text() for label in requirements.findChildren(QLabel))
    # Before the button that confirms the page: the fee, the date and the papers still to
    # bring, at the top, seen without scrolling.
    facts = requirements.key_facts
    settled(ui, lambda: in_view(requirements, facts))
    assert "200.000 đồng" in texts(facts) and DUE in texts(facts)
    assert "Giấy tờ có thể cần nộp thêm, tùy trường hợp: 1" in texts(facts)
    assert ui.core.forms.complete(dict(CRIMINAL_RECORD)) == {}
    ui.wait_for(Step.CHECK_ANSWERS)
    ui.click("send")
    ui.wait_for(Step.RECEIPT)


def test_fee_qr_code_to_photograph_and_one_date_from_requirements_to_look_up(
    ui_kiosk: UiKiosk,
) -> None:
    core, window = ui_kiosk.core, ui_kiosk.window
    core.devices.printer.paper_out = True
    alerts: list[tuple[str, str]] = []
    core.submission.print_failed.connect(lambda code, key: alerts.append((code, key)))
    submit_criminal_record(ui_kiosk)
    screen = window.screens[Step.RECEIPT]
    code = core.session.dossier_code
    # The receipt did not print: the code to photograph, a clear message, the staff told.
    ui_kiosk.qtbot.waitUntil(screen.photo.isVisible, timeout=20_000)
    assert scanned(screen.photo) == code
    assert "hết giấy" in screen.printer.text() and "chụp ảnh" in screen.printer.text()
    assert "mã QR bên cạnh mã hồ sơ" in screen.printer.text()  # which of the two QR codes
    assert alerts == [(code, "printer.error.paper_out")]
    # Seen without scrolling, in both text sizes: the message, the QR code to photograph,
    # the code on one line (never broken inside a group), the date to come back.
    assert screen.code.text() == code
    for large in (False, True):
        if large:
            ui_kiosk.click("large_text")
            settled(ui_kiosk, lambda: window.theme.large_text)
        for widget in (screen.printer, screen.photo, screen.code, screen.appointment):
            settled(
                ui_kiosk, lambda w=widget: in_view(screen, w), lambda w=widget: where(screen, w)
            )
        settled(ui_kiosk, lambda: on_one_line(screen.code))
        assert DUE in screen.appointment.text()
    ui_kiosk.click("large_text")
    settled(ui_kiosk, lambda: not window.theme.large_text)
    # The fee: the centre's account, the amount for the answers, the code as reference;
    # its QR code says what it is for.
    assert screen.fee.isVisible()
    assert screen.fee.heading.text() == "Thanh toán lệ phí: 200.000 đồng"
    fields = parse_payload(scanned(screen.fee.qr))
    assert fields["54"] == "200000" and fields["62"] == {"08": code}
    assert fields["38"]["01"]["01"] == core.config.payment.account  # type: ignore[index]
    assert "200.000 đồng" in texts(screen)
    assert core.session.appointment is not None
    assert f"{core.session.appointment:%d/%m/%Y}" == DUE
    # The look-up, opened by the receipt's QR code (the ID number typed first), says the
    # same date and the status in words; the dossier was never affected.
    ui_kiosk.click("receipt_continue")
    ui_kiosk.wait_for(Step.RATING)
    core.fire(Trigger.RATING_SKIPPED)
    core.fire(Trigger.FINISHED)
    ui_kiosk.sims.reader.remove()
    ui_kiosk.wait_for(Step.ATTRACT)
    ui_kiosk.click("tile_lookup")
    ui_kiosk.wait_for(Step.LOOKUP)
    lookup = window.screens[Step.LOOKUP]
    lookup.id_number.setText(ui_kiosk.sims.card.id_number)
    core.devices.camera.show([qr_frame(code)])
    ui_kiosk.qtbot.waitUntil(lookup.result.isVisible, timeout=20_000)
    core.devices.camera.show(None)
    assert DUE in lookup.result.text() and "Mới đăng ký" in lookup.result.text()


def test_the_fee_panel_is_read_whole_beside_the_code_and_date(ui_kiosk: UiKiosk) -> None:
    """The receipt printed, a fee to pay: the dossier code on one line, the date, and the
    whole payment panel (amount, account, how to pay and with what reference) on screen
    without scrolling; in larger text, the code and the date still first."""
    window = ui_kiosk.window
    submit_criminal_record(ui_kiosk)
    screen = window.screens[Step.RECEIPT]
    settled(ui_kiosk, screen.fee.isVisible)
    assert not screen.photo.isVisible()  # printed: no code to photograph
    fee = screen.fee
    for widget in (screen.code, screen.appointment, fee.qr, fee.heading, fee.lines, fee.hint):
        settled(ui_kiosk, lambda w=widget: in_view(screen, w), lambda w=widget: where(screen, w))
    settled(ui_kiosk, lambda: on_one_line(screen.code))
    assert "hoặc nộp tại quầy" in fee.hint.text()
    assert "Nội dung chuyển khoản là mã hồ sơ" in fee.hint.text()
    ui_kiosk.click("large_text")
    settled(ui_kiosk, lambda: window.theme.large_text)
    for widget in (screen.printer, screen.code, screen.appointment):
        settled(ui_kiosk, lambda w=widget: in_view(screen, w), lambda w=widget: where(screen, w))
    settled(ui_kiosk, lambda: on_one_line(screen.code))
    assert DUE in screen.appointment.text()


@pytest.mark.parametrize(("language", "expected"), [("vi", "200.000 đồng"), ("en", "200,000 VND")])
def test_fee_amounts_are_grouped_the_languages_way(language: str, expected: str) -> None:
    from kiosk.cli.procedures import money

    assert money_text(200_000, Translator(language)) == expected
    assert money(200_000, language) == expected  # the command line says it the same way
