"""The receipt a citizen leaves with, read back as a person (pdftotext) and a scanner
(the page rendered by pdftoppm, decoded by zxing-cpp) would."""

import dataclasses
import io
import shutil
import subprocess
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from kiosk.printing.receipt import (
    LAYOUTS,
    ReceiptData,
    demo_receipt_data,
    mask_id_number,
    render_queue_ticket,
    render_receipt,
)
from kiosk.runtime.i18n import Translator

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
    reason="poppler-utils (pdftotext, pdftoppm) not installed",
)


def pdftotext(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-raw", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    return " ".join(unicodedata.normalize("NFC", out).split())  # wrapped lines joined


def page_images(pdf: bytes, tmp_path: Path, dpi: int) -> list[Path]:
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(path), str(tmp_path / "page")],
        check=True,
    )
    return sorted(tmp_path.glob("page-*.png"))


def page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return [
        (float(p.mediabox.width) / 72 * 25.4, float(p.mediabox.height) / 72 * 25.4) for p in pages
    ]


def fonts_of(pdf: bytes) -> set[str]:
    fonts = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


EVERY_ITEM = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Trung tâm Phục vụ hành chính công phường Hoàn Kiếm",  # the receiving body
    "Hà Nội, ngày 20 tháng 11 năm 2026",  # place and date
    "PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "Mã hồ sơ: DEMO01-261120-K010001",
    "Người nộp: Nguyễn Thị Thủy",
    "Số định danh cá nhân: ********2345",
    "Hình thức nộp: Trực tiếp tại ki-ốt",
    "Thủ tục: Đăng ký thường trú",
    "Thành phần hồ sơ",
    "Tờ khai thay đổi thông tin cư trú (CT01)",
    "Đã kê khai tại ki-ốt",
    "Không phải nộp: đã có dữ liệu trong Cơ sở dữ liệu quốc gia về dân cư",
    "Đã chụp tại ki-ốt (bản điện tử)",
    "Mang bản giấy đến quầy",
    "Thời hạn giải quyết: 7 ngày làm việc",
    "Tiếp nhận lúc 09 giờ 05 phút, ngày 20/11/2026",
    "Ngày hẹn trả kết quả: 01/12/2026",
    "Nơi nhận kết quả: Bộ phận Một cửa, quầy số 3",
    "Lệ phí: 20.000 đồng (chưa thanh toán",
    "đang chờ gửi đến trung tâm",  # the offline line
    "Vui lòng mang theo phiếu này khi đến nhận kết quả.",
    "NGƯỜI TIẾP NHẬN",
    "Ki-ốt tự phục vụ số 1",
)


@needs_poppler
@pytest.mark.parametrize("layout", LAYOUTS)
def test_both_layouts_read_back_with_every_item_of_the_official_receipt(
    layout: str, tmp_path: Path
) -> None:
    text = pdftotext(render_receipt(demo_receipt_data(), Translator("vi"), layout), tmp_path)
    missing = [item for item in EVERY_ITEM if item not in text]
    assert missing == []
    assert "001199012345" not in text  # the full ID number is never printed


@needs_poppler
@pytest.mark.parametrize(("layout", "dpi"), [("a4", 150), ("80mm", 203)])
def test_barcode_and_qr_decode_from_the_printed_page(layout: str, dpi: int, tmp_path: Path) -> None:
    import zxingcpp
    from PIL import Image

    pdf = render_receipt(demo_receipt_data(), Translator("vi"), layout)
    (image,) = page_images(pdf, tmp_path, dpi)  # 203 dpi: a thermal head's resolution
    found = {(r.format.name, r.text) for r in zxingcpp.read_barcodes(Image.open(image))}
    assert found == {("Code128", "DEMO01-261120-K010001"), ("QRCode", "DEMO01-261120-K010001")}


def test_the_roll_is_as_long_as_its_content() -> None:
    tr = Translator("vi")
    full = demo_receipt_data()
    short = dataclasses.replace(full, components=full.components[:1], offline=False)
    ((width, long_height),) = page_sizes_mm(render_receipt(full, tr, "80mm"))
    ((_, short_height),) = page_sizes_mm(render_receipt(short, tr, "80mm"))
    assert round(width) == 80
    assert short_height < long_height - 20  # three rows and the offline line fewer


def test_a4_is_a4_and_a_long_dossier_flows_onto_a_second_page(tmp_path: Path) -> None:
    tr = Translator("vi")
    assert [
        tuple(round(v) for v in s)
        for s in page_sizes_mm(render_receipt(demo_receipt_data(), tr, "a4"))
    ] == [(210, 297)]
    many = dataclasses.replace(demo_receipt_data(), components=demo_receipt_data().components * 12)
    assert len(page_sizes_mm(render_receipt(many, tr, "a4"))) == 2


def test_the_offline_line_only_when_the_dossier_waits_to_be_sent() -> None:
    tr = Translator("vi")
    online = dataclasses.replace(demo_receipt_data(), offline=False)
    assert "đang chờ gửi" not in text_of(render_receipt(online, tr))
    assert "đang chờ gửi" in text_of(render_receipt(demo_receipt_data(), tr))


def test_a_paid_fee_and_a_free_procedure_say_so() -> None:
    tr = Translator("vi")
    paid = dataclasses.replace(demo_receipt_data(), fee_to_pay=False, fee_paid=True)
    assert "Lệ phí: 20.000 đồng (đã thanh toán)" in text_of(render_receipt(paid, tr))
    free = dataclasses.replace(demo_receipt_data(), fee="Miễn phí", fee_to_pay=False)
    text = text_of(render_receipt(free, tr))
    assert "Lệ phí: Miễn phí" in text and "thanh toán" not in text


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    return " ".join(unicodedata.normalize("NFC", text).split())


def test_the_id_number_keeps_only_its_last_digits() -> None:
    assert mask_id_number("001199012345") == "********2345"
    assert mask_id_number("12") == "**"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_decomposed_vietnamese_is_drawn_composed_in_the_embedded_font(layout: str) -> None:
    data = dataclasses.replace(
        demo_receipt_data(), submitter_name=unicodedata.normalize("NFD", "Nguyễn Thị Thuỷ")
    )
    pdf = render_receipt(data, Translator("vi"), layout)
    assert "Nguyễn Thị Thuỷ" in text_of(pdf)
    assert fonts_of(pdf) and all("BeVietnamPro" in f or "NotoSans" in f for f in fonts_of(pdf))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_receipt_in_english_keeps_the_national_heading_in_vietnamese(layout: str) -> None:
    text = text_of(render_receipt(demo_receipt_data(), Translator("en"), layout))
    assert "DOSSIER RECEIPT AND APPOINTMENT" in text
    # The state's heading is the same on every receipt; its translation comes under it.
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "SOCIALIST REPUBLIC OF VIET NAM" in text


def test_the_earlier_short_receipt_still_renders() -> None:
    pdf = render_receipt(
        ReceiptData(
            centre_name="Trung tâm",
            centre_address="Số 1 Lý Thường Kiệt",
            dossier_code="DEMO01-261120-K010001",
            procedure_name="Đăng ký thường trú",
            submitter_name="Nguyễn Văn An",
            received_at=datetime(2026, 11, 20, 9, 5),
            appointment=None,
        ),
        Translator("vi"),
    )
    assert "Không có ngày hẹn cụ thể" in text_of(pdf)


def test_an_unknown_layout_is_refused() -> None:
    with pytest.raises(ValueError, match="a4, 80mm"):
        render_receipt(demo_receipt_data(), Translator("vi"), "a5")


def test_queue_ticket_shows_the_number() -> None:
    pdf = render_queue_ticket(
        "B007", "Cư trú – Căn cước", datetime(2026, 11, 20, 8, 0), "Trung tâm", Translator("vi")
    )
    text = text_of(pdf)
    assert "B007" in text and "Cư trú – Căn cước" in text and "SỐ THỨ TỰ" in text
    assert date(2026, 11, 20).strftime("%d/%m/%Y") in text


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_command_renders_the_demo_receipt(
    layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.cli.main import main

    monkeypatch.setenv("KIOSK_STORAGE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("KIOSK_LOGGING_FILE", "false")
    out = tmp_path / f"receipt-{layout}.pdf"
    argv = ["--config", str(tmp_path / "none.toml"), "receipt", "render", "--demo"]
    assert main([*argv, "--out", str(out), "--format", layout]) == 0
    assert "Mã hồ sơ: DEMO01-261120-K010001" in text_of(out.read_bytes())
    width = page_sizes_mm(out.read_bytes())[0][0]
    assert round(width) == (210 if layout == "a4" else 80)


def test_a_copy_for_staff_is_marked_and_names_no_one() -> None:
    copy = dataclasses.replace(demo_receipt_data(), copy=True, submitter_name="")
    text = text_of(render_receipt(copy, Translator("vi")))
    assert "BẢN SAO" in text and "Người nộp" not in text
