"""The on-screen keyboard for touch kiosks: Vietnamese (Telex, VNI, accented letters), digits.

It types into the ``QLineEdit`` it is attached to; the window attaches it when
a field takes the focus.  A field says which keys it wants with its
``keyboard`` property (or the ``mode`` given to :meth:`OnScreenKeyboard.attach`):
``"text"`` (letters; the default), ``"numeric"`` (a digit pad: phone and ID
numbers) or ``"date"`` (a digit pad that puts in the ``/`` of dd/mm/yyyy by
itself).  It is the kiosk's only keypad: the access-key screen's ID number and
dates use its digit and date pads too.

Letters go through :func:`kiosk.forms.ime.compose`, so ``Nguyeenx`` becomes
``Nguyễn`` on screen as it would with Unikey.  People who know neither Telex
nor VNI pick "Accented letters": touching a vowel (or ``d``) shows its forms,
a row per vowel (a ă â), in place of the letters; one more touch types the
chosen form.  A touch, not a long press: long presses are hard for many
elderly users.

Sizes are for a 1280×800 touch screen used by people new to it: keys 50 px
tall, above the 48 px touch minimum (five rows plus a one-line help leave the page
above its question, its field and its buttons), 64 px on taller screens; colours
and letter sizes follow the kiosk's theme and "Larger text" (:meth:`apply_theme`); no
text under the body's 24 px (the function keys' names, the Telex line: one line at 24 px
in both text sizes, so the page keeps its room);
on an upright screen the digit pad spans the width.  The field keeps the focus and
the caret (the keys never take the focus).

Threading: a widget; GUI thread only.
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

from kiosk.forms.ime import ACCENTED, InputMethod, compose
from ui.theme import BODY_PX, MIN_TOUCH_PX, Theme

KEY_HEIGHT = 50  # above the 48 px touch minimum; five rows must leave the page its field
TALL_KEY_HEIGHT = 64
"""On tall screens (1080p, an upright kiosk) there is room for bigger keys."""
SPACING = 4
MODES = ("text", "numeric", "date")
METHODS = ("telex", "vni", "accents")
IME_METHODS = {"telex": InputMethod.TELEX, "vni": InputMethod.VNI}

DIGIT_ROW = "1234567890"
"""Always shown in the text layout: house numbers, and the marks of VNI."""
LETTER_ROWS = ("qwertyuiop-", "asdfghjkl/", "zxcvbnm,.")
PUNCTUATION_NAMES = {",": "comma", ".": "period", "-": "dash", "/": "slash"}
FAMILIES = {
    "a": ("a", "ă", "â"),
    "e": ("e", "ê"),
    "o": ("o", "ô", "ơ"),
    "u": ("u", "ư"),
    "i": ("i",),
    "y": ("y",),
    "d": ("d",),
}
"""What a touch on a letter offers in the accented-letters layout: a row per vowel."""
LETTER_AREA_HEIGHT = 4 * KEY_HEIGHT + 3 * SPACING
"""Digits and three letter rows; the accented forms take the same place (nothing jumps)."""


def keyboard_style(theme: Theme, key_height: int) -> str:
    """The keyboard's own style sheet, in the kiosk's theme and text size.

    Keys are the theme's surface edged with its border colour (3:1 and more against the
    keyboard's background, WCAG 1.4.11), their letters the theme's text colour; Done is
    the success colour, the chosen typing method the accent colour.  The key height is set
    here too (content box: the height less the borders): the application stylesheet's
    taller minimum for buttons would otherwise win over ``setFixedHeight`` and make the
    rows overlap.
    """
    p = theme.palette
    border = 3 if theme.high_contrast else 2
    content = key_height - 2 * border
    return f"""
#keyboard {{ background: {p.keyboard}; border-top: 3px solid {p.border}; }}
QPushButton[keyboardKey="true"] {{
    background: {p.surface}; color: {p.text}; border: {border}px solid {p.border};
    border-radius: 10px; font-size: {theme.px(1.1)}px; padding: 0 6px; min-width: 40px;
    min-height: {content}px; max-height: {content}px; font-weight: 500;
}}
QPushButton[keyboardKey="true"]:pressed {{ background: {p.accent}; color: {p.accent_text}; }}
QPushButton[role="function"] {{ font-size: {theme.px(1.0)}px; font-weight: 600; }}
QPushButton[role="function"]:checked {{
    background: {p.accent}; color: {p.accent_text}; border-color: {p.accent};
}}
QPushButton[role="done"] {{
    background: {p.success}; color: {p.success_text}; border-color: {p.success};
    font-size: {theme.px(1.0)}px; font-weight: 700;
}}
QPushButton[role="accent"] {{ font-size: {theme.px(1.4)}px; }}
#keyboardHelp {{ color: {p.text}; font-size: {BODY_PX}px; }}
"""


def _key(name: str, text: str, on_click: Callable[[], None], role: str = "") -> QPushButton:
    key = QPushButton(text)
    key.setObjectName(name)
    key.setProperty("keyboardKey", True)
    if role:
        key.setProperty("role", role)
    key.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field keeps the focus and the caret
    key.setFixedHeight(KEY_HEIGHT)
    key.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    key.clicked.connect(lambda _checked=False: on_click())
    return key


def _marked(text: str, on: bool) -> str:
    """A key that is on says so with a mark, not by its colour alone (WCAG 1.4.1)."""
    return f"✓ {text}" if on else text


def _row(*keys: tuple[QPushButton, int]) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(SPACING)
    for key, stretch in keys:
        row.addWidget(key, stretch)
    return row


def _discard(widget: QWidget | None) -> None:
    """Gone from the keyboard now (``findChild`` no longer sees it), deleted at the next turn."""
    if widget is not None:
        widget.hide()
        widget.setParent(None)
        widget.deleteLater()


def date_text(digits: str) -> str:
    """``"0509"`` → ``"05/09/"``, ``"05092026"`` → ``"05/09/2026"``: the slashes by themselves."""
    text = digits[:2]
    if len(digits) >= 2:
        text += "/" + digits[2:4]
    if len(digits) >= 4:
        text += "/" + digits[4:8]
    return text


class OnScreenKeyboard(QFrame):
    """Keys that type into the attached ``QLineEdit`` at its caret; ``done`` on Done."""

    done = Signal()

    def __init__(self, tr: Callable[..., str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyboard")
        self.theme = Theme()
        self.key_height = KEY_HEIGHT
        self.wide = False
        self.setStyleSheet(keyboard_style(self.theme, self.key_height))
        self._tr = tr
        self.target: QLineEdit | None = None
        self.mode = "text"
        self.method = "telex"
        self.shift = False
        self._page: QWidget | None = None
        self._accents: QWidget | None = None
        self._letters: QWidget | None = None
        self._letter_keys: dict[str, QPushButton] = {}
        self._method_keys: dict[str, QPushButton] = {}
        self._outer = QVBoxLayout(self)
        self._outer.setContentsMargins(12, 4, 12, 6)
        self._outer.setSpacing(SPACING)
        self.help = QLabel()
        self.help.setObjectName("keyboardHelp")
        self.help.setWordWrap(True)  # in larger text, never wider than the screen
        self._outer.addWidget(self.help)
        self._build()

    # Attaching -------------------------------------------------------------------
    def attach(self, line_edit: QLineEdit, mode: str | None = None) -> None:
        """Type into ``line_edit`` from now on; ``mode`` defaults to its ``keyboard`` property."""
        mode = mode or str(line_edit.property("keyboard") or "text")
        if mode not in MODES:
            raise ValueError(f"unknown keyboard mode {mode!r}; one of {MODES}")
        self.target = line_edit
        self.shift = False
        if mode != self.mode:
            self.mode = mode
            self._build()
        else:
            self._close_accents()
            self._show_case()

    def detach(self) -> None:
        """Type nowhere; the method chosen stays for the next field."""
        self.target = None
        self._close_accents()

    def finish(self) -> None:
        """Done touched: the field lets go of the focus, then ``done`` (the window hides us).

        The window shows the keyboard when a field *takes* the focus; a field that kept it
        would take it no more, and a touch on it after Done would bring no keys back.
        """
        if self.target is not None:
            self.target.clearFocus()
        self.done.emit()

    # Layout ----------------------------------------------------------------------
    def apply_theme(self, theme: Theme, key_height: int = KEY_HEIGHT, wide: bool = False) -> None:
        """Follow the kiosk's theme and text size; ``key_height`` (never under the 48 px touch
        minimum) and ``wide`` (the digit pad across the whole width) fit the screen."""
        key_height = max(key_height, MIN_TOUCH_PX)
        if (theme, key_height, wide) == (self.theme, self.key_height, self.wide):
            return
        self.theme, self.key_height, self.wide = theme, key_height, wide
        self.setStyleSheet(keyboard_style(theme, key_height))
        self._build()

    def _area_height(self) -> int:
        """Digits and three letter rows; the accented forms take the same place."""
        return 4 * self.key_height + 3 * SPACING

    def _fit(self, holder: QWidget) -> None:
        for key in holder.findChildren(QPushButton):
            key.setFixedHeight(self.key_height)

    def _build(self) -> None:
        _discard(self._page)
        self._accents = self._letters = None
        self._letter_keys.clear()
        self._method_keys.clear()
        self._page = self._text_page() if self.mode == "text" else self._pad_page()
        self._fit(self._page)
        self._outer.addWidget(self._page)
        self._page.show()
        self.retranslate()

    def _pad_page(self) -> QWidget:
        holder = QWidget()
        pad = QGridLayout(holder)
        pad.setContentsMargins(0, 0, 0, 0)
        pad.setSpacing(SPACING)
        for index, digit in enumerate("123456789"):
            key = _key(f"key_{digit}", digit, lambda d=digit: self.press(d))
            pad.addWidget(key, index // 3, index % 3)
        pad.addWidget(_key("key_backspace", "", self.backspace, "function"), 3, 0)
        pad.addWidget(_key("key_0", "0", lambda: self.press("0")), 3, 1)
        pad.addWidget(_key("key_done", "", self.finish, "done"), 3, 2)
        if not self.wide:
            holder.setMaximumWidth(600)
        page = QWidget()
        row = QHBoxLayout(page)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(holder)
        return page

    def _text_page(self) -> QWidget:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACING)
        self._letters = QWidget()
        self._letters.setFixedHeight(self._area_height())
        rows = QVBoxLayout(self._letters)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(SPACING)
        digits = [(self._char_key(c), 2) for c in DIGIT_ROW]
        rows.addLayout(_row(*digits, (_key("key_backspace", "", self.backspace, "function"), 5)))
        rows.addLayout(_row(*[(self._char_key(c), 2) for c in LETTER_ROWS[0]], (QWidget(), 1)))
        rows.addLayout(_row((QWidget(), 1), *[(self._char_key(c), 2) for c in LETTER_ROWS[1]]))
        shift = _key("key_shift", "", self.toggle_shift, "function")
        shift.setCheckable(True)
        rows.addLayout(_row((shift, 5), *[(self._char_key(c), 2) for c in LETTER_ROWS[2]]))
        column.addWidget(self._letters)
        bottom: list[tuple[QPushButton, int]] = []
        for method in METHODS:
            key = _key(f"method_{method}", "", lambda m=method: self.set_method(m), "function")
            key.setCheckable(True)
            key.setChecked(method == self.method)
            self._method_keys[method] = key
            # "Accented letters" is the longest name: room for it in larger text.
            bottom.append((key, 4 if method == "accents" else 2))
        bottom.append((_key("key_space", "", lambda: self.press(" ")), 5))
        bottom.append((_key("key_done", "", self.finish, "done"), 3))
        column.addLayout(_row(*bottom))
        self._show_case()
        return page

    def _char_key(self, char: str) -> QPushButton:
        key = _key(f"key_{PUNCTUATION_NAMES.get(char, char)}", char, lambda: self.press(char))
        self._letter_keys[char] = key
        return key

    def _show_case(self) -> None:
        for char, key in self._letter_keys.items():
            key.setText(char.upper() if self.shift else char)
        shift = self.findChild(QPushButton, "key_shift")
        if shift is not None:
            shift.setChecked(self.shift)
            shift.setText(_marked(self._tr("keyboard.shift"), self.shift))

    def retranslate(self) -> None:
        """Texts in the current language (call when it changes)."""
        tr = self._tr
        for name, text_key in (
            ("key_space", "keyboard.space"),
            ("key_done", "keyboard.done"),
        ):
            key = self.findChild(QPushButton, name)
            if key is not None:
                key.setText(tr(text_key))
        backspace = self.findChild(QPushButton, "key_backspace")
        if backspace is not None:
            backspace.setText("⌫ " + tr("keyboard.backspace"))
            backspace.setAccessibleName(tr("keyboard.backspace"))
        for method, key in self._method_keys.items():
            key.setText(_marked(tr(f"keyboard.method.{method}"), method == self.method))
        self._show_case()
        self.help.setText(tr(f"keyboard.help.{self.method}") if self.mode == "text" else "")
        self.help.setVisible(self.mode == "text")

    # Keys ------------------------------------------------------------------------
    def set_method(self, method: str) -> None:
        """``"telex"``, ``"vni"`` or ``"accents"``."""
        if method not in METHODS:
            raise ValueError(f"unknown typing method {method!r}; one of {METHODS}")
        self.method = method
        self._close_accents()
        for name, key in self._method_keys.items():
            key.setChecked(name == method)
        self.retranslate()

    def toggle_shift(self) -> None:
        """Capitals for the next letter only (names: one capital a word)."""
        self.shift = not self.shift
        self._show_case()

    def press(self, char: str) -> None:
        """A key touched: ``char`` typed (composed) into the field, or the accents offered."""
        if self.target is None:
            return
        if self.mode == "text" and char.isalpha():
            if self.shift:
                char = char.upper()
                self.shift = False
                self._show_case()
            if self.method == "accents" and char.lower() in FAMILIES:
                self._offer_accents(char)
                return
        self._type(char)

    def backspace(self) -> None:
        """Delete the selection, or the character before the caret (a date: its digit too)."""
        edit = self.target
        if edit is None:
            return
        before, after = self._split(edit)
        if edit.hasSelectedText():
            self._set(edit, before, after)
            return
        if self.mode == "date":
            digits = "".join(c for c in edit.text() if c.isdigit())[:-1]
            self._set(edit, date_text(digits), "")
        elif before:
            self._set(edit, before[:-1], after)

    def _split(self, edit: QLineEdit) -> tuple[str, str]:
        """The text before and after the caret, the selection left out."""
        text = edit.text()
        if edit.hasSelectedText():
            start = edit.selectionStart()
            return text[:start], text[start + len(edit.selectedText()) :]
        caret = edit.cursorPosition()
        return text[:caret], text[caret:]

    def _type(self, char: str) -> None:
        edit = self.target
        if edit is None:
            return
        before, after = self._split(edit)
        if self.mode == "date":
            if not char.isdigit():
                return
            digits = "".join(c for c in before + after if c.isdigit()) + char
            if len(digits) > 8:
                return
            before, after = date_text(digits), ""  # dates are typed from the left
        elif self.mode == "numeric":
            if not char.isdigit():
                return
            before += char
        elif self.method in IME_METHODS:
            before = compose(before, char, IME_METHODS[self.method])
        else:
            before += char
        if len(before) + len(after) > edit.maxLength():
            return
        self._set(edit, before, after)

    @staticmethod
    def _set(edit: QLineEdit, before: str, after: str) -> None:
        edit.setText(before + after)
        edit.setCursorPosition(len(before))

    # Accented letters ------------------------------------------------------------
    def _offer_accents(self, char: str) -> None:
        """In place of the letters: every form of ``char`` (a ă â × six tones), one touch each."""
        self._close_accents()
        if self._letters is None or self._page is None:
            return
        panel = QWidget()
        panel.setFixedHeight(self._area_height())
        rows = QVBoxLayout(panel)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(SPACING)
        for base in FAMILIES[char.lower()]:
            keys = []
            for form in ACCENTED[base]:
                shown = form.upper() if char.isupper() else form
                key = _key(f"accent_{shown}", shown, lambda f=shown: self._pick_accent(f), "accent")
                keys.append((key, 1))
            rows.addLayout(_row(*keys))
        rows.addStretch(1)
        # A way back without typing; "abc" is what phone keyboards show for their letters.
        back = _key("key_letters", "‹ abc", self._close_accents, "function")
        rows.addLayout(_row((back, 1), (QWidget(), 4)))
        column = self._page.layout()
        assert isinstance(column, QVBoxLayout)
        self._fit(panel)
        column.insertWidget(0, panel)
        self._letters.hide()
        self._accents = panel
        panel.show()

    def _pick_accent(self, form: str) -> None:
        self._close_accents()
        self._type(form)

    def _close_accents(self) -> None:
        _discard(self._accents)
        self._accents = None
        if self._letters is not None and self.mode == "text":
            self._letters.show()
