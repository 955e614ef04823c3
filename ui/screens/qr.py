"""A QR code on screen, drawn module by module (always black on white, whatever the theme:
phones and banking apps read dark modules on a light ground), and the panels that show
one: the dossier code to photograph when the receipt did not print, and the fee's VietQR
code."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontInfo,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.payment.qr import qr_modules
from ui.screens.base import label
from ui.theme import BODY_PX

QUIET = 4  # modules of light margin a scanner needs around the code


class QrView(QWidget):
    def __init__(self, side: int = 260) -> None:
        super().__init__()
        self.text = ""
        self._modules: list[list[bool]] = []
        self.setMinimumSize(side, side)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._side = side

    def sizeHint(self) -> QSize:
        return QSize(self._side, self._side)

    def set_text(self, text: str) -> None:
        self.text = text
        self._modules = qr_modules(text) if text else []
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        side = min(self.width(), self.height())
        painter.fillRect(0, 0, side, side, QColor("white"))
        if self._modules:
            count = len(self._modules) + 2 * QUIET
            module = side / count
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor("black"))
            for r, row in enumerate(self._modules):
                for c, dark in enumerate(row):
                    if dark:
                        painter.drawRect(
                            QRectF((c + QUIET) * module, (r + QUIET) * module, module, module)
                        )
        painter.end()


class CodeLabel(QLabel):
    """A code (DEMO01-261204-K010003) on one line, never broken inside a group: its font
    shrinks to fit the width, down to a little above body text; only where even that does
    not fit (an upright screen in larger text) does it break, and then at its dashes."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName(name)  # the theme's size for it is the largest it is shown at
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.code = ""
        self._own_px = 0  # 0: the theme's size; else the smaller size that fits
        self._fitting = False

    def set_code(self, code: str) -> None:
        self.code = code
        self.setAccessibleName(code)
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.StyleChange and not self._fitting:
            # A new theme or text size: start again from the theme's size.
            QTimer.singleShot(0, self, self._refit)

    def _refit(self) -> None:
        self._apply(0)
        self._fit()

    def _apply(self, px: int) -> None:
        if px == self._own_px:
            return
        self._fitting = True
        try:
            self._own_px = px
            self.setStyleSheet(f"font-size: {px}px;" if px else "")
        finally:
            self._fitting = False

    def _fit(self) -> None:
        room = self.contentsRect().width()
        if not self.code or room <= 0:
            self.setText(self.code)
            return
        font = QFont(self.font())
        theme_px = self._theme_px()
        least = min(theme_px, BODY_PX + 4)
        px = theme_px
        while px > least:
            font.setPixelSize(px)
            if QFontMetrics(font).horizontalAdvance(self.code) <= room:
                break
            px -= 1
        font.setPixelSize(px)
        fits = QFontMetrics(font).horizontalAdvance(self.code) <= room
        self._apply(0 if px == theme_px else px)
        self.setText(self.code if fits else self.code.replace("-", "-\n"))

    def _theme_px(self) -> int:
        if not self._own_px:
            self._base_px = QFontInfo(self.font()).pixelSize()
        return getattr(self, "_base_px", QFontInfo(self.font()).pixelSize())


class QrPanel(QFrame):
    """The code on the left; a title, a line, what a screen adds and the words about it
    on its right (beside the code, not under it: the panel stays short enough for the
    screen's height)."""

    def __init__(self, name: str, side: int = 220) -> None:
        super().__init__()
        self.setObjectName("ticket")
        self.qr = QrView(side)
        self.qr.setObjectName(f"{name}_qr")
        self.heading = label()
        self.heading.setStyleSheet("font-weight: 700;")
        self.lines = label()
        self.hint = label("hint")
        grid = self.grid = QGridLayout(self)
        grid.setContentsMargins(20, 16, 20, 16)
        grid.setHorizontalSpacing(20)
        grid.setVerticalSpacing(8)
        grid.addWidget(self.qr, 0, 0, Qt.AlignmentFlag.AlignTop)
        self.column = QVBoxLayout()
        self.column.setSpacing(6)
        self.column.addWidget(self.heading)
        self.column.addWidget(self.lines)
        self.column.addWidget(self.hint)
        self.column.addStretch(1)
        grid.addLayout(self.column, 0, 1)
        grid.setColumnStretch(1, 1)

    def add(self, widget: QWidget) -> None:
        """Another line beside the code (before the hint)."""
        self.column.insertWidget(self.column.indexOf(self.hint), widget)
