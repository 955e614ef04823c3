"""A busy indicator: the kiosk is working (submitting, looking for the page).

A citizen who sees nothing move thinks the kiosk has frozen and touches again, or
leaves.  Twelve dots turn in a circle in the theme's text colour, and the caption
beside them says in words what the kiosk is doing (never a spinner alone).  It
turns only while it is on screen.

Threading: a widget; GUI thread only.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QTimer
from PySide6.QtGui import QColor, QHideEvent, QPainter, QPaintEvent, QPalette, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QWidget

from ui.screens.base import label

DOTS = 12


class Spinner(QWidget):
    """Dots in a circle, one brighter, turning about once a second."""

    def __init__(self, size: int = 56) -> None:
        super().__init__()
        self.setObjectName("spinner")
        self.setFixedSize(size, size)
        self.step = 0
        self._timer = QTimer(self)
        self._timer.setInterval(1000 // DOTS)
        self._timer.timeout.connect(self._turn)

    @property
    def turning(self) -> bool:
        return self._timer.isActive()

    def _turn(self) -> None:
        self.step = (self.step + 1) % DOTS
        self.update()

    def showEvent(self, event: QShowEvent) -> None:
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        colour = self.palette().color(QPalette.ColorRole.WindowText)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(QColor(0, 0, 0, 0))
        centre = QPointF(self.width() / 2, self.height() / 2)
        radius = min(self.width(), self.height()) / 2
        dot = radius / 5
        for i in range(DOTS):
            age = (self.step - i) % DOTS  # 0: the leading dot
            shade = QColor(colour)
            shade.setAlphaF(max(0.15, 1 - age / DOTS))
            p.setBrush(shade)
            angle = 2 * math.pi * i / DOTS - math.pi / 2
            at = centre + QPointF(math.cos(angle), math.sin(angle)) * (radius - dot)
            p.drawEllipse(at, dot, dot)
        p.end()


class BusyIndicator(QWidget):
    """A :class:`Spinner` and a caption saying what the kiosk is doing."""

    def __init__(self, name: str = "busy") -> None:
        super().__init__()
        self.setObjectName(name)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 8, 0, 8)
        row.setSpacing(20)
        self.spinner = Spinner()
        self.caption: QLabel = label("busyCaption")
        row.addWidget(self.spinner)
        row.addWidget(self.caption, 1)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def setText(self, text: str) -> None:
        self.caption.setText(text)
