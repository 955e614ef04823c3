"""After submitting: the fee's VietQR code and, when the receipt does not print, the dossier
code as a QR code to photograph, both read back from the screen as a phone would; the same
return date on the requirements, the receipt screen and the look-up."""

from __future__ import annotations

import numpy as np
import zxingcpp
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel, QWidget

from kiosk.payment import parse_payload
from kiosk.runtime.flow import Step, Trigger
from kiosk.scan.qr import qr_frame
from tests.ui.conftest import UiKiosk
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


def submit_criminal_record(ui: UiKiosk) -> None:
    ui.identify()
    ui.click("demo_face_ok")
    ui.click("procedure_TP-LLTP")
    ui.wait_for(Step.REQUIREMENTS)
    assert DUE in " ".join(
        label.text() for label in ui.window.screens[Step.REQUIREMENTS].findChildren(QLabel)
    )
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
    ui_kiosk.qtbot.waitUntil(screen.photo.isVisible, timeout=5000)
    assert scanned(screen.photo.qr) == code
    assert "hết giấy" in screen.printer.text() and "chụp ảnh" in screen.printer.text()
    assert alerts == [(code, "printer.error.paper_out")]
    # The fee: the centre's account, the amount for the answers, the code as reference.
    assert screen.fee.isVisible()
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
    ui_kiosk.qtbot.waitUntil(lookup.result.isVisible, timeout=10000)
    core.devices.camera.show(None)
    assert DUE in lookup.result.text() and "Mới đăng ký" in lookup.result.text()
