"""What every screen shares: translated texts, a title, a navigation row, reset.

A screen is a thin view: it reads the core's state when it is entered,
turns button presses into core calls, and clears everything it showed when
the session is wiped (:meth:`Screen.reset`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QPoint, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.core import KioskCore
from kiosk.runtime.flow import Step, Transition, Trigger
from kiosk.speech.script import ScreenParts
from ui.speech import SpeechControls

TextParam = Any  # a value, or a zero-argument callable evaluated at (re)translation time


def button(name: str, *, primary: bool = False) -> QPushButton:
    """A touch-sized button; ``name`` is its object name (the tour clicks by name)."""
    widget = QPushButton()
    widget.setObjectName(name)
    widget.setProperty("primary", primary)
    widget.setCursor(Qt.CursorShape.PointingHandCursor)
    # Never narrower than its text: a clipped label on a kiosk button is unreadable.
    widget.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
    return widget


class Tile(QPushButton):
    """A large touch tile whose caption wraps (a plain QPushButton never wraps).

    ``tour`` names it for the automatic driver; the caption is also its
    accessible name.
    """

    def __init__(self, tour: str, *, primary: bool = False, height: int = 120) -> None:
        super().__init__()
        self.setObjectName("tile")
        self.setProperty("tour", tour)
        self.setProperty("primary", primary)
        self.setMinimumHeight(height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.caption)
        self._text = ""
        self.toggled.connect(lambda _on: self.setText(self._text))

    def setText(self, text: str) -> None:
        self._text = text
        # A chosen tile says so in words and a mark, not only by its colour (WCAG 1.4.1).
        checked = self.isCheckable() and self.isChecked()
        self.caption.setText(f"{CHECK_MARK} {text}" if checked and text else text)
        self.caption.setProperty("checked", checked)
        self.caption.style().unpolish(self.caption)
        self.caption.style().polish(self.caption)
        self.setAccessibleName(text.replace("\n", " "))

    def text(self) -> str:
        return self.caption.text()


CHECK_MARK = "✓"
CHOSEN, NOT_CHOSEN = "◉", "○"
"""One of several choices: a filled and an empty circle, as on a paper form."""


class ChoiceButton(QPushButton):
    """A checkable button whose text carries its state: ``◉``/``○`` for one choice among
    several (``exclusive``), ``✓`` for an on/off setting.  Colour alone never tells which
    is chosen (WCAG 1.4.1); the mark is also read out as part of the name."""

    def __init__(self, name: str, *, exclusive: bool = False) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setCheckable(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.exclusive = exclusive
        self.caption = ""
        self.toggled.connect(lambda _on: self._show())

    def setText(self, text: str) -> None:
        self.caption = text
        self._show()

    def _show(self) -> None:
        if self.exclusive:
            mark = CHOSEN if self.isChecked() else NOT_CHOSEN
        else:
            mark = CHECK_MARK if self.isChecked() else ""
        super().setText(f"{mark} {self.caption}" if mark and self.caption else self.caption)


def label(name: str = "", *, wrap: bool = True) -> QLabel:
    widget = QLabel()
    if name:
        widget.setObjectName(name)
    widget.setWordWrap(wrap)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget


class Screen(QWidget):
    """Base class; subclasses set ``step`` and build into ``self.body``."""

    step: Step

    def __init__(self, core: KioskCore) -> None:
        super().__init__()
        self.core = core
        self._bindings: list[tuple[Callable[[str], None], str, dict[str, TextParam]]] = []
        self.setObjectName(f"screen_{self.step.value}")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 28, 48, 24)
        outer.setSpacing(16)
        self.title = label("title")
        self.subtitle = label("subtitle")
        self.compact = False
        self.speech_controls = SpeechControls(self)  # the "Listen" button on every screen
        outer.addLayout(self.speech_controls.row)
        outer.addWidget(self.subtitle)
        # The body scrolls rather than growing the window: with larger text or a long
        # answer a page may outgrow the screen, and the Continue row must stay visible.
        content = QWidget()
        content.setObjectName("screenBody")
        self.body = QVBoxLayout(content)
        self.body.setContentsMargins(0, 0, 0, 0)
        self.body.setSpacing(14)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        # A touch on the page's background must not take the focus from the field.
        self.scroll_area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scroll_area.setWidget(content)
        # Its own minimum, not its scroll bar's: with the keyboard up on a short screen the
        # window must not grow past the screen (the page scrolls instead).
        self.scroll_area.setMinimumHeight(64)
        outer.addWidget(self.scroll_area, 1)
        self.nav = QHBoxLayout()
        self.nav.setSpacing(16)
        outer.addLayout(self.nav)
        self._outer = outer
        self.compact = False
        self.portrait = False
        self._subtitle_shown = True
        # Rows of buttons shown whole or scrolled away whole, never sliced (keep_in_view).
        self.whole: list[QWidget] = []

    # Layout ------------------------------------------------------------------
    def set_compact(self, compact: bool) -> None:
        """The on-screen keyboard is up (``True``) or gone: with the keyboard the page gives
        its room to the question and the field (smaller margins, no subtitle)."""
        if compact == self.compact:
            return
        self.compact = compact
        side = self._outer.contentsMargins().left()
        self._outer.setContentsMargins(side, 8 if compact else 28, side, 8 if compact else 24)
        self._outer.setSpacing(8 if compact else 16)
        if compact:
            self._subtitle_shown = not self.subtitle.isHidden()
            self.subtitle.hide()
        else:
            self.subtitle.setVisible(self._subtitle_shown)
        self.speech_controls.follow()

    def set_portrait(self, portrait: bool) -> None:
        """The kiosk's screen is upright (taller than wide); screens rearrange what they show."""
        self.portrait = portrait
        side = 32 if portrait else 48
        margins = self._outer.contentsMargins()
        self._outer.setContentsMargins(side, margins.top(), side, margins.bottom())

    def companions(self, field: QWidget) -> list[QWidget]:
        """What must stay in sight with ``field`` while the citizen types into it: the widget
        it controls (its ``controls`` property: search results, a list to pick from) and what
        a screen adds (the error summary, the field's message)."""
        controlled = field.property("controls")
        return [controlled] if isinstance(controlled, QWidget) else []

    def keep_in_view(self, field: QWidget) -> None:
        """Scroll the page so that ``field`` and its :meth:`companions` are in sight.

        When they do not all fit, the field wins, then what lies under it (the first
        results), then what lies above (the error summary).
        """
        area = self.scroll_area
        content = area.widget()
        if content is None or not content.isAncestorOf(field) or not field.isVisible():
            return
        layout = self.layout()
        if layout is not None:
            layout.activate()
        content_layout = content.layout()
        if content_layout is not None:
            content_layout.activate()

        def span(widget: QWidget) -> tuple[int, int]:
            top = widget.mapTo(content, QPoint(0, 0)).y()
            return top, top + widget.height()

        field_top, field_bottom = span(field)
        top, bottom = field_top, field_bottom
        for widget in self.companions(field):
            if widget is None or not widget.isVisible() or not content.isAncestorOf(widget):
                continue
            first, last = span(widget)
            top, bottom = min(top, first), max(bottom, last)
        height = area.viewport().height()
        bar = area.verticalScrollBar()
        margin = 8
        if bottom - top + 2 * margin <= height:
            value = bar.value()
            if top - margin < value:
                value = top - margin
            elif bottom + margin > value + height:
                value = bottom + margin - height
        else:
            # Everything does not fit: the field in sight first, then what lies under it.
            value = min(field_top - margin, max(top - margin, bottom + margin - height))
        for row in self.whole:  # above the field: whole if the field stays in sight, else away
            if row.isVisible() and content.isAncestorOf(row):
                first, last = span(row)
                if last <= field_top and first < value < last + margin:
                    value = first if field_bottom - first <= height else last + margin
        bar.setValue(max(bar.minimum(), min(bar.maximum(), value)))

    # Translation -------------------------------------------------------------
    def bind(self, setter: Callable[[str], None], key: str, **params: TextParam) -> None:
        """Set a translated text now and again whenever the language changes."""
        self._bindings.append((setter, key, params))
        setter(self._render(key, params))

    def _render(self, key: str, params: dict[str, TextParam]) -> str:
        values = {k: (v() if callable(v) else v) for k, v in params.items()}
        return self.core.tr(key, **values)

    def retranslate(self) -> None:
        for setter, key, params in self._bindings:
            setter(self._render(key, params))
        self.refresh()

    # Navigation helpers ------------------------------------------------------
    def add_back(self, trigger: Trigger = Trigger.BACK) -> QPushButton:
        back = button("back")
        self.bind(back.setText, "nav.back")
        back.clicked.connect(lambda: self.core.fire(trigger))
        self.nav.addWidget(back)
        return back

    def add_cancel(self) -> QPushButton:
        """ "Hủy": ends the session, after a confirmation once the citizen has entered
        anything (:meth:`has_input`).  Quieter than "Quay lại" (text only, underlined): the
        two are side by side and do very different things."""
        cancel = button("cancel")
        cancel.setProperty("quiet", True)
        cancel.setStyleSheet(QUIET_STYLE)
        self.bind(cancel.setText, "nav.cancel")
        cancel.clicked.connect(self.ask_cancel)
        self.nav.addWidget(cancel)
        return cancel

    def has_input(self) -> bool:
        """Whether cancelling would lose something the citizen did: the card read, an
        access key, answers, photographed papers, or text typed on this screen."""
        session = self.core.session
        held = (
            session.identity is not None
            or session.access_key is not None
            or bool(session.key_candidates or session.answers or session.papers)
        )
        typed = any(edit.text() and not edit.isReadOnly() for edit in self.findChildren(QLineEdit))
        return held or typed

    def ask_cancel(self) -> None:
        """Cancel at once when there is nothing to lose, else ask first (in the window)."""
        if not self.has_input():
            self.core.cancel()
            return
        CancelConfirm.of(self).open()

    def add_stretch(self) -> None:
        self.nav.addStretch(1)

    # Life cycle ----------------------------------------------------------------
    def on_enter(self, transition: Transition) -> None:
        """The machine entered this screen's step."""
        self.refresh()

    def refresh(self) -> None:
        """Re-read the core's state into the widgets (after entering or a language change)."""

    def reset(self) -> None:
        """Forget everything session-specific (the session was wiped).

        The default clears every text field; screens that show personal data in
        labels override this and call ``super().reset()``.
        """
        for edit in self.findChildren(QLineEdit):
            # setText (unlike clear) also empties the undo history, which would
            # otherwise keep what the citizen typed.
            edit.setText("")
            edit.setProperty("invalid", False)


class ChoiceRow(QWidget):
    """Buttons side by side when their texts fit the row, else one under the other: never
    a text cut (a page does not scroll sideways).  :meth:`arrange` after a change of text."""

    def __init__(self, buttons: list[QPushButton]) -> None:
        super().__init__()
        self.buttons = buttons
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self._columns = 0
        self.arrange()

    def arrange(self) -> None:
        spacing = max(self.grid.horizontalSpacing(), 0)
        needed = sum(b.sizeHint().width() for b in self.buttons) + spacing * len(self.buttons)
        columns = len(self.buttons) if needed <= self.width() else 1
        if columns == self._columns:
            return
        self._columns = columns
        for index, choice in enumerate(self.buttons):
            self.grid.removeWidget(choice)
            self.grid.addWidget(choice, index // columns, index % columns)
        for column in range(len(self.buttons) + 1):
            self.grid.setColumnStretch(column, 1 if column == columns else 0)
        field = QApplication.focusWidget()
        screen = self.parentWidget()
        while screen is not None and not isinstance(screen, Screen):
            screen = screen.parentWidget()
        if isinstance(field, QLineEdit) and screen is not None and screen.isAncestorOf(field):
            QTimer.singleShot(0, screen, lambda: screen.keep_in_view(field))  # taller now

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.arrange()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self.arrange()


QUIET_STYLE = (
    "QPushButton { background: transparent; border: 2px solid transparent;"
    " text-decoration: underline; }"
    "QPushButton:focus { border: 4px solid; }"
)
"""A secondary, text-only button (its colour, size and padding stay the theme's)."""


def overlay_card(
    overlay: QWidget,
    title: QLabel,
    message: QLabel,
    other: QPushButton,
    main: QPushButton,
    *,
    spacing: int = 16,
) -> None:
    """A question over the whole window (the idle warning, "Hủy hồ sơ này?"): a card in the
    theme's colours, centred, with its title, one sentence, the other action on the left
    and the main one on the right."""
    overlay.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    outer = QVBoxLayout(overlay)
    outer.setAlignment(Qt.AlignmentFlag.AlignCenter)
    card = QFrame()
    card.setObjectName("overlayCard")
    card.setMinimumWidth(640)
    card.setMaximumWidth(1040)
    inner = QVBoxLayout(card)
    inner.setContentsMargins(40, 32, 40, 32)
    inner.setSpacing(spacing)
    inner.addWidget(title)
    inner.addWidget(message)
    row = QHBoxLayout()
    row.setSpacing(24)
    row.addWidget(other)
    row.addStretch(1)
    row.addWidget(main)
    inner.addLayout(row)
    outer.addWidget(card)


class CancelConfirm(QWidget):
    """ "Hủy hồ sơ này?": asked inside the kiosk window (full screen under a compositor: no
    native dialog), built like the idle warning.  "Không, tiếp tục làm" is the prominent,
    focused default; the idle timeout, any change of step and the session's wipe close it."""

    def __init__(self, window: QWidget, core: KioskCore) -> None:
        super().__init__(window)
        self.core = core
        self.setObjectName("cancelOverlay")
        self.setStyleSheet("#cancelOverlay { background: rgba(0, 0, 0, 170); }")
        self.title, self.message = label("title"), label()
        self.confirm = button("cancel_confirm")
        self.confirm.clicked.connect(self._confirmed)
        self.keep = button("cancel_keep", primary=True)
        self.keep.clicked.connect(self.hide)
        overlay_card(self, self.title, self.message, self.confirm, self.keep, spacing=20)
        self.hide()
        core.step_changed.connect(lambda _t: self.hide())
        core.session_wiped.connect(self.hide)
        core.tr.language_changed.connect(lambda _lang: self.retranslate())

    @classmethod
    def of(cls, screen: QWidget) -> CancelConfirm:
        """The window's one confirmation (made on first use)."""
        window = screen.window()
        found = window.findChild(cls)
        if isinstance(found, cls):
            return found
        return cls(window, screen.core)  # type: ignore[attr-defined]

    def retranslate(self) -> None:
        tr = self.core.tr
        self.title.setText(tr("cancel.confirm.title"))
        self.message.setText(tr("cancel.confirm.body"))
        self.keep.setText(tr("cancel.confirm.keep"))
        self.confirm.setText(tr("cancel.confirm.yes"))

    def open(self) -> None:
        self.retranslate()
        self.setGeometry(self.parentWidget().rect())
        self.raise_()
        self.show()
        self.keep.setFocus()
        self.core.speech.screen_shown(
            ScreenParts(
                title=self.title.text(),
                instruction=self.message.text(),
                main_button=self.keep.text(),
            )
        )

    def _confirmed(self) -> None:
        self.hide()
        self.core.cancel()


def clear_layout(layout: Any) -> None:
    """Delete every widget in ``layout`` (dynamic lists are rebuilt on entry)."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            # A touched button that goes (a category, an answer) holds the focus: hidden, it
            # would pass it to a sibling about to be parentless, a window of its own that
            # takes the kiosk's activation (and the keyboard, which follows the focus, stays
            # away).  Let it go nowhere instead.
            focus = QApplication.focusWidget()
            if focus is not None and (focus is widget or widget.isAncestorOf(focus)):
                focus.clearFocus()
            blank(widget)
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
        elif item.layout() is not None:
            clear_layout(item.layout())


def blank(widget: QWidget) -> None:
    """Empty the texts of ``widget`` and its children before it is dropped.

    ``deleteLater`` frees a widget only when the event loop comes round; its
    texts must not outlive the session until then.
    """
    for child in [widget, *widget.findChildren(QWidget)]:
        if isinstance(child, (QLabel, QPushButton, QLineEdit)):
            child.setText("")
            child.setAccessibleName("")
