import io
import unicodedata
from datetime import date, datetime

from pypdf import PdfReader

from kiosk.printing.receipt import ReceiptData, render_queue_ticket, render_receipt
from kiosk.runtime.i18n import Translator


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())  # wrapped lines joined


def fonts_of(pdf: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


def receipt(lang: str = "vi") -> bytes:
    return render_receipt(
        ReceiptData(
            centre_name="Trung tâm Phục vụ hành chính công phường Hoàn Kiếm",
            centre_address="Số 1 Lý Thường Kiệt",
            dossier_code="DEMO01-261120-K010001",
            procedure_name="Đăng ký thường trú",
            submitter_name=unicodedata.normalize("NFD", "Nguyễn Thị Thuỷ"),
            received_at=datetime(2026, 11, 20, 9, 5),
            appointment=date(2026, 12, 1),
        ),
        Translator(lang),
    )


def test_receipt_reads_back_with_every_part_a_citizen_needs() -> None:
    text = text_of(receipt())
    for part in (
        "PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        "DEMO01-261120-K010001",
        "Nguyễn Thị Thuỷ",  # drawn composed even when given decomposed
        "Đăng ký thường trú",
        "09 giờ 05 phút, ngày 20/11/2026",
        "01/12/2026",
    ):
        assert part in text, part


def test_receipt_embeds_the_vietnamese_font() -> None:
    assert any("BeVietnamPro" in f or "NotoSans" in f for f in fonts_of(receipt()))


def test_receipt_in_english() -> None:
    assert "DOSSIER RECEIPT AND APPOINTMENT" in text_of(receipt("en"))


def test_queue_ticket_shows_the_number() -> None:
    pdf = render_queue_ticket(
        "B007", "Cư trú – Căn cước", datetime(2026, 11, 20, 8, 0), "Trung tâm", Translator("vi")
    )
    text = text_of(pdf)
    assert "B007" in text and "Cư trú – Căn cước" in text and "SỐ THỨ TỰ" in text
