"""A QR code on screen, drawn module by module (always black on white, whatever the theme:
phones and banking apps read dark modules on a light ground), and the panels that show
one: the dossier code to photograph when the receipt did not print, and the fee's VietQR
code."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QSizePolicy, QVBoxLayout, QWidget

from kiosk.payment.qr import qr_modules
from ui.screens.base import label

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


class QrPanel(QFrame):
    """The code on the left; a title, a line and the words about it on the right."""

    def __init__(self, name: str, side: int = 220) -> None:
        super().__init__()
        self.setObjectName("ticket")
        self.qr = QrView(side)
        self.qr.setObjectName(f"{name}_qr")
        self.heading = label()
        self.heading.setStyleSheet("font-weight: 700;")
        self.lines = label()
        self.hint = label("hint")
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 16, 16, 16)
        row.setSpacing(16)
        row.addWidget(self.qr, 0, Qt.AlignmentFlag.AlignTop)
        column = QVBoxLayout()
        column.addWidget(self.heading)
        column.addWidget(self.lines)
        column.addWidget(self.hint)
        column.addStretch(1)
        row.addLayout(column, 1)
