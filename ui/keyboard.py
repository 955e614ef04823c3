"""The on-screen keyboard for touch kiosks: Vietnamese (Telex, VNI, accented letters), digits.

It types into whichever text field has the focus: the window shows it when a
``QLineEdit`` takes the focus and hides it when none has.  A field says which
keys it wants with its ``keyboard`` property: ``"text"`` (letters; the
default), ``"numeric"`` (a digit pad: phone and ID numbers), ``"date"``
(a digit pad that puts in the ``/`` of dd/mm/yyyy by itself) or ``"none"``
(a screen with its own keypad).

Letters go through :func:`kiosk.ime.compose`, so ``Nguyeenx`` becomes
``Nguyễn`` on screen as it would with Unikey.  People who know neither Telex
nor VNI pick "Accented letters": touching a vowel shows its six tone forms in
a row above the keys (a touch, not a long press, which is hard for many
elderly users).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.ime import ACCENTED, InputMethod, compose

DIGIT_ROW = "1234567890"
LETTER_ROWS = (DIGIT_ROW, "qwertyuiop", "asdfghjkl", "zxcvbnm,.")
"""Digits always: house numbers; in VNI the digits after a vowel are its marks."""
PUNCTUATION_NAMES = {",": "comma", ".": "period", "-": "dash", "/": "slash"}
KEY_HEIGHT = 50  # with 5 rows the keyboard leaves the page its title, field and buttons
METHODS = ("telex", "vni", "accents")
FAMILIES = {
    "a": ("a", "ă", "â"),
    "e": ("e", "ê"),
    "o": ("o", "ô", "ơ"),
    "u": ("u", "ư"),
    "i": ("i",),
    "y": ("y",),
    "d": ("d",),
}
"""What a touch on a letter offers in the accented-letters layout: each row one vowel."""


def _key(name: str, text: str, on_click: Callable[[], None], stretch: bool = True) -> QPushButton:
    key = QPushButton(text)
    key.setObjectName(name)
    key.setProperty("keyboardKey", True)
    key.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field keeps the focus and the caret
    key.setFixedHeight(KEY_HEIGHT)
    key.setMinimumWidth(KEY_HEIGHT)
    key.setSizePolicy(
        QSizePolicy.Policy.Expanding if stretch else QSizePolicy.Policy.Minimum,
        QSizePolicy.Policy.Fixed,
    )
    key.clicked.connect(lambda _checked=False: on_click())
    return key


class OnScreenKeyboard(QFrame):
    done = Signal()

    def __init__(self, tr: Callable[..., str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyboard")
        self.tr_ = tr
        self.target: QLineEdit | None = None
        self.mode = "text"
        self.method = "telex"
        self.shift = False
        self.setStyleSheet(
            "#keyboard { background: #DDE3EA; border-top: 2px solid #9AA7B4; }"
            "QPushButton[keyboardKey='true'] { background: #FFFFFF; color: #111111;"
            " border: 1px solid #9AA7B4; border-radius: 8px; font-size: 22px; padding: 2px;"
            f" min-height: {KEY_HEIGHT}px; max-height: {KEY_HEIGHT}px; min-width: 48px; }}"
            "QPushButton[keyboardKey='true']:checked { background: #0B5CAD; color: #FFFFFF; }"
            "QPushButton[keyboardKey='true']:pressed { background: #BFD7F0; }"
            "#keyboardHelp { color: #333333; font-size: 15px; }"
        )
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 4, 12, 6)
        outer.setSpacing(4)
        self.help = QLabel()
        self.help.setObjectName("keyboardHelp")
        self.help.setWordWrap(False)  # one line: the keys need the height
        outer.addWidget(self.help)
        self.grid = QVBoxLayout()
        self.grid.setSpacing(4)
        outer.addLayout(self.grid)
        self.method_keys: dict[str, QPushButton] = {}
        self.letter_keys: dict[str, QPushButton] = {}
        self._build()

    # Layout --------------------------------------------------------------------
    def _clear(self, layout: QHBoxLayout | QVBoxLayout | QGridLayout) -> None:
        while layout.count():
            item = layout.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().setParent(None)  # gone now, not at the next loop turn
                item.widget().deleteLater()
            elif item.layout() is not None:
                self._clear(item.layout())  # type: ignore[arg-type]

    def _build(self) -> None:
        self._clear(self.grid)
        self.method_keys.clear()
        self.letter_keys.clear()
        if self.mode in ("numeric", "date"):
            self._build_pad()
        else:
            self._build_letters()
        self._show_keys()
        self.retranslate()

    def _show_keys(self) -> None:
        """New keys show with the keyboard at once (not at the next event-loop turn)."""
        for widget in self.findChildren(QWidget):
            if widget is not self.help:
                widget.show()

    def _build_pad(self) -> None:
        pad = QGridLayout()
        pad.setSpacing(6)
        for index, digit in enumerate("123456789"):
            pad.addWidget(
                _key(f"key_{digit}", digit, lambda d=digit: self.press(d)), index // 3, index % 3
            )
        pad.addWidget(_key("key_backspace", "⌫", self.backspace), 3, 0)
        pad.addWidget(_key("key_0", "0", lambda: self.press("0")), 3, 1)
        pad.addWidget(_key("key_done", "", self.done.emit), 3, 2)
        row = QHBoxLayout()
        row.addStretch(1)
        holder = QWidget()
        holder.setLayout(pad)
        holder.setMaximumWidth(560)
        holder.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        row.addWidget(holder, 2)
        row.addStretch(1)
        self.grid.addLayout(row)

    def _build_letters(self) -> None:
        rows = list(LETTER_ROWS)
        for number, letters in enumerate(rows):
            row = QHBoxLayout()
            row.setSpacing(4)
            if number == len(rows) - 1:
                shift = _key("key_shift", "", self.toggle_shift)
                shift.setCheckable(True)
                shift.setChecked(self.shift)
                row.addWidget(shift, 2)
            for letter in letters:
                name = PUNCTUATION_NAMES.get(letter, letter)
                key = _key(f"key_{name}", letter, lambda c=letter: self.press(c))
                self.letter_keys[letter] = key
                row.addWidget(key, 1)
            if number == len(rows) - 1:
                row.addWidget(_key("key_backspace", "⌫", self.backspace), 2)
            self.grid.addLayout(row)
        bottom = QHBoxLayout()
        bottom.setSpacing(4)
        for method in METHODS:
            key = _key(f"method_{method}", "", lambda m=method: self.set_method(m))
            key.setCheckable(True)
            key.setChecked(method == self.method)
            self.method_keys[method] = key
            bottom.addWidget(key, 3)
        bottom.addWidget(_key("key_space", "", lambda: self.press(" ")), 3)
        for char in "-/":
            name = f"key_{PUNCTUATION_NAMES[char]}"
            bottom.addWidget(_key(name, char, lambda c=char: self.press(c)), 1)
        bottom.addWidget(_key("key_done", "", self.done.emit), 2)
        self.grid.addLayout(bottom)
        self._show_case()

    def retranslate(self) -> None:
        tr = self.tr_
        for name, key_name in (
            ("key_space", "keyboard.space"),
            ("key_done", "keyboard.done"),
            ("key_shift", "keyboard.shift"),
        ):
            key = self.findChild(QPushButton, name)
            if key is not None:
                key.setText(tr(key_name))
        for method, key in self.method_keys.items():
            key.setText(tr(f"keyboard.method.{method}"))
        backspace = self.findChild(QPushButton, "key_backspace")
        if backspace is not None:
            backspace.setAccessibleName(tr("keyboard.backspace"))
        self.help.setText("" if self.mode != "text" else tr(f"keyboard.help.{self.method}"))
        self.help.setVisible(self.mode == "text")

    def _show_case(self) -> None:
        for letter, key in self.letter_keys.items():
            key.setText(letter.upper() if self.shift and letter.isalpha() else letter)

    # Attaching -------------------------------------------------------------------
    def attach(self, edit: QLineEdit, mode: str | None = None) -> None:
        """Type into ``edit`` from now on (``mode`` defaults to its ``keyboard`` property)."""
        mode = mode or str(edit.property("keyboard") or "text")
        self.target = edit
        if mode != self.mode:
            self.mode = mode
            self._build()

    def detach(self) -> None:
        self.target = None

    # Typing ----------------------------------------------------------------------
    def set_method(self, method: str) -> None:
        self.method = method
        self._build()

    def toggle_shift(self) -> None:
        self.shift = not self.shift
        self._show_case()

    def press(self, char: str) -> None:
        edit = self.target
        if edit is None:
            return
        if self.mode == "text" and self.shift and char.isalpha():
            char = char.upper()
            self.shift = False
            shift = self.findChild(QPushButton, "key_shift")
            if shift is not None:
                shift.setChecked(False)
            self._show_case()
        if self.mode == "text" and self.method == "accents" and char.lower() in FAMILIES:
            self._offer_accents(char)
            return
        self._type(char)

    def _type(self, char: str) -> None:
        edit = self.target
        if edit is None:
            return
        text, caret = edit.text(), edit.cursorPosition()
        before, after = text[:caret], text[caret:]
        if self.mode == "date":
            digits = (before + char).replace("/", "")
            if not char.isdigit() or len(digits) > 8:
                return
            new_before = _date_text(digits)
        elif self.mode == "numeric":
            if not char.isdigit():
                return
            new_before = before + char
        elif self.mode == "text" and self.method in ("telex", "vni"):
            method = InputMethod.TELEX if self.method == "telex" else InputMethod.VNI
            new_before = compose(before, char, method)
        else:
            new_before = before + char
        if len(new_before) + len(after) > edit.maxLength():
            return
        edit.setText(new_before + after)
        edit.setCursorPosition(len(new_before))

    def _offer_accents(self, char: str) -> None:
        """In place of the letters: every form of ``char`` (a ă â × six tones), one touch each."""
        self._clear(self.grid)
        self.letter_keys.clear()
        self.method_keys.clear()
        for base in FAMILIES[char.lower()]:
            row = QHBoxLayout()
            row.setSpacing(4)
            for form in ACCENTED[base]:
                shown = form.upper() if char.isupper() else form
                row.addWidget(_key(f"accent_{form}", shown, lambda f=shown: self._pick_accent(f)))
            self.grid.addLayout(row)
        row = QHBoxLayout()
        back = _key("key_back", "", self._build)
        back.setText("‹ " + self.tr_("nav.back").lstrip("‹ ").strip())
        row.addWidget(back)
        self.grid.addLayout(row)
        self._show_keys()

    def _pick_accent(self, form: str) -> None:
        self._type(form)
        self._build()

    def backspace(self) -> None:
        edit = self.target
        if edit is None:
            return
        text, caret = edit.text(), edit.cursorPosition()
        if caret == 0:
            return
        cut = caret - 1
        if self.mode == "date" and cut > 0 and text[cut] == "/":
            cut -= 1  # the separator goes with the digit before it
        edit.setText(text[:cut] + text[caret:])
        edit.setCursorPosition(cut)


def _date_text(digits: str) -> str:
    """ "0509" → "05/09/" ; "05092026" → "05/09/2026" (the slashes come by themselves)."""
    parts = [digits[:2], digits[2:4], digits[4:8]]
    text = parts[0]
    if len(digits) >= 2:
        text += "/" + parts[1]
    if len(digits) >= 4:
        text += "/" + parts[2]
    return text
