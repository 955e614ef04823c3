"""Receipts and queue tickets as PDF (reportlab).

The receipt is the "Phiếu tiếp nhận hồ sơ và hẹn trả kết quả" in two layouts: ``a4`` for
a laser printer at the counter or the kiosk, ``80mm`` for a thermal roll, one page as long
as its content.  Both carry the national heading, the receiving body, place and date, the
dossier code as text, Code 128 barcode and QR code (the look-up data), the submitter with
the ID number masked but its last digits, the procedure, the dossier's components and how
each was supplied, the legal time, when it was received, the appointment, where the result
is collected, the fee and whether it is paid, a line when the dossier still waits to be
sent (the kiosk offline), the reminder to bring it, and the receiver's part.

Rendering is separate from printing: these functions return PDF bytes and the printer
adapter sends them.  Texts arrive ready (the journey words the fee and the time), so this
module only lays them out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from kiosk.printing.layout import Flow
from kiosk.printing.parts import ReceiptComponent, lookup_qr_text, mask_id_number
from kiosk.runtime.i18n import Translator

ROLL_WIDTH = 80 * mm
ROLL_MARGIN = 4 * mm
A4_MARGIN = 18 * mm
LAYOUTS = ("a4", "80mm")
PAGE_WIDTH = ROLL_WIDTH  # kept for callers of the earlier module


@dataclass(frozen=True)
class ReceiptData:
    centre_name: str
    centre_address: str
    dossier_code: str
    procedure_name: str
    submitter_name: str
    received_at: datetime
    appointment: date | None
    id_number_masked: str = ""
    place: str = ""  # the place before the date ("Hà Nội, ngày …"); the address when empty
    components: tuple[ReceiptComponent, ...] = field(default_factory=tuple)
    processing_time: str = ""  # the legal time in words
    result_document: str = ""
    collect_at: str = ""  # where and how the result is collected
    fee: str = ""  # the fee in words ("20.000 đồng", "Miễn phí")
    fee_to_pay: bool = False  # a fee is due and the centre has not said it is paid
    fee_paid: bool = False  # the centre said it is paid (a reprint)
    offline: bool = False  # still waiting to be sent to the centre
    kiosk_number: int = 1
    copy: bool = False  # a copy printed again for staff (marked as such)


def _place(data: ReceiptData) -> str:
    if data.place:
        return data.place
    parts = [p.strip() for p in data.centre_address.split(",") if p.strip()]
    return parts[-1] if parts else ""


def _supplied_text(component: ReceiptComponent, tr: Translator) -> str:
    if component.supplied == "data":
        return tr("receipt.supplied.data", source=component.source or "-")
    return tr(f"receipt.supplied.{component.supplied}")


def _content(flow: Flow, data: ReceiptData, tr: Translator, wide: bool) -> None:
    """The receipt's content, in the order of the official form."""
    at = data.received_at
    place_date = tr(
        "receipt.place_date",
        place=_place(data),
        day=f"{at:%d}",
        month=f"{at:%m}",
        year=f"{at:%Y}",
    )
    # The receiving body and the national heading: side by side on A4 as on the official
    # form, one under the other on the roll.
    body_width = flow.width * (0.45 if wide else 1)
    nation_width = flow.width - body_width if wide else flow.width
    size = 10 if wide else 9
    body = [
        flow.text_block(data.centre_name, size, bold=True, align="center", width=body_width),
        flow.text_block(data.centre_address, size - 1.5, align="center", width=body_width),
    ]
    # The national heading is the state's, in Vietnamese on every receipt; an English
    # receipt adds its translation under it.
    nation = [
        flow.text_block(
            Translator.text("receipt.nation", "vi"),
            size - 0.5,
            bold=True,
            align="center",
            width=nation_width,
        ),
        flow.text_block(
            Translator.text("receipt.motto", "vi"),
            size,
            bold=True,
            align="center",
            underline=True,
            width=nation_width,
        ),
    ]
    if tr.language != "vi":
        translated = f"{tr('receipt.nation')} · {tr('receipt.motto')}"
        nation.append(flow.text_block(translated, size - 2.5, align="center", width=nation_width))
    if wide:
        flow.columns([body, nation], [body_width, nation_width])
        flow.gap(6)
        dated = flow.text_block(place_date, 9.5, align="center", width=nation_width)
        flow.columns([[], [dated]], [body_width, nation_width])
    else:
        flow.blocks.extend(nation)
        flow.gap(4)
        flow.blocks.extend(body)
        flow.text(place_date, 8.5, align="center")
    flow.gap(8 if wide else 5)
    flow.text(tr("receipt.title"), 14 if wide else 11, bold=True, align="center")
    if data.copy:
        flow.text(tr("receipt.copy"), 10 if wide else 9, bold=True, align="center")
    flow.gap(4)
    flow.text(
        tr("receipt.code", code=data.dossier_code), 13 if wide else 11, bold=True, align="center"
    )
    flow.gap(3)
    if wide:
        third = flow.width / 3
        flow.columns(
            [
                [flow.barcode_block(data.dossier_code, 14, width=flow.width - third)],
                [
                    flow.qr_block(lookup_qr_text(data.dossier_code), 30, width=third),
                    flow.text_block(tr("receipt.lookup_hint"), 8, align="center", width=third),
                ],
            ],
            [flow.width - third, third],
        )
    else:
        flow.blocks.append(flow.barcode_block(data.dossier_code, 12))
        flow.gap(4)
        flow.blocks.append(flow.qr_block(lookup_qr_text(data.dossier_code), 30))
        flow.text(tr("receipt.lookup_hint"), 8, align="center")
    flow.gap(6)
    if data.submitter_name:
        flow.text(tr("receipt.submitter", name=data.submitter_name), size)
    if data.id_number_masked:
        flow.text(tr("receipt.id_number", number=data.id_number_masked), size)
    flow.text(tr("receipt.channel"), size)
    flow.text(tr("receipt.procedure", name=data.procedure_name), size)
    if data.components:
        flow.gap(3)
        flow.text(tr("receipt.components"), size, bold=True)
        rows = [(f"{i}. {c.name}", _supplied_text(c, tr)) for i, c in enumerate(data.components, 1)]
        flow.table((tr("receipt.component_col"), tr("receipt.supplied_col")), rows, (0.55, 0.45))
        flow.gap(3)
    if data.processing_time:
        flow.text(tr("receipt.processing_time", time=data.processing_time), size)
    flow.text(
        tr("receipt.received_at", hour=f"{at:%H}", minute=f"{at:%M}", date=f"{at:%d/%m/%Y}"),
        size,
    )
    if data.appointment:
        flow.text(
            tr("receipt.appointment", date=f"{data.appointment:%d/%m/%Y}"), size + 1, bold=True
        )
    else:
        flow.text(tr("receipt.no_appointment"), size + 1, bold=True)
    if data.result_document:
        flow.text(tr("receipt.result", document=data.result_document), size)
    if data.collect_at:
        flow.text(tr("receipt.collect_at", place=data.collect_at), size)
    if data.fee:
        state = ""
        if data.fee_paid:
            state = tr("receipt.fee_paid")
        elif data.fee_to_pay:
            state = tr("receipt.fee_to_pay")
        flow.text(tr("receipt.fee", fee=data.fee) + (f" ({state})" if state else ""), size)
    if data.offline:
        flow.gap(3)
        flow.text(tr("receipt.offline"), size, bold=True)
    flow.gap(4)
    flow.text(tr("receipt.bring_slip"), size, bold=True)
    flow.gap(8 if wide else 4)
    receiver = [
        flow.text_block(
            tr("receipt.submitter_sign"), size, bold=True, align="center", width=flow.width / 2
        ),
        flow.text_block(data.submitter_name, size, align="center", width=flow.width / 2),
    ]
    kiosk = [
        flow.text_block(
            tr("receipt.receiver"), size, bold=True, align="center", width=flow.width / 2
        ),
        flow.text_block(
            tr("receipt.receiver_kiosk", number=data.kiosk_number),
            size,
            align="center",
            width=flow.width / 2,
        ),
    ]
    if not wide:
        flow.rule()
    flow.columns([receiver, kiosk], [flow.width / 2, flow.width / 2])


def render_receipt(data: ReceiptData, tr: Translator, layout: str = "80mm") -> bytes:
    """The receipt as PDF in ``layout`` ('a4' or '80mm')."""
    if layout == "a4":
        flow = Flow(A4[0] - 2 * A4_MARGIN)
        _content(flow, data, tr, wide=True)
        return flow.sheets(A4, A4_MARGIN, tr("receipt.title"))
    if layout != "80mm":
        raise ValueError(f"layout: expected one of {', '.join(LAYOUTS)}")
    flow = Flow(ROLL_WIDTH - 2 * ROLL_MARGIN)
    _content(flow, data, tr, wide=False)
    return flow.roll(ROLL_WIDTH, ROLL_MARGIN, tr("receipt.title"))


def render_queue_ticket(
    number: str, area_name: str, issued_at: datetime, centre_name: str, tr: Translator
) -> bytes:
    flow = Flow(ROLL_WIDTH - 2 * ROLL_MARGIN)
    flow.text(centre_name, 9, bold=True, align="center")
    flow.gap(4)
    flow.text(tr("queue.ticket_title"), 11, bold=True, align="center")
    flow.text(number, 36, bold=True, align="center")
    flow.gap(6)
    flow.text(area_name, 10, align="center")
    flow.text(tr("queue.wait_call"), 9, align="center")
    flow.text(f"{issued_at:%H:%M %d/%m/%Y}", 9, align="center")
    return flow.roll(ROLL_WIDTH, ROLL_MARGIN, tr("queue.ticket_title"))


def demo_receipt_data(offline: bool = True) -> ReceiptData:
    """A receipt with every part filled, for ``kiosk receipt render --demo`` and the tests."""
    return ReceiptData(
        centre_name="Trung tâm Phục vụ hành chính công phường Hoàn Kiếm",
        centre_address="Số 1 Lý Thường Kiệt, phường Hoàn Kiếm, Hà Nội",
        dossier_code="DEMO01-261120-K010001",
        procedure_name="Đăng ký thường trú",
        submitter_name="Nguyễn Thị Thủy",
        received_at=datetime(2026, 11, 20, 9, 5),
        appointment=date(2026, 12, 1),
        id_number_masked=mask_id_number("001199012345"),
        place="Hà Nội",
        components=(
            ReceiptComponent("Tờ khai thay đổi thông tin cư trú (CT01)", "filled"),
            ReceiptComponent(
                "Giấy tờ chứng minh quan hệ nhân thân",
                "data",
                "Cơ sở dữ liệu quốc gia về dân cư",
            ),
            ReceiptComponent("Giấy tờ chứng minh chỗ ở hợp pháp", "photographed"),
            ReceiptComponent("Văn bản đồng ý của chủ hộ", "at_counter"),
        ),
        processing_time="7 ngày làm việc",
        result_document="Thông báo kết quả đăng ký thường trú",
        collect_at="Bộ phận Một cửa, quầy số 3, hoặc qua tài khoản định danh điện tử (VNeID)",
        fee="20.000 đồng",
        fee_to_pay=True,
        offline=offline,
    )


__all__ = [
    "LAYOUTS",
    "ReceiptComponent",
    "ReceiptData",
    "demo_receipt_data",
    "lookup_qr_text",
    "mask_id_number",
    "render_queue_ticket",
    "render_receipt",
]
