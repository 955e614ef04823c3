"""A small flowing layout on top of reportlab's canvas: wrapped text, tables, a Code 128
barcode and a QR code, stacked top to bottom.

Blocks are measured before anything is drawn, so a thermal roll's page is exactly as
long as its content, and an A4 sheet starts a new page when the next block would not
fit (a table breaks between rows).  Every string is NFC-normalised before it is
measured or drawn (reportlab draws decomposed accents beside the letter).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from kiosk.printing.fonts import font_files

REGULAR, BOLD = "Kiosk", "Kiosk-Bold"
LEADING = 1.3
_REGISTERED = False


def register_fonts() -> None:
    global _REGISTERED
    if not _REGISTERED:
        files = font_files()
        pdfmetrics.registerFont(TTFont(REGULAR, str(files["Regular"])))
        pdfmetrics.registerFont(TTFont(BOLD, str(files["Bold"])))
        _REGISTERED = True


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of ``text`` that fit ``width`` (a word longer than the width is cut)."""
    lines: list[str] = []
    for paragraph in nfc(text).split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}".strip()
            if pdfmetrics.stringWidth(candidate, font, size) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            current = word
            while pdfmetrics.stringWidth(current, font, size) > width and len(current) > 1:
                cut = len(current) - 1
                while cut > 1 and pdfmetrics.stringWidth(current[:cut], font, size) > width:
                    cut -= 1
                lines.append(current[:cut])
                current = current[cut:]
        lines.append(current)
    return lines


Draw = Callable[[Canvas, float, float], None]  # (canvas, left x, top y)


@dataclass
class Block:
    """Something of a known height, drawn with its top-left corner at (x, top)."""

    height: float
    draw: Draw


class Flow:
    """Blocks for a column ``width`` points wide."""

    def __init__(self, width: float) -> None:
        register_fonts()
        self.width = width
        self.blocks: list[Block] = []

    # Text ---------------------------------------------------------------------------
    def text_block(
        self,
        text: str,
        size: float,
        *,
        bold: bool = False,
        align: str = "left",
        width: float | None = None,
        underline: bool = False,
    ) -> Block:
        font = BOLD if bold else REGULAR
        width = self.width if width is None else width
        lines = wrap(text, font, size, width)
        step = size * LEADING

        def draw(canvas: Canvas, x: float, top: float) -> None:
            canvas.setFont(font, size)
            y = top
            for line in lines:
                y -= step
                baseline = y + (step - size) / 2 + size * 0.2
                if align == "center":
                    canvas.drawCentredString(x + width / 2, baseline, line)
                    if underline:
                        half = pdfmetrics.stringWidth(line, font, size) / 2
                        canvas.setLineWidth(0.6)
                        mid = x + width / 2
                        canvas.line(mid - half, baseline - 2, mid + half, baseline - 2)
                else:
                    canvas.drawString(x, baseline, line)

        return Block(step * len(lines), draw)

    def text(self, text: str, size: float = 9, **options: object) -> None:
        self.blocks.append(self.text_block(text, size, **options))  # type: ignore[arg-type]

    def labelled(self, label: str, value: str, size: float = 9, bold_value: bool = False) -> None:
        """'Label: value' wrapped as one paragraph, the value in bold when asked."""
        if not bold_value:
            self.text(f"{label} {value}", size)
            return
        label_lines = wrap(label, REGULAR, size, self.width)
        value_lines = wrap(value, BOLD, size, self.width)
        step = size * LEADING

        def draw(canvas: Canvas, x: float, top: float) -> None:
            y = top
            for font, lines in ((REGULAR, label_lines), (BOLD, value_lines)):
                canvas.setFont(font, size)
                for line in lines:
                    y -= step
                    canvas.drawString(x, y + (step - size) / 2 + size * 0.2, line)

        self.blocks.append(Block(step * (len(label_lines) + len(value_lines)), draw))

    def gap(self, points: float = 4) -> None:
        self.blocks.append(Block(points, lambda canvas, x, top: None))

    def rule(self) -> None:
        width = self.width

        def draw(canvas: Canvas, x: float, top: float) -> None:
            canvas.setLineWidth(0.5)
            canvas.setDash(2, 2)
            canvas.line(x, top - 3, x + width, top - 3)
            canvas.setDash()

        self.blocks.append(Block(6, draw))

    def columns(self, parts: Sequence[Sequence[Block]], widths: Sequence[float]) -> None:
        """Blocks side by side (each column stacks its own), as tall as the tallest."""
        height = max(sum(b.height for b in column) for column in parts)

        def draw(canvas: Canvas, x: float, top: float) -> None:
            left = x
            for column, column_width in zip(parts, widths, strict=True):
                y = top
                for block in column:
                    block.draw(canvas, left, y)
                    y -= block.height
                left += column_width

        self.blocks.append(Block(height, draw))

    # Tables ---------------------------------------------------------------------------
    def table(
        self, header: Sequence[str], rows: Sequence[Sequence[str]], fractions: Sequence[float]
    ) -> None:
        """A bordered table, one block a row (so a page may break between rows)."""
        widths = [self.width * f for f in fractions]
        for i, row in enumerate([header, *rows]):
            self.blocks.append(self._row(row, widths, bold=i == 0, size=8.5))

    def _row(self, cells: Sequence[str], widths: Sequence[float], bold: bool, size: float) -> Block:
        pad = 2.5
        font = BOLD if bold else REGULAR
        wrapped = [wrap(c, font, size, w - 2 * pad) for c, w in zip(cells, widths, strict=True)]
        step = size * LEADING
        height = max(len(lines) for lines in wrapped) * step + 2 * pad

        def draw(canvas: Canvas, x: float, top: float) -> None:
            canvas.setLineWidth(0.5)
            left = x
            for lines, width in zip(wrapped, widths, strict=True):
                canvas.rect(left, top - height, width, height)
                canvas.setFont(font, size)
                y = top - pad
                for line in lines:
                    y -= step
                    canvas.drawString(left + pad, y + (step - size) / 2 + size * 0.2, line)
                left += width

        return Block(height, draw)

    # Codes ----------------------------------------------------------------------------
    def barcode_block(
        self, value: str, bar_height_mm: float = 12, width: float | None = None
    ) -> Block:
        """Code 128, its module width the widest that fits (at least 0.25 mm: 2 dots at
        203 dpi), centred; the quiet zones are the margins around it."""
        room = self.width if width is None else width
        probe = Code128(value, barWidth=1, barHeight=bar_height_mm * mm, quiet=False)
        module = max(0.25 * mm, min(0.4 * mm, room / probe.width))
        barcode = Code128(value, barWidth=module, barHeight=bar_height_mm * mm, quiet=False)

        def draw(canvas: Canvas, x: float, top: float) -> None:
            barcode.drawOn(canvas, x + (room - barcode.width) / 2, top - barcode.height)

        return Block(barcode.height, draw)

    def qr_block(self, value: str, side_mm: float, width: float | None = None) -> Block:
        """A QR code (level M) with its 4-module quiet zone inside ``side_mm``, centred.
        Drawn as one path of dark runs: reportlab's widget builds a shape per module and
        takes most of a receipt's rendering time."""
        code = QRCode(None, QRErrorCorrectLevel.M)
        code.addData(value)
        code.make()
        count = code.getModuleCount()
        side = side_mm * mm
        module = side / (count + 8)
        runs: list[tuple[int, int, int]] = []  # (row, first column, length)
        for row in range(count):
            column = 0
            while column < count:
                if code.isDark(row, column):
                    first = column
                    while column < count and code.isDark(row, column):
                        column += 1
                    runs.append((row, first, column - first))
                else:
                    column += 1
        room = self.width if width is None else width

        def draw(canvas: Canvas, x: float, top: float) -> None:
            left = x + (room - side) / 2 + 4 * module
            upper = top - 4 * module
            path = canvas.beginPath()
            for row, first, length in runs:
                path.rect(
                    left + first * module, upper - (row + 1) * module, length * module, module
                )
            canvas.setFillGray(0)
            canvas.drawPath(path, stroke=0, fill=1)

        return Block(side, draw)

    # Output ---------------------------------------------------------------------------
    def roll(self, page_width: float, margin: float, title: str) -> bytes:
        """One page as long as the content (a thermal roll)."""
        height = sum(b.height for b in self.blocks) + 2 * margin
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=(page_width, height), initialFontName=REGULAR)
        canvas.setTitle(nfc(title))
        y = height - margin
        for block in self.blocks:
            block.draw(canvas, margin, y)
            y -= block.height
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()

    def sheets(self, page: tuple[float, float], margin: float, title: str) -> bytes:
        """Pages of ``page`` size, a new one when the next block does not fit."""
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=page, initialFontName=REGULAR)
        canvas.setTitle(nfc(title))
        top = page[1] - margin
        y = top
        for block in self.blocks:
            if y - block.height < margin and y < top:
                canvas.showPage()
                y = top
            block.draw(canvas, margin, y)
            y -= block.height
        canvas.showPage()
        canvas.save()
        return buffer.getvalue()
