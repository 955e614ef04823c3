"""The screen side of spoken guidance: what a screen shows, read off its widgets.

Generic on purpose: a new screen is spoken without its author doing anything.  From
the screen on display it takes the title, the subtitle (the one instruction), notices
and errors, the choices of a question, the values filled in (text fields, the card's
values, anything showing one of the session's personal values) and the main button
(the one marked ``primary``).  :class:`SpeechBinding` says each screen when it
appears (and each page of the form); every screen's title row carries the "Nghe
hướng dẫn / Listen" button and, once speech is on, the headset toggle.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from kiosk.speech.script import ScreenParts

Screen = Any  # ui.screens.base.Screen, which builds its controls from here (no circle)
KioskWindow = Any  # ui.main_window.KioskWindow

NOTICE_NAMES = ("notice", "hint", "dossierCode", "bigNumber", "faceGuidance")
CHOICE_MARKS = "◉○✓ "


def _shown(widget: QWidget) -> bool:
    return widget.isVisible() and bool(getattr(widget, "text", lambda: "")())


def _caption_above(value: QLabel) -> QLabel | None:
    """The caption printed over a value (the requirements screen's card values): the label
    before it in the layout that holds it."""

    def search(layout: QLayout | None) -> QLabel | None:
        if layout is None:
            return None
        before = None
        for index in range(layout.count()):
            item = layout.itemAt(index)
            if item.widget() is value:
                return before if isinstance(before, QLabel) else None
            if item.layout() is not None:
                found = search(item.layout())
                if found is not None:
                    return found
            before = item.widget()
        return None

    parent = value.parentWidget()
    return search(parent.layout()) if parent is not None else None


def screen_parts(screen: Screen) -> ScreenParts:
    """What ``screen`` shows now that is worth saying."""
    needles = screen.core.speech.needles()
    own: set[QWidget | None] = {screen.title, screen.subtitle}
    notices: list[str] = []
    errors: list[str] = []
    values: list[tuple[str, str]] = []
    labels = [item for item in screen.findChildren(QLabel) if _shown(item)]

    def personal(item: QLabel) -> bool:
        return item.objectName().startswith("card_") or any(n in item.text() for n in needles)

    for item in labels:  # a value, with the caption over it (the card's, an answer's)
        if personal(item):
            caption = _caption_above(item)
            if caption is not None and personal(caption):
                caption = None
            values.append((caption.text() if caption else "", item.text()))
            own.update((item, caption))  # said with its value, not on its own
    for item in labels:
        if item in own or isinstance(item.parentWidget(), QPushButton):
            continue
        name, text, parent = item.objectName(), item.text(), item.parentWidget()
        if name == "errorText" or (parent is not None and parent.objectName() == "errorSummary"):
            errors.append(text)
        elif name in NOTICE_NAMES:
            notices.append(text)
    for edit in screen.findChildren(QLineEdit):
        if _shown(edit) and edit.echoMode() == QLineEdit.EchoMode.Normal:
            values.append((edit.accessibleName() or edit.placeholderText(), edit.text()))
    buttons = [b for b in screen.findChildren(QPushButton) if b.isVisible()]
    errors += [  # the error summary's links, each naming a problem
        b.text() for b in buttons if (b.parentWidget() or b).objectName() == "errorSummary"
    ]
    choices = [
        b.caption for b in buttons if getattr(b, "exclusive", False) and getattr(b, "caption", "")
    ]
    main = next((b for b in buttons if b.property("primary") is True), None)
    main_text = (main.accessibleName() or main.text()) if main is not None else ""
    return ScreenParts(
        # A title's success mark ("✓ Hồ sơ … đã được nộp") is seen, not said.
        title=screen.title.text().lstrip(CHOICE_MARKS) if screen.title.isVisible() else "",
        instruction=screen.subtitle.text() if screen.subtitle.isVisible() else "",
        notices=tuple(dict.fromkeys(notices)),
        errors=tuple(dict.fromkeys(errors)),
        choices=tuple(choices),
        values=tuple(values),
        main_button=main_text.strip(CHOICE_MARKS),
    )


class SpeechControls:
    """A screen's "Nghe hướng dẫn / Listen" button and its headset toggle (shown once speech
    is on or a headset is plugged in).  With the on-screen keyboard up they give their room
    to the field, as the subtitle does; the keyboard's Done brings them back."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen
        core = screen.core
        self.row = QHBoxLayout()
        self.row.setSpacing(16)
        self.row.addWidget(screen.title, 1)
        self.listen = _button("listen")
        screen.bind(lambda text: self.listen.setText("🔊 " + text), "speech.listen")
        self.listen.clicked.connect(lambda: core.speech.listen(screen_parts(screen)))
        self.headset = _button("headset")
        self.headset.setCheckable(True)
        self._caption = ""
        screen.bind(self._headset_caption, "speech.headset")
        self.headset.clicked.connect(core.speech.set_headset)
        self.row.addWidget(self.headset, 0, Qt.AlignmentFlag.AlignTop)
        self.row.addWidget(self.listen, 0, Qt.AlignmentFlag.AlignTop)
        core.speech.changed.connect(self.follow)
        self.headset.hide()  # until speech is on (not shown yet: no window of its own)

    def follow(self) -> None:
        guide, compact = self.screen.core.speech, self.screen.compact
        self.listen.setVisible(not compact)
        self.headset.setVisible((guide.on or guide.headset) and not compact)
        self.headset.setChecked(guide.headset)
        self._headset_caption(self._caption)
        self.headset.setEnabled(not guide.plugged)  # a plugged headset is not switched off here

    def _headset_caption(self, text: str) -> None:
        # Chosen says so in a mark, not by its colour alone (WCAG 1.4.1), as ChoiceButton does.
        self._caption = text
        mark = "✓ " if self.headset.isChecked() else ""
        self.headset.setText(f"{mark}🎧 {text}")


def _button(name: str) -> QPushButton:
    """A touch-sized button as ``ui.screens.base.button`` makes them."""
    widget = QPushButton()
    widget.setObjectName(name)
    widget.setProperty("primary", False)
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    widget.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
    return widget


class SpeechBinding(QObject):
    """Says each screen (and each page of the form) once it is on display."""

    def __init__(self, window: KioskWindow) -> None:
        super().__init__(window)
        self.window = window
        core = window.core
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(60)  # once the screen has laid out what it shows
        self._timer.timeout.connect(self.say_screen)
        core.step_changed.connect(lambda _t: self._timer.start())
        core.forms.page_changed.connect(lambda *_a: self._timer.start())

    def say_screen(self) -> None:
        screen = self.window.stack.currentWidget()
        core = self.window.core
        if core.speech.on and hasattr(screen, "title") and hasattr(screen, "core"):
            core.speech.screen_shown(screen_parts(screen))  # type: ignore[arg-type]
