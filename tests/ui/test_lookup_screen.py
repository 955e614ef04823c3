"""The look-up as a citizen sees it, against the reference centre on loopback: the fee and
whether it is paid (the centre's word, never the kiosk's), a status sentence that means
the status named, nothing cut at the top, and the ID number gone from the screen once the
answer is shown and from the fields once the citizen leaves.  Also the access-key screen's
words: the same words as its fields, the CAN and the MRZ said in plain words."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton, QWidget

from kiosk.base.central import Accepted, DossierUpload
from kiosk.runtime.flow import Step
from kiosk.runtime.i18n import Translator
from offline_cache.sealing import seal
from tests.central_helpers import start_central

CODE = "000.00.01.H01-261120-K030001"


def _upload(central, id_number: str) -> None:
    """A dossier with a 200.000 đ fee, as the kiosk seals it ("to pay"), at the centre."""
    content = {
        "code": CODE,
        "citizen": {"id_number": id_number},
        "payment": {"status": "to_pay", "amount_vnd": 200000, "reference": CODE},
    }
    service = central.service
    sealed = seal(json.dumps(content).encode(), service.seal_key.public_key(), CODE.encode())
    upload = DossierUpload(CODE, "TP-LLTP", datetime(2026, 11, 20, 9), date(2026, 11, 25), sealed)
    assert isinstance(central.client().submit_dossier(upload, "k" * 32), Accepted)


def _shown_texts(screen: QWidget) -> list[str]:
    texts = [w.text() for w in screen.findChildren(QLabel) if w.isVisible()]
    return texts + [w.text() for w in screen.findChildren(QLineEdit) if w.isVisible()]


def _cut(screen) -> list[str]:
    """Buttons and the answer only partly in sight in the page's scroll area."""
    viewport = screen.scroll_area.viewport()
    seen = QRect(QPoint(0, 0), viewport.size())
    cut = []
    for widget in [*screen.scroll_area.widget().findChildren(QPushButton), screen.result]:
        if not widget.isVisible():
            continue
        top_left = widget.mapTo(viewport, QPoint(0, 0))
        rect = QRect(top_left, widget.size())
        if rect.intersects(seen) and not seen.contains(rect):
            cut.append(widget.objectName() or widget.text())
    return cut


def _look_up(ui_kiosk, screen, id_number: str) -> None:
    screen.code.setText(CODE)
    screen.id_number.setText(id_number)
    ui_kiosk.click("lookup_search")
    ui_kiosk.qtbot.waitUntil(screen.result.isVisible, timeout=20_000)
    ui_kiosk.qtbot.wait(50)  # the page is laid out and scrolled to its top


def test_the_fee_its_payment_and_a_masked_id_number_then_nothing_left(
    ui_kiosk, tmp_path: Path
) -> None:
    central = start_central(tmp_path)
    try:
        id_number = ui_kiosk.sims.card.id_number
        _upload(central, id_number)
        core = ui_kiosk.core
        core.lookup.client = central.client()
        ui_kiosk.click("tile_lookup")
        ui_kiosk.wait_for(Step.LOOKUP)
        screen = ui_kiosk.window.screens[Step.LOOKUP]
        _look_up(ui_kiosk, screen, id_number)
        text = screen.result.text()
        # The fee and that it is not paid: the dossier says "to pay", the centre says no more.
        assert "Lệ phí: 200.000 đồng, chưa thanh toán." in text
        # The sentence means the status it names.
        status = Translator.text("dossier_status.registered", "vi")
        assert f"Trạng thái: {status}. Hồ sơ đã đến trung tâm và đang chờ được tiếp nhận." in text
        assert "đã đến trung tâm." not in text.splitlines()[0]
        # The answer in sight from its top, nothing sliced above it (the scan button was).
        assert _cut(screen) == [] and not screen.scan.isVisible()
        # The ID number is no longer on screen, nor in any field: only its last digits.
        assert not any(id_number in t for t in _shown_texts(screen))
        assert all(id_number not in e.text() for e in screen.findChildren(QLineEdit))
        assert screen.asked.text() == f"Số định danh cá nhân: ********{id_number[-4:]}"
        # Paid once the centre has recorded it; the same answer in English.
        central.service.record_payment(CODE)
        assert ui_kiosk.find("lookup_search").text() == "Tra cứu hồ sơ khác"
        ui_kiosk.click("lookup_search")
        assert screen.code.text() == "" and screen.id_number.text() == ""
        assert screen.inputs.isVisible() and not screen.result.isVisible()
        _look_up(ui_kiosk, screen, id_number)
        assert "Lệ phí: 200.000 đồng, đã thanh toán." in screen.result.text()
        ui_kiosk.click("lang_en")
        ui_kiosk.qtbot.waitUntil(lambda: "Fee: 200,000 VND, paid." in screen.result.text())
        assert screen.asked.text() == f"Personal ID number: ********{id_number[-4:]}"
        ui_kiosk.click("lang_vi")
        # Another ID number: not found; "Nhập lại" keeps the code, the ID number is typed again.
        ui_kiosk.click("lookup_search")
        _look_up(ui_kiosk, screen, "001099999999")
        assert "Không tìm thấy" in screen.result.text()
        assert screen.asked.text() == "Số định danh cá nhân: ********9999"
        assert ui_kiosk.find("lookup_search").text() == "Nhập lại"
        ui_kiosk.click("lookup_search")
        assert screen.code.text() == CODE and screen.id_number.text() == ""
        # Typed and not looked up, then Back: the fields are empty when the screen is next seen.
        screen.id_number.setText(id_number)
        ui_kiosk.click("back")
        ui_kiosk.wait_for(Step.ATTRACT)
        assert all(e.text() == "" for e in screen.findChildren(QLineEdit))
        assert screen.result.text() == "" and screen.asked.text() == ""
    finally:
        central.running.stop()


def test_the_access_key_screen_says_what_its_fields_say_in_plain_words(ui_kiosk) -> None:
    ui_kiosk.sims.reader.insert(ui_kiosk.sims.card)
    ui_kiosk.wait_for(Step.ACCESS_KEY)
    screen = ui_kiosk.window.screens[Step.ACCESS_KEY]
    texts = " ".join(_shown_texts(screen))
    assert "camera" not in texts.lower() and "máy ảnh phía trên" in texts
    ui_kiosk.click("access_mode_numbers")
    ui_kiosk.qtbot.waitUntil(screen.edits["expiry"].isVisible, timeout=10_000)
    captions = _shown_texts(screen)
    assert any(c.startswith("Có giá trị đến") for c in captions)  # the field's caption
    assert '"Có giá trị đến"' in screen.subtitle.text()  # the subtitle's words are the same
    assert "hết hạn" not in screen.subtitle.text()
    ui_kiosk.click("access_mode_can")
    ui_kiosk.qtbot.waitUntil(screen.edits["can"].isVisible, timeout=10_000)
    texts = " ".join(_shown_texts(screen))
    assert "6 số cuối của số định danh cá nhân" in texts  # what the CAN is, then its name
    assert "Số CAN" not in texts
    # A keyboard-wedge scanner's unreadable MRZ: which lines of the card, in plain words.
    mrz = Translator.text("access.error.mrz", "vi")
    assert "mặt sau thẻ" in mrz and mrz.index("mặt sau") < mrz.index("MRZ")
