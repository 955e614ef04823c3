"""Receipts and queue tickets as PDF (reportlab), for an 80 mm thermal printer.

Rendering is separate from printing: these functions return PDF bytes and
the printer adapter sends them.  Every string is NFC-normalised before it is
drawn (reportlab draws decomposed accents beside the letter).
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from kiosk.printing.fonts import font_files
from kiosk.runtime.i18n import Translator

PAGE_WIDTH = 80 * mm
MARGIN = 4 * mm
_REGISTERED = False


def _register_fonts() -> None:
    global _REGISTERED
    if not _REGISTERED:
        files = font_files()
        pdfmetrics.registerFont(TTFont("Kiosk", str(files["Regular"])))
        pdfmetrics.registerFont(TTFont("Kiosk-Bold", str(files["Bold"])))
        _REGISTERED = True


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class _Slip:
    """Lays out lines top to bottom on a long narrow page, wrapping to the width."""

    def __init__(self, height_mm: float) -> None:
        _register_fonts()
        self.buffer = io.BytesIO()
        self.height = height_mm * mm
        self.canvas = Canvas(self.buffer, pagesize=(PAGE_WIDTH, self.height))
        self.y = self.height - MARGIN

    def line(self, text: str, size: float = 9, bold: bool = False, center: bool = False) -> None:
        font = "Kiosk-Bold" if bold else "Kiosk"
        width = PAGE_WIDTH - 2 * MARGIN
        words = _nfc(text).split()
        current = ""
        lines: list[str] = []
        for word in words:
            candidate = f"{current} {word}".strip()
            if pdfmetrics.stringWidth(candidate, font, size) <= width or not current:
                current = candidate
            else:
                lines.append(current)
                current = word
        lines.append(current)
        for text_line in lines:
            self.y -= size * 1.35
            self.canvas.setFont(font, size)
            if center:
                self.canvas.drawCentredString(PAGE_WIDTH / 2, self.y, text_line)
            else:
                self.canvas.drawString(MARGIN, self.y, text_line)

    def gap(self, points: float = 4) -> None:
        self.y -= points

    def qr(self, value: str, size_mm: float = 28) -> None:
        widget = QrCodeWidget(value)
        x0, y0, x1, y1 = widget.getBounds()
        side = size_mm * mm
        drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
        drawing.add(widget)
        self.y -= side
        renderPDF.draw(drawing, self.canvas, (PAGE_WIDTH - side) / 2, self.y)

    def finish(self, title: str) -> bytes:
        self.canvas.setTitle(_nfc(title))
        self.canvas.showPage()
        self.canvas.save()
        return self.buffer.getvalue()


@dataclass(frozen=True)
class ReceiptData:
    centre_name: str
    centre_address: str
    dossier_code: str
    procedure_name: str
    submitter_name: str
    received_at: datetime
    appointment: date | None


def render_receipt(data: ReceiptData, tr: Translator) -> bytes:
    """The 'Phiếu tiếp nhận hồ sơ và hẹn trả kết quả' slip."""
    slip = _Slip(190)
    slip.line(data.centre_name, 9, bold=True, center=True)
    slip.line(data.centre_address, 8, center=True)
    slip.gap(6)
    slip.line(tr("receipt.title"), 12, bold=True, center=True)
    slip.gap(4)
    slip.line(tr("receipt.code", code=data.dossier_code), 11, bold=True, center=True)
    slip.gap(2)
    slip.qr(data.dossier_code)
    slip.gap(4)
    slip.line(tr("receipt.submitter", name=data.submitter_name), 9)
    slip.line(tr("receipt.procedure", name=data.procedure_name), 9)
    slip.line(tr("receipt.channel"), 9)
    at = data.received_at
    slip.line(
        tr("receipt.received_at", hour=f"{at:%H}", minute=f"{at:%M}", date=f"{at:%d/%m/%Y}"), 9
    )
    if data.appointment:
        slip.line(tr("receipt.appointment", date=f"{data.appointment:%d/%m/%Y}"), 10, bold=True)
    else:
        slip.line(tr("receipt.no_appointment"), 10, bold=True)
    slip.gap(4)
    slip.line(tr("receipt.bring_slip"), 8)
    return slip.finish(tr("receipt.title"))


def render_queue_ticket(
    number: str, area_name: str, issued_at: datetime, centre_name: str, tr: Translator
) -> bytes:
    slip = _Slip(90)
    slip.line(centre_name, 9, bold=True, center=True)
    slip.gap(4)
    slip.line(tr("queue.ticket_title"), 11, bold=True, center=True)
    slip.line(number, 36, bold=True, center=True)
    slip.gap(6)
    slip.line(area_name, 10, center=True)
    slip.line(tr("queue.wait_call"), 9, center=True)
    slip.line(f"{issued_at:%H:%M %d/%m/%Y}", 9, center=True)
    return slip.finish(tr("queue.ticket_title"))
