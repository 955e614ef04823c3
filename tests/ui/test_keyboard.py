"""The on-screen keyboard types Vietnamese into the attached field, as a citizen touches it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QLineEdit, QPushButton, QVBoxLayout, QWidget

from kiosk.base.paths import ASSETS
from ui.keyboard import KEY_HEIGHT, OnScreenKeyboard
from ui.theme import MIN_TOUCH_PX

TEXTS = {
    "vi": {
        "keyboard.method.telex": "Telex",
        "keyboard.method.vni": "VNI",
        "keyboard.method.accents": "Chữ có dấu",
        "keyboard.space": "Dấu cách",
        "keyboard.backspace": "Xóa",
        "keyboard.shift": "Chữ hoa",
        "keyboard.done": "Xong",
        "keyboard.help.telex": "Gõ Telex: aa→â, dd→đ",
        "keyboard.help.vni": "Gõ VNI: 6 mũ, 9 đ",
        "keyboard.help.accents": "Chạm vào một chữ cái rồi chọn chữ có dấu",
    },
    "en": {
        "keyboard.method.telex": "Telex",
        "keyboard.method.vni": "VNI",
        "keyboard.method.accents": "Accented letters",
        "keyboard.space": "Space",
        "keyboard.backspace": "Delete",
        "keyboard.shift": "Capitals",
        "keyboard.done": "Done",
        "keyboard.help.telex": "Telex: aa→â, dd→đ",
        "keyboard.help.vni": "VNI: 6 circumflex, 9 đ",
        "keyboard.help.accents": "Touch a letter, then choose the accented letter",
    },
}


class FakeTr:
    """A dict-backed translator that remembers the keys asked; a key it lacks fails the test."""

    def __init__(self, texts: dict[str, dict[str, str]] = TEXTS) -> None:
        self.texts = texts
        self.language = "vi"
        self.asked: set[str] = set()

    def __call__(self, key: str, **params: object) -> str:
        self.asked.add(key)
        return self.texts[self.language][key].format(**params)


def kiosk_texts() -> dict[str, dict[str, str]]:
    return {
        lang: json.loads((ASSETS / "i18n" / f"{lang}.json").read_text(encoding="utf-8"))
        for lang in ("vi", "en")
    }


@pytest.fixture
def board(qtbot) -> tuple[OnScreenKeyboard, QLineEdit, FakeTr]:
    tr = FakeTr()
    keyboard = OnScreenKeyboard(tr)
    edit = QLineEdit()
    qtbot.addWidget(keyboard)
    qtbot.addWidget(edit)
    keyboard.resize(1280, 400)
    keyboard.show()
    keyboard.attach(edit, "text")
    return keyboard, edit, tr


def key(keyboard: OnScreenKeyboard, name: str) -> QPushButton:
    found = [k for k in keyboard.findChildren(QPushButton, name) if k.isVisible()]
    assert len(found) == 1, f"{name}: {len(found)} visible keys"
    return found[0]


def touch(qtbot, keyboard: OnScreenKeyboard, *names: str) -> None:
    for name in names:
        qtbot.mouseClick(key(keyboard, name), Qt.MouseButton.LeftButton)


def letters(text: str) -> list[str]:
    return ["key_space" if c == " " else f"key_{c}" for c in text]


def test_telex_on_the_keys_gives_nguyen(qtbot, board) -> None:
    keyboard, edit, _tr = board
    touch(qtbot, keyboard, "key_shift", *letters("nguyeex"))
    assert edit.text() == "Nguyễ"
    touch(qtbot, keyboard, "key_n")
    assert edit.text() == "Nguyễn"


def test_telex_names_with_capitals_and_spaces(qtbot, board) -> None:
    keyboard, edit, _tr = board
    for word in ("nguyeenx", "thij", "minh", "khai"):
        touch(qtbot, keyboard, "key_shift", *letters(word), "key_space")
    assert edit.text() == "Nguyễn Thị Minh Khai "


def test_shift_gives_one_capital_only(qtbot, board) -> None:
    keyboard, edit, _tr = board
    touch(qtbot, keyboard, "key_shift")
    assert key(keyboard, "key_shift").isChecked() and key(keyboard, "key_a").text() == "A"
    touch(qtbot, keyboard, "key_d", "key_d", "key_a", "key_f")
    assert edit.text() == "Đà"
    assert not key(keyboard, "key_shift").isChecked() and key(keyboard, "key_a").text() == "a"


def test_vni_uses_the_digit_keys_as_marks(qtbot, board) -> None:
    keyboard, edit, _tr = board
    touch(qtbot, keyboard, "method_vni", "key_shift", *letters("vie65t"))
    assert edit.text() == "Việt"
    assert key(keyboard, "method_vni").isChecked()
    assert not key(keyboard, "method_telex").isChecked()


def test_switching_method_changes_how_keys_compose(qtbot, board) -> None:
    keyboard, edit, _tr = board
    touch(qtbot, keyboard, *letters("as"))
    assert edit.text() == "á"
    touch(qtbot, keyboard, "method_vni", *letters(" as1"))
    assert edit.text() == "á ás"
    assert keyboard.help.text() == TEXTS["vi"]["keyboard.help.vni"]
    touch(qtbot, keyboard, "method_telex", *letters(" as"))
    assert edit.text() == "á ás á"
    assert keyboard.method == "telex"


def test_accented_letters_without_knowing_telex(qtbot, board) -> None:
    keyboard, edit, _tr = board
    touch(qtbot, keyboard, "method_accents", "key_a")
    assert edit.text() == ""  # a touch on a vowel offers its forms first
    assert key_visible(keyboard, "accent_ấ")
    assert not key_visible(keyboard, "key_q")  # the forms take the letters' place
    touch(qtbot, keyboard, "accent_ấ")
    assert edit.text() == "ấ"
    assert key_visible(keyboard, "key_q")  # the letters are back
    touch(qtbot, keyboard, "key_d", "accent_đ", "key_p", "key_s")
    assert edit.text() == "ấđps"  # no composition in this layout


def key_visible(keyboard: OnScreenKeyboard, name: str) -> bool:
    return any(k.isVisible() for k in keyboard.findChildren(QPushButton, name))


def test_accented_letters_offer_every_vowel_of_the_family(qtbot, board) -> None:
    keyboard, _edit, _tr = board
    touch(qtbot, keyboard, "method_accents", "key_o")
    shown = [
        k.text() for k in keyboard.findChildren(QPushButton) if k.objectName()[:7] == "accent_"
    ]
    assert shown == list("oóòỏõọôốồổỗộơớờởỡợ")
    assert all(k.height() >= KEY_HEIGHT for k in keyboard.findChildren(QPushButton))


def test_accented_capitals_and_going_back_without_typing(qtbot, board) -> None:
    keyboard, edit, _tr = board
    touch(qtbot, keyboard, "method_accents", "key_shift", "key_e")
    assert key_visible(keyboard, "accent_Ễ")
    touch(qtbot, keyboard, "key_letters")
    assert edit.text() == "" and key_visible(keyboard, "key_e")
    touch(qtbot, keyboard, "key_u", "accent_ừ")
    assert edit.text() == "ừ"


def test_the_caret_position_is_respected_and_backspace_deletes_one_letter(qtbot, board) -> None:
    keyboard, edit, _tr = board
    edit.setText("Ha Noi")
    edit.setCursorPosition(2)
    touch(qtbot, keyboard, "key_f")
    assert edit.text() == "Hà Noi" and edit.cursorPosition() == 2
    touch(qtbot, keyboard, "key_backspace")
    assert edit.text() == "H Noi" and edit.cursorPosition() == 1
    edit.setCursorPosition(0)
    touch(qtbot, keyboard, "key_backspace")
    assert edit.text() == "H Noi"


def test_a_selection_is_replaced_or_deleted(qtbot, board) -> None:
    keyboard, edit, _tr = board
    edit.setText("Ha Noi")
    edit.setSelection(3, 3)
    touch(qtbot, keyboard, "key_x")
    assert edit.text() == "Ha x"
    edit.setSelection(0, 2)
    touch(qtbot, keyboard, "key_backspace")
    assert edit.text() == " x"


def test_text_respects_the_field_length(qtbot, board) -> None:
    keyboard, edit, _tr = board
    edit.setMaxLength(3)
    touch(qtbot, keyboard, *letters("haaf"))
    assert edit.text() == "hầ"
    touch(qtbot, keyboard, *letters("nn"))
    assert edit.text() == "hần"


def test_numeric_pad_respects_the_field_length(qtbot, board) -> None:
    keyboard, edit, _tr = board
    edit.setMaxLength(4)
    keyboard.attach(edit, "numeric")
    assert not key_visible(keyboard, "key_q")  # digits only
    assert keyboard.findChild(QPushButton, "key_q") is None
    assert not keyboard.help.isVisible()
    touch(qtbot, keyboard, "key_0", "key_9", "key_1", "key_2", "key_3")
    assert edit.text() == "0912"
    touch(qtbot, keyboard, "key_backspace")
    assert edit.text() == "091"


def test_mode_comes_from_the_field_property(qtbot, board) -> None:
    keyboard, edit, _tr = board
    edit.setProperty("keyboard", "numeric")
    keyboard.attach(edit)
    assert keyboard.mode == "numeric"
    with pytest.raises(ValueError, match="mode"):
        keyboard.attach(edit, "emoji")


def test_date_pad_puts_in_the_slashes(qtbot, board) -> None:
    keyboard, edit, _tr = board
    edit.setMaxLength(10)
    keyboard.attach(edit, "date")
    touch(qtbot, keyboard, "key_0", "key_5")
    assert edit.text() == "05/"
    touch(qtbot, keyboard, *[f"key_{d}" for d in "092026"])
    assert edit.text() == "05/09/2026"
    touch(qtbot, keyboard, "key_9")  # a ninth digit has no place
    assert edit.text() == "05/09/2026"
    touch(qtbot, keyboard, *["key_backspace"] * 4)
    assert edit.text() == "05/09/"
    touch(qtbot, keyboard, "key_backspace")
    assert edit.text() == "05/0"


def test_keys_do_nothing_when_detached(qtbot, board) -> None:
    keyboard, edit, _tr = board
    keyboard.detach()
    touch(qtbot, keyboard, "key_a", "key_backspace")
    assert edit.text() == ""


def test_texts_follow_the_language(qtbot, board) -> None:
    keyboard, _edit, tr = board
    assert key(keyboard, "key_space").text() == "Dấu cách"
    assert key(keyboard, "method_accents").text() == "Chữ có dấu"
    assert key(keyboard, "key_backspace").text().endswith("Xóa")
    tr.language = "en"
    keyboard.retranslate()
    assert key(keyboard, "key_space").text() == "Space"
    assert key(keyboard, "key_done").text() == "Done"
    assert key(keyboard, "key_shift").text() == "Capitals"
    assert key(keyboard, "method_accents").text() == "Accented letters"
    assert key(keyboard, "key_backspace").text().endswith("Delete")
    assert keyboard.help.text() == TEXTS["en"]["keyboard.help.telex"]


def test_done_tells_the_window(qtbot, board) -> None:
    keyboard, _edit, _tr = board
    with qtbot.waitSignal(keyboard.done, timeout=1000):
        touch(qtbot, keyboard, "key_done")
    keyboard.attach(_edit, "numeric")
    with qtbot.waitSignal(keyboard.done, timeout=1000):
        touch(qtbot, keyboard, "key_done")


def test_keys_are_big_and_never_take_the_focus(qtbot, board) -> None:
    keyboard, edit, _tr = board
    for mode in ("text", "numeric", "date"):
        keyboard.attach(edit, mode)
        keys = [k for k in keyboard.findChildren(QPushButton) if k.isVisible()]
        assert keys
        assert all(k.height() >= KEY_HEIGHT >= MIN_TOUCH_PX for k in keys)
        assert all(k.focusPolicy() == Qt.FocusPolicy.NoFocus for k in keys)
        assert all(k.objectName() for k in keys)


@pytest.mark.parametrize("mode", ["text", "accents", "numeric"])
def test_the_keyboard_renders_at_kiosk_size(qtbot, mode: str) -> None:
    """A 1280×800 window: a field over the keyboard. The picture goes to /tmp to be looked at."""
    window = QWidget()
    qtbot.addWidget(window)
    window.resize(1280, 800)
    column = QVBoxLayout(window)
    column.setContentsMargins(0, 0, 0, 0)
    edit = QLineEdit("Nguyễn Thị Minh Khai")
    edit.setStyleSheet("font-size: 28px; min-height: 64px; margin: 24px;")
    column.addWidget(edit)
    column.addStretch(1)
    keyboard = OnScreenKeyboard(FakeTr(kiosk_texts()), window)
    column.addWidget(keyboard)
    window.show()
    keyboard.attach(edit, "numeric" if mode == "numeric" else "text")
    if mode == "accents":
        touch(qtbot, keyboard, "method_accents", "key_a")
    qtbot.waitUntil(lambda: keyboard.height() > 0)
    pixmap = window.grab()
    assert not pixmap.isNull() and pixmap.width() == 1280
    assert keyboard.height() <= 800 // 2  # the page keeps half the screen
    pixmap.save(str(Path("/tmp") / f"keyboard-{mode}.png"))


def test_every_text_asked_for_is_in_the_kiosk_translations(qtbot) -> None:
    texts = kiosk_texts()
    tr = FakeTr(texts)
    keyboard = OnScreenKeyboard(tr)
    qtbot.addWidget(keyboard)
    edit = QLineEdit()
    qtbot.addWidget(edit)
    for mode in ("text", "numeric", "date", "text"):
        keyboard.attach(edit, mode)
        for method in ("telex", "vni", "accents"):
            keyboard.set_method(method)
    assert tr.asked and all(key.startswith("keyboard.") for key in tr.asked)
    for lang in ("vi", "en"):
        assert tr.asked <= texts[lang].keys()


def test_under_the_kiosk_theme_no_two_keys_overlap(qtbot) -> None:
    """The app's stylesheet makes every button taller; the keyboard's keys must not grow into
    each other (they did, until the keyboard set its key height in its own stylesheet)."""
    from PySide6.QtWidgets import QApplication

    from ui.theme import Theme

    app = QApplication.instance()
    before = app.styleSheet()
    app.setStyleSheet(Theme(high_contrast=False, large_text=False).stylesheet())
    try:
        keyboard = OnScreenKeyboard(lambda key, **_: key)
        qtbot.addWidget(keyboard)
        keyboard.resize(1280, 340)
        keyboard.show()
        qtbot.waitExposed(keyboard)
        keys = [k for k in keyboard.findChildren(QPushButton) if k.isVisible()]
        assert len(keys) > 40
        assert {k.height() for k in keys} == {KEY_HEIGHT}
        rects = [k.geometry().translated(k.parentWidget().mapTo(keyboard, k.pos()) - k.pos())
                 for k in keys]  # fmt: skip
        overlaps = [
            (a.objectName(), b.objectName())
            for i, (a, ra) in enumerate(zip(keys, rects, strict=True))
            for b, rb in list(zip(keys, rects, strict=True))[i + 1 :]
            if ra.intersects(rb)
        ]
        assert overlaps == []
    finally:
        app.setStyleSheet(before)


def visible_keys(window: QWidget, text: str) -> list[QPushButton]:
    return [b for b in window.findChildren(QPushButton) if b.isVisible() and b.text() == text]


def test_the_access_key_screen_has_one_keypad_that_types_the_key(ui_kiosk) -> None:
    """The window's keyboard is the only keypad there: its 0 row on screen at 1280×800, its
    digit pad for the ID number, its date pad for the dates; Done hides it, a touch brings
    it back. The picture goes to /tmp to be looked at."""
    from kiosk.runtime.flow import Step

    window, qtbot, card = ui_kiosk.window, ui_kiosk.qtbot, ui_kiosk.sims.card
    window.activateWindow()  # the keyboard follows the application's focus
    qtbot.waitActive(window)
    ui_kiosk.sims.reader.insert(card)
    ui_kiosk.wait_for(Step.ACCESS_KEY)
    screen = window.screens[Step.ACCESS_KEY]
    ui_kiosk.click("access_mode_numbers")  # it opens on the card's QR code: no keypad then
    qtbot.waitUntil(window.keyboard.isVisible, timeout=10_000)
    assert window.size().width() == 1280 and window.size().height() == 800
    for digit in "0123456789":
        assert len(visible_keys(window, digit)) == 1, f"{digit}: not exactly one key"
    zero = visible_keys(window, "0")[0]
    assert window.rect().contains(QRect(zero.mapTo(window, QPoint(0, 0)), zero.size()))
    id_field = screen.edits["id_number"]
    field = QRect(id_field.mapTo(window, QPoint(0, 0)), id_field.size())
    assert field.bottom() < window.keyboard.mapTo(window, QPoint(0, 0)).y()  # not under the keys
    window.grab().save("/tmp/keyboard-access-key.png")

    for digit in card.id_number:
        touch(qtbot, window.keyboard, f"key_{digit}")
    assert id_field.text() == card.id_number
    for name, day in (("birth", card.date_of_birth), ("expiry", card.date_of_expiry)):
        qtbot.mouseClick(screen.edits[name], Qt.MouseButton.LeftButton)
        assert window.keyboard.mode == "date"
        touch(qtbot, window.keyboard, *[f"key_{d}" for d in f"{day:%d%m%Y}"])
        assert screen.edits[name].text() == f"{day:%d/%m/%Y}"  # the pad put in the slashes
    touch(qtbot, window.keyboard, "key_done")
    assert not window.keyboard.isVisible()
    qtbot.mouseClick(screen.edits["expiry"], Qt.MouseButton.LeftButton)
    assert window.keyboard.isVisible() and window.keyboard.target is screen.edits["expiry"]
    ui_kiosk.click("access_mode_qr")  # the camera reads the key: no keypad
    assert visible_keys(window, "0") == []
    ui_kiosk.click("access_mode_numbers")
    ui_kiosk.click("access_read")
    ui_kiosk.wait_for(Step.FACE_CHECK)
