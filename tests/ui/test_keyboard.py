"""The on-screen keyboard types Vietnamese into the focused field, as a citizen touches it."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QPushButton

from kiosk.paths import ASSETS
from ui.keyboard import OnScreenKeyboard

TEXTS = {lang: json.loads((ASSETS / "i18n" / f"{lang}.json").read_text()) for lang in ("vi", "en")}


class Tr:
    def __init__(self) -> None:
        self.language = "vi"

    def __call__(self, key: str, **params: object) -> str:
        return TEXTS[self.language][key].format(**params)


@pytest.fixture
def board(qtbot) -> tuple[OnScreenKeyboard, QLineEdit, Tr]:
    tr = Tr()
    keyboard = OnScreenKeyboard(tr)
    edit = QLineEdit()
    qtbot.addWidget(keyboard)
    qtbot.addWidget(edit)
    keyboard.show()
    keyboard.attach(edit)
    return keyboard, edit, tr


def touch(qtbot, keyboard: OnScreenKeyboard, *names: str) -> None:
    for name in names:
        key = keyboard.findChild(QPushButton, name)
        assert key is not None and key.isVisible(), name
        qtbot.mouseClick(key, Qt.MouseButton.LeftButton)


def test_telex_on_the_keys_gives_vietnamese(qtbot, board) -> None:
    keyboard, edit, _tr = board
    touch(qtbot, keyboard, "key_shift", *[f"key_{c}" for c in "nguyeenx"])
    assert edit.text() == "Nguyễn"
    touch(qtbot, keyboard, "key_space", "key_shift", *[f"key_{c}" for c in "vieetj"])
    assert edit.text() == "Nguyễn Việt"


def test_vni_uses_the_digit_keys_as_marks(qtbot, board) -> None:
    keyboard, edit, _tr = board
    touch(qtbot, keyboard, "method_vni", "key_shift", "key_v", "key_i", "key_e", "key_6")
    touch(qtbot, keyboard, "key_5", "key_t")
    assert edit.text() == "Việt"
    assert keyboard.findChild(QPushButton, "method_vni").isChecked()


def test_accented_letters_without_knowing_telex(qtbot, board) -> None:
    keyboard, edit, _tr = board
    touch(qtbot, keyboard, "method_accents", "key_a")
    assert edit.text() == ""  # a touch on a vowel offers its forms first
    touch(qtbot, keyboard, "accent_ấ")
    assert edit.text() == "ấ"
    touch(qtbot, keyboard, "key_d", "accent_đ", "key_p")
    assert edit.text() == "ấđp"


def test_the_caret_position_is_respected_and_backspace_deletes_one_letter(qtbot, board) -> None:
    keyboard, edit, _tr = board
    edit.setText("Ha Noi")
    edit.setCursorPosition(2)
    touch(qtbot, keyboard, "key_f")
    assert edit.text() == "Hà Noi"
    touch(qtbot, keyboard, "key_backspace")
    assert edit.text() == "H Noi"


def test_numeric_pad_respects_the_field_length(qtbot, board) -> None:
    keyboard, edit, _tr = board
    edit.setMaxLength(4)
    keyboard.attach(edit, "numeric")
    assert keyboard.findChild(QPushButton, "key_q") is None  # digits only
    touch(qtbot, keyboard, "key_0", "key_9", "key_1", "key_2", "key_3")
    assert edit.text() == "0912"


def test_date_pad_puts_in_the_slashes(qtbot, board) -> None:
    keyboard, edit, _tr = board
    edit.setProperty("keyboard", "date")
    keyboard.attach(edit)
    touch(qtbot, keyboard, *[f"key_{d}" for d in "05092026"])
    assert edit.text() == "05/09/2026"
    touch(qtbot, keyboard, "key_9")  # a ninth digit has no place
    assert edit.text() == "05/09/2026"
    touch(qtbot, keyboard, "key_backspace", "key_backspace", "key_backspace", "key_backspace")
    touch(qtbot, keyboard, "key_backspace")
    assert edit.text() == "05/0"


def test_texts_follow_the_language(qtbot, board) -> None:
    keyboard, _edit, tr = board
    space = keyboard.findChild(QPushButton, "key_space")
    assert space.text() == "Dấu cách"
    tr.language = "en"
    keyboard.retranslate()
    assert space.text() == "Space"
    assert "Telex" in keyboard.help.text()


def test_done_hides_nothing_by_itself_but_tells_the_window(qtbot, board) -> None:
    keyboard, _edit, _tr = board
    with qtbot.waitSignal(keyboard.done, timeout=1000):
        touch(qtbot, keyboard, "key_done")
