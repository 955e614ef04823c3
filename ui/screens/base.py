"""What every screen shares: translated texts, a title, a navigation row, reset.

A screen is a thin view: it reads the core's state when it is entered,
turns button presses into core calls, and clears everything it showed when
the session is wiped (:meth:`Screen.reset`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
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

    def setText(self, text: str) -> None:
        self.caption.setText(text)
        self.setAccessibleName(text.replace("\n", " "))

    def text(self) -> str:
        return self.caption.text()


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
        outer.addWidget(self.title)
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
        outer.addWidget(self.scroll_area, 1)
        self.nav = QHBoxLayout()
        self.nav.setSpacing(16)
        outer.addLayout(self.nav)

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
        cancel = button("cancel")
        self.bind(cancel.setText, "nav.cancel")
        cancel.clicked.connect(self.core.cancel)
        self.nav.addWidget(cancel)
        return cancel

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


def clear_layout(layout: Any) -> None:
    """Delete every widget in ``layout`` (dynamic lists are rebuilt on entry)."""
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
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
