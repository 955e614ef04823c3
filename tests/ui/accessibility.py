"""The accessibility rules for public terminals, checked on whatever the window shows.

:func:`audit` looks at every visible control and text of the window as it is now and
names each failure with the screen and the control: touch targets of 44 × 44 px at
least (WCAG 2.5.5), text of 24 px at least at 1280 × 800 (the body and the kiosk's own
chrome alike: the header's "A+ Chữ to" and "Tương phản", the keyboard's keys and its
Telex line are what a poor-sighted reader must find first), text contrast against
what is painted behind it of 4.5:1 (7:1 in the high-contrast theme; WCAG 1.4.3 and
1.4.6), an accessible name for every control (what Qt's accessibility, i.e. a screen
reader, announces), and nothing clipped or overlapping.

:class:`TourChecks` is a tour ``inspect`` callback: at every shot it audits the screen as
the citizen sees it; once per screen (by step, and the idle warning) it also switches in
place to the other theme and text size (high contrast with larger text), audits again
and switches back: the colours depend on the theme and the room on the text size, so
these two variants cover both themes and both sizes without a second tour (a switch
restyles every widget: about half a second).  At every shot it also presses the
screen's Listen button and checks what the speech simulator said (:class:`SpeechCheck`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QAccessible, QFontInfo, QImage
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QScrollArea,
    QScrollBar,
    QWidget,
)

from devices.speech.simulator import SimulatedSpeaker
from kiosk.runtime.flow import Step
from kiosk.speech.reading import speakable
from ui.main_window import KioskWindow
from ui.screens.base import Screen, Tile
from ui.theme import BODY_PX

MIN_TARGET_PX = 44  # WCAG 2.5.5 (AAA) and ADA §707's touch area
Colour = tuple[int, int, int]
CONTROLS = (QAbstractButton, QLineEdit, QAbstractItemView, QComboBox)

Inspect = Callable[[KioskWindow, str], None]


def _name(widget: QWidget) -> str:
    text = widget.text() if isinstance(widget, (QLabel, QAbstractButton, QLineEdit)) else ""
    tour = widget.property("tour")
    return str(tour or widget.objectName() or f"{type(widget).__name__} {text[:24]!r}")


def _rect(window: QWidget, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def _shown_rect(window: QWidget, widget: QWidget) -> QRect:
    """The part of ``widget`` on screen: inside the window and every scroll area around it."""
    rect = _rect(window, widget) & window.rect()
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        if isinstance(parent, QAbstractScrollArea) and parent.viewport().isAncestorOf(widget):
            viewport = parent.viewport()
            rect &= QRect(viewport.mapTo(window, QPoint(0, 0)), viewport.size())
        parent = parent.parentWidget()
    return rect


def _in_scroll_area(widget: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QScrollArea):
            return True
        parent = parent.parentWidget()
    return False


def _text(widget: QWidget) -> str:
    if isinstance(widget, Tile):
        return ""  # its caption (a label) is checked
    if isinstance(widget, (QLabel, QAbstractButton)):
        return (
            widget.text()
            if not (isinstance(widget, QLabel) and widget.pixmap() and not widget.text())
            else ""
        )
    if isinstance(widget, QLineEdit):
        return widget.text() or widget.placeholderText()
    return ""


def _clipped(widget: QWidget) -> bool:
    text = _text(widget)
    if not text or isinstance(widget, QLineEdit):
        return False  # a field scrolls its text
    metrics = widget.fontMetrics()
    if isinstance(widget, QLabel):
        if widget.wordWrap():
            return widget.heightForWidth(widget.width()) > widget.height() + 2
        room = widget.contentsRect().width()
        return max(metrics.horizontalAdvance(line) for line in text.split("\n")) > room + 1
    return max(metrics.horizontalAdvance(line) for line in text.split("\n")) > widget.width()


def _contrast(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    def luminance(rgb: tuple[int, int, int]) -> float:
        c = [v / 255 for v in rgb]
        lin = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in c]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _pixels(window: QWidget) -> np.ndarray:
    image = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    width, height = image.width(), image.height()
    data = np.frombuffer(
        image.constBits(), dtype=np.uint32, count=image.bytesPerLine() // 4 * height
    )
    return data.reshape(height, image.bytesPerLine() // 4)[:, :width].copy()  # image goes


def _colours(pixels: np.ndarray, rect: QRect, ratio: float) -> tuple[Colour, Colour]:
    """The text's colour and the colour behind it, as painted (whatever the widget's state:
    a chosen button paints its text in another colour than its palette says): behind is
    the commonest colour of the rectangle (``ratio``: the grab's pixels per widget pixel),
    the text the colour that stands out most from it."""
    top, left = int(rect.top() * ratio), int(rect.left() * ratio)
    bottom, right = int((rect.bottom() + 1) * ratio), int((rect.right() + 1) * ratio)
    values, counts = np.unique(pixels[top:bottom:2, left:right:2].ravel(), return_counts=True)
    channels = np.stack([(values >> shift) & 255 for shift in (16, 8, 0)], axis=1) / 255
    linear = np.where(channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4)
    luminance = linear @ np.array([0.2126, 0.7152, 0.0722])
    behind = int(counts.argmax())
    ratios = (np.maximum(luminance, luminance[behind]) + 0.05) / (
        np.minimum(luminance, luminance[behind]) + 0.05
    )
    text = int(ratios.argmax())

    def rgb(index: int) -> Colour:
        value = int(values[index])
        return (value >> 16) & 255, (value >> 8) & 255, value & 255

    return rgb(text), rgb(behind)


def _text_rect(widget: QWidget, rect: QRect) -> QRect:
    """Where the text is painted: inside a button's border and rounded corners."""
    if isinstance(widget, QAbstractButton):
        inner = rect.adjusted(8, 6, -8, -6)
        return inner if not inner.isEmpty() else rect
    return rect


def _accessible_name(widget: QWidget) -> str:
    face = QAccessible.queryAccessibleInterface(widget)
    name = face.text(QAccessible.Text.Name) if face is not None else ""
    return (name or widget.accessibleName() or _text(widget)).strip()


def audit(window: KioskWindow, screen: str) -> list[str]:
    """Every failure on what ``window`` shows now, as 'screen [variant]: control: problem'.

    A shot may catch a screen between two states (a page's new question laid out on the
    next turn): what fails is looked at again once the layout has settled, and only what
    still fails is reported."""
    problems = _audit_once(window, screen)
    if problems:
        time.sleep(0.05)
        _settle(window)
        problems = _audit_once(window, screen)
    return problems


def _settle(window: KioskWindow) -> None:
    for _turn in range(3):  # a new text or theme: laid out again (height for width) first
        QApplication.processEvents()
    for widget in (window, window.stack.currentWidget()):
        layout = widget.layout() if widget is not None else None
        if layout is not None:
            layout.activate()
    QApplication.processEvents()


def _audit_once(window: KioskWindow, screen: str) -> list[str]:
    _settle(window)
    theme = window.theme
    variant = ("high contrast" if theme.high_contrast else "default") + (
        ", larger text" if theme.large_text else ""
    )
    where = f"{screen} [{variant}]"
    demo = window.demo_panel
    overlay = top_layer(window)
    shown: list[tuple[QWidget, QRect]] = []
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or isinstance(widget, QScrollBar):
            continue  # scroll bars: user-agent controls (the 2.5.5 exception)
        if demo is not None and (widget is demo or demo.isAncestorOf(widget)):
            continue  # demo mode's stand-in for the citizen's hands, not the kiosk
        if overlay is not None and not (widget is overlay or overlay.isAncestorOf(widget)):
            continue  # under the idle warning or a panel: not what is seen now
        rect = _shown_rect(window, widget)
        if rect.isEmpty():
            continue  # scrolled out of sight
        shown.append((widget, rect))
    problems: list[str] = []
    pixels = _pixels(window)
    ratio = pixels.shape[1] / window.width()
    minimum = 7.0 if theme.high_contrast else 4.5
    for widget, rect in shown:
        name = _name(widget)
        if isinstance(widget, CONTROLS):
            if widget.width() < MIN_TARGET_PX or widget.height() < MIN_TARGET_PX:
                problems.append(
                    f"{where}: {name}: touch target {widget.width()}x{widget.height()} px"
                )
            if not _accessible_name(widget):
                problems.append(f"{where}: {name}: no accessible name")
        if isinstance(widget, QListWidget):
            for row in range(widget.count()):
                item = widget.item(row)
                height = widget.visualItemRect(item).height()
                if 0 < height < MIN_TARGET_PX:
                    problems.append(f"{where}: {name}: entry {row} is {height} px high")
                    break
        text = _text(widget)
        if not text.strip():
            continue
        whole = rect == _rect(window, widget)
        if widget.isEnabled():  # an inactive control is exempt (WCAG 1.4.3)
            text_colour, behind = _colours(pixels, _text_rect(widget, rect), ratio)
            ratio_found = _contrast(text_colour, behind)
            # Half scrolled out of sight, the part on screen may hold no letter at all.
            if ratio_found < minimum and (whole or ratio_found > 1.0):
                problems.append(f"{where}: {name}: contrast {ratio_found:.1f}:1 < {minimum}:1")
        size = QFontInfo(widget.font()).pixelSize()
        # No exemption for the header or the keyboard (outside the screens): they are read
        # by the same citizens (only the demo panel, skipped above, is not the kiosk's).
        if size < BODY_PX:
            problems.append(f"{where}: {name}: text at {size} px < {BODY_PX} px")
        if _clipped(widget):
            problems.append(f"{where}: {name}: text clipped")
        if not _in_scroll_area(widget) and not window.rect().contains(_rect(window, widget)):
            problems.append(f"{where}: {name}: cut off by the edge of the screen")
    problems += _overlaps(where, [(w, r) for w, r in shown if isinstance(w, CONTROLS) or _text(w)])
    return problems


def _overlaps(where: str, items: list[tuple[QWidget, QRect]]) -> list[str]:
    """Controls and texts painted over one another (a widget inside another is not)."""
    if len(items) < 2:
        return []
    box = np.array([(r.left(), r.top(), r.right() + 1, r.bottom() + 1) for _w, r in items])
    x0, y0, x1, y1 = (box[:, i] for i in range(4))
    hit = (np.minimum(x1[:, None], x1[None, :]) - np.maximum(x0[:, None], x0[None, :]) > 1) & (
        np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :]) > 1
    )
    problems = []
    for i, j in zip(*np.nonzero(np.triu(hit, 1)), strict=True):
        first, second = items[i][0], items[j][0]
        if first.isAncestorOf(second) or second.isAncestorOf(first):
            continue
        problems.append(f"{where}: {_name(first)} overlaps {_name(second)}")
    return problems


def top_layer(window: KioskWindow) -> QWidget | None:
    """What lies over the screens, if anything (the idle warning, a staff or technician
    panel): the topmost shown child of the window that covers most of it."""
    for child in reversed(window.children()):
        if (
            isinstance(child, QWidget)
            and child.isVisible()
            and child is not window.centralWidget()
            and not child.isWindow()
            and child.width() * child.height() >= window.width() * window.height() // 2
        ):
            return child
    return None


def screen_key(window: KioskWindow, name: str) -> str:
    """One key per screen: its step, or what lies over it (the idle warning, a panel)."""
    layer = top_layer(window)
    if layer is not None:
        return layer.objectName() or type(layer).__name__
    # The step the tour took the shot of (a short step may have ended since).
    return window.property("tourStep") or window.core.step.value


@dataclass
class SpeechCheck:
    """Press the screen's Listen button; what was said must carry its title and instruction,
    nothing personal through the loudspeaker, and every value filled in into a headset."""

    needles: list[str]
    problems: list[str]
    headset: bool = False
    said: dict[str, str] = field(default_factory=dict)  # shot -> the text said

    def __call__(self, window: KioskWindow, name: str) -> None:
        core = window.core
        screen = window.stack.currentWidget()
        speaker = core.devices.speaker
        if top_layer(window) is not None or not isinstance(screen, Screen):
            return  # the idle warning is said by the core (tests/kiosk/test_speech_texts.py)
        assert isinstance(speaker, SimulatedSpeaker)
        if self.headset and not core.speech.headset:
            speaker.plug_headset(True)  # reaches the core through the dispatcher
            QApplication.processEvents()
        screen.speech_controls.listen.click()
        if not speaker.transcript:
            self.problems.append(f"{name}: Listen said nothing")
            return
        said = speaker.transcript[-1]
        self.said[name] = said.text
        lang = core.tr.language
        if said.headset != core.speech.headset:  # the headset chosen or plugged in, or not
            self.problems.append(f"{name}: said into the wrong output ({said.headset=})")
        if self.headset and not said.headset:
            self.problems.append(f"{name}: not said into the headset plugged in")
        for part in (screen.title, screen.subtitle):
            text = part.text().lstrip("✓ ").strip().rstrip(".")  # a success mark: seen, not said
            if part.isVisible() and text and speakable(text, lang) not in said.text:
                if not any(n in text for n in self.needles):
                    self.problems.append(f"{name}: {part.objectName()} {text[:40]!r} not said")
        for utterance in speaker.transcript:
            if not utterance.headset:
                leaked = [
                    n
                    for n in self.needles
                    if n in utterance.text or speakable(n, lang) in utterance.text
                ]
                if leaked:
                    self.problems.append(f"{name}: personal value said through the loudspeaker")
        if self.headset:
            for value in filled_values(screen):
                if speakable(value, lang) not in said.text:
                    self.problems.append(f"{name}: value {value[:20]!r} not said into the headset")


def filled_values(screen: Screen) -> list[str]:
    """The values the screen shows filled in: text fields and the card's values."""
    values = [e.text() for e in screen.findChildren(QLineEdit) if e.isVisible() and e.text()]
    values += [
        label.text()
        for label in screen.findChildren(QLabel)
        if label.isVisible() and label.objectName().startswith("card_") and label.text()
    ]
    return values


@dataclass
class TourChecks:
    """The ``inspect`` of a tour: the accessibility audit (both variants once per screen)
    and, when ``speech`` is given, the spoken text at every shot."""

    problems: list[str]
    speech: SpeechCheck | None = None
    audited: set[str] = field(default_factory=set)
    other_variant_seen: frozenset[str] = frozenset()
    """Screens another tour audits in the other variant already (:data:`KEY_SCREENS`)."""

    def __call__(self, window: KioskWindow, name: str) -> None:
        self.problems += audit(window, name)
        key = screen_key(window, name)
        if key not in self.audited and key not in self.other_variant_seen:
            self.audited.add(key)
            before = window.theme
            window.set_theme(
                high_contrast=not before.high_contrast, large_text=not before.large_text
            )
            try:
                self.problems += audit(window, name)
            finally:
                window.set_theme(high_contrast=before.high_contrast, large_text=before.large_text)
                QApplication.processEvents()
        if self.speech is not None:
            self.speech(window, name)


def chain(*inspects: Inspect | None) -> Inspect:
    """Several ``inspect`` callbacks, one after the other."""

    def inspect(window: KioskWindow, name: str) -> None:
        for each in inspects:
            if each is not None:
                each(window, name)

    return inspect


def steps_audited(checks: TourChecks) -> set[Step]:
    return {Step(key) for key in checks.audited if key in {s.value for s in Step}}


KEY_SCREENS = frozenset(
    step.value
    for step in (
        Step.ATTRACT,
        Step.ACCESS_KEY,
        Step.CHOOSE_SERVICE,
        Step.REQUIREMENTS,
        Step.FILL_FORM,
        Step.CAPTURE_PAPERS,
        Step.CHECK_ANSWERS,
        Step.SUBMITTING,
        Step.RECEIPT,
        Step.RATING,
        Step.GOODBYE,
        Step.LOOKUP,
    )
)
"""The screens the key-screens walk (``ui/key_screens.py``) audits in high contrast with
larger text: the full tour switches in place only on the others (a switch restyles every
widget, about half a second).  :class:`AuditEach` records what a walk audited, so the
test of that walk can check it still covers them."""


@dataclass
class AuditEach:
    """The audit at every shot, in the tour's own theme and text size (no switching)."""

    problems: list[str]
    steps: set[str] = field(default_factory=set)

    def __call__(self, window: KioskWindow, name: str) -> None:
        self.problems += audit(window, name)
        self.steps.add(screen_key(window, name))


TYPED_IN_TOURS = ("Trần Minh Khôi", "0912345678", "Số 5 ngõ 10 phố Hàng Bông", "Nguyễn Văn An")
"""What the tours type that is personal (ui/automatic.py, ui/key_screens.py)."""


def tour_needles() -> list[str]:
    """The demo card's personal values and what the tours type: never through the
    loudspeaker."""
    from devices.card.simulator import DEMO_PROFILE, SimulatedCard
    from tests.pii import needles_for

    return [*needles_for(SimulatedCard.from_profile(DEMO_PROFILE)), *TYPED_IN_TOURS]


__all__: Iterable[str] = [
    "KEY_SCREENS",
    "AuditEach",
    "SpeechCheck",
    "TourChecks",
    "audit",
    "chain",
    "filled_values",
    "steps_audited",
    "tour_needles",
]
