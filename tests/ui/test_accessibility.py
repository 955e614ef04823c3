"""Accessibility and speech on the real screens.

The walk of every screen of the demo tour (both themes, both text sizes, the speech
simulator's transcript in Vietnamese and in English) runs inside the tours of
``tests/ui/test_screens.py`` (one tour for all the checks: see ``tests/ui/accessibility``);
here: the checks fail on a screen made to break them, and the Listen button and the
headset toggle work as a citizen uses them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from devices.speech.simulator import SimulatedSpeaker
from kiosk.runtime.flow import Step
from tests.ui.accessibility import audit
from tests.ui.conftest import UiKiosk


def speaker_of(ui_kiosk: UiKiosk) -> SimulatedSpeaker:
    speaker = ui_kiosk.core.devices.speaker
    assert isinstance(speaker, SimulatedSpeaker)
    return speaker


def test_the_audit_names_each_failure_on_a_screen_made_to_break_it(ui_kiosk: UiKiosk) -> None:
    window = ui_kiosk.window
    ui_kiosk.click("tile_queue")
    ui_kiosk.wait_for(Step.QUEUE_TICKET)
    assert audit(window, "queue") == []  # the screen as built passes
    screen = window.screens[Step.QUEUE_TICKET]
    tiny = QPushButton(screen)  # no text, no name, 20 px
    tiny.setObjectName("tiny")
    tiny.setStyleSheet("min-height: 0; min-width: 0; padding: 0;")
    tiny.setGeometry(600, 300, 20, 20)
    faint = QLabel("Chữ mờ, nhỏ", screen)  # grey on grey, 14 px
    faint.setObjectName("faint")
    faint.setStyleSheet("color: #8A8A8A; background: #9A9A9A; font-size: 14px;")
    faint.setGeometry(48, 300, 300, 40)
    narrow = QLabel("Một câu dài bị cắt mất ở bên phải của ô", screen)
    narrow.setObjectName("narrow")
    narrow.setGeometry(48, 360, 120, 40)
    nameless = QLineEdit(screen)  # a field no screen reader can announce
    nameless.setObjectName("nameless")
    nameless.setGeometry(400, 360, 300, 64)
    on_top = QPushButton("Trùng", screen)  # painted over the field
    on_top.setObjectName("on_top")
    on_top.setGeometry(500, 380, 200, 64)
    for widget in (tiny, faint, narrow, nameless, on_top):
        widget.show()
    found = audit(window, "queue-broken")
    where = "queue-broken [default]"
    for expected in (
        f"{where}: tiny: touch target 20x20 px",
        f"{where}: tiny: no accessible name",
        f"{where}: faint: contrast 1.2:1 < 4.5:1",
        f"{where}: faint: text at 14 px < 24 px",
        f"{where}: narrow: text clipped",
        f"{where}: nameless: no accessible name",
        f"{where}: nameless overlaps on_top",
    ):
        assert expected in found, found
    # 5.3:1 is enough in the default theme, not in high contrast (7:1).
    for widget in (tiny, faint, narrow, nameless, on_top):
        widget.hide()
    # The header and the keyboard are read by the same citizens: no smaller text there
    # (the "A+ Chữ to" button at the 21 px it once had, a keyboard key at 22 px).
    larger = window.header.larger
    larger.setStyleSheet("font-size: 21px;")
    keyboard = window.keyboard
    keyboard.show()
    key = keyboard.findChild(QPushButton, "key_backspace")
    key.setStyleSheet("font-size: 22px;")
    found = audit(window, "queue-chrome")
    assert "queue-chrome [default]: large_text: text at 21 px < 24 px" in found, found
    assert "queue-chrome [default]: key_backspace: text at 22 px < 24 px" in found, found
    larger.setStyleSheet("")
    key.setStyleSheet("")
    assert audit(window, "queue-chrome") == []  # as built, header and keyboard pass
    keyboard.hide()
    grey = QLabel("Chữ xám")
    grey.setObjectName("grey")
    grey.setStyleSheet("color: #6B6B6B; background: #FFFFFF;")
    screen.body.insertWidget(0, grey)
    assert audit(window, "queue-grey") == []
    ui_kiosk.click("high_contrast")
    assert audit(window, "queue-grey") == [
        "queue-grey [high contrast]: grey: contrast 5.3:1 < 7.0:1"
    ]


def test_listen_says_the_screen_then_every_screen_and_the_headset_gets_the_values(
    ui_kiosk: UiKiosk,
) -> None:
    window, speaker = ui_kiosk.window, speaker_of(ui_kiosk)
    for screen in window.screens.values():  # every screen, the ones added later too
        assert screen.speech_controls.listen.text() == "🔊 Nghe hướng dẫn"
    attract = window.screens[Step.ATTRACT]
    assert not attract.speech_controls.headset.isVisible()  # until speech is on
    ui_kiosk.click("listen")
    assert speaker.transcript[-1].text.startswith("Xin chào! Chúng tôi có thể giúp gì cho bạn?")
    assert speaker.transcript[-1].text.endswith("Nút chính: Nộp hồ sơ.")
    ui_kiosk.click("tile_submit")
    ui_kiosk.wait_for(Step.INSERT_CARD)  # said by itself, the start screen cut off
    ui_kiosk.qtbot.waitUntil(lambda: len(speaker.transcript) == 2, timeout=10_000)
    assert speaker.transcript[-1].text.startswith("Đặt thẻ căn cước lên đầu đọc.")
    assert speaker.cut_off >= 1
    ui_kiosk.identify()
    ui_kiosk.click("demo_face_ok")
    ui_kiosk.click("procedure_LT-KS-TT-BHYT")
    ui_kiosk.wait_for(Step.REQUIREMENTS)
    card = ui_kiosk.sims.card
    ui_kiosk.qtbot.waitUntil(
        lambda: speaker.transcript[-1].text.startswith("Liên thông"), timeout=10_000
    )
    loud = speaker.transcript[-1]
    assert card.full_name not in loud.text and "Thông tin cá nhân" in loud.text
    assert not loud.headset
    ui_kiosk.click("headset")  # the citizen put the headset on
    ui_kiosk.click("listen")
    private = speaker.transcript[-1]
    assert private.headset and f"Họ và tên người đi khai: {card.full_name}." in private.text
    assert "ngày mười bốn tháng ba năm một nghìn chín trăm tám mươi lăm" in private.text
    speaker.plug_headset(True)  # plugged in: the toggle cannot turn it off
    requirements = window.screens[Step.REQUIREMENTS]
    ui_kiosk.qtbot.waitUntil(
        lambda: not requirements.speech_controls.headset.isEnabled(), timeout=10_000
    )
