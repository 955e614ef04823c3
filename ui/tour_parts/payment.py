"""The tour's receipt walk: a procedure with a fee (the date promised before the form, the
VietQR code after submitting), a receipt that does not print (the code as a QR code to
photograph), and the look-up opened by holding the receipt's QR code to the camera."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from kiosk.runtime.flow import Step

Condition = Callable[[], bool]

CRIMINAL_RECORD = {
    "certificate_type": "type_1",
    "fee_group": "standard",
    "father_name": "Trần Văn Bình",
    "mother_name": "Lê Thị Hoa",
    "spouse_name": "",
    "purpose": "Bổ sung hồ sơ xin việc",
    "copies": "1",
    "phone": "0912345678",
}


def _submit(driver: Any, shot_prefix: str) -> Iterator[Condition]:
    """Identify with the demo card, file the criminal-record certificate, reach the receipt."""
    core, sims = driver.core, driver.sims
    driver.click("tile_submit")
    yield driver.at(Step.INSERT_CARD)
    sims.reader.insert(sims.card)
    yield driver.at(Step.ACCESS_KEY)
    yield driver.settle(100)
    driver.click("demo_qr")
    yield driver.at(Step.FACE_CHECK)
    driver.click("demo_face_ok")
    yield driver.at(Step.CHOOSE_SERVICE)
    core.service.choose("TP-LLTP")
    yield driver.at(Step.REQUIREMENTS)
    yield driver.settle()
    if shot_prefix:  # the fee, the legal time and the date promised, scrolled into view
        from PySide6.QtWidgets import QLabel

        screen = driver.window.screens[Step.REQUIREMENTS]
        promised = core.tr("requirements.appointment", date="")[:20]
        for widget in screen.findChildren(QLabel):
            if promised in widget.text():
                screen.scroll_area.ensureWidgetVisible(widget, 0, 120)
        yield driver.settle()
        driver.shot(f"{shot_prefix}-requirements")
    core.forms.complete(dict(CRIMINAL_RECORD))
    yield driver.at(Step.CHECK_ANSWERS)
    driver.click("send")
    yield driver.at(Step.RECEIPT)


def _leave(driver: Any) -> Iterator[Condition]:
    driver.click("receipt_continue")
    yield driver.at(Step.RATING)
    driver.click("rate_very_satisfied")
    yield driver.at(Step.GOODBYE)
    driver.sims.reader.remove()
    driver.click("home")
    yield driver.at(Step.ATTRACT)


def part(driver: Any) -> Iterator[Condition]:
    from devices.camera.simulator import SimulatedCamera
    from devices.printer.simulator import SimulatedPrinter
    from kiosk.scan.qr import qr_frame

    core, window = driver.core, driver.window
    printer = core.devices.printer
    receipt = window.screens[Step.RECEIPT]

    # A fee to pay: the VietQR code for the centre's account, the dossier code as reference.
    yield from _submit(driver, "payment")
    yield lambda: core.submission.payment is not None and receipt.fee.isVisible()
    yield lambda: core.submission.print_error_key is None and receipt.printer.text() != ""
    yield driver.settle(700)  # the receipt printed (the simulator takes half a second)
    driver.shot("payment-fee-qr")
    code = core.session.dossier_code or ""
    yield from _leave(driver)

    # The printer out of paper: the dossier is filed all the same, its code shown as a QR
    # code to photograph, the staff alerted.
    if isinstance(printer, SimulatedPrinter):
        printer.paper_out = True
        yield from _submit(driver, "")
        yield lambda: receipt.photo.isVisible()
        yield driver.settle()
        driver.shot("payment-printer-failed")
        printer.paper_out = False
        yield from _leave(driver)

    # The look-up: the ID number typed, then the receipt held up to the camera.
    driver.click("tile_lookup")
    yield driver.at(Step.LOOKUP)
    lookup = window.screens[Step.LOOKUP]
    yield lambda: lookup.preview._image is not None
    driver.type_into("lookup_id", driver.sims.card.id_number)
    yield driver.settle()
    if not core.lookup.scanning:  # typing gave the camera's room to the keyboard
        driver.click("lookup_scan")
    yield lambda: core.lookup.scanning
    camera = core.devices.camera
    if isinstance(camera, SimulatedCamera):
        camera.show([qr_frame(code)])
    yield lambda: lookup.result.isVisible()
    if isinstance(camera, SimulatedCamera):
        camera.show(None)
    yield driver.settle()
    driver.shot("payment-lookup-by-qr")
    driver.click("back")
    yield driver.at(Step.ATTRACT)
