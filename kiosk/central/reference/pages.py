"""Plain HTML pages of the reference centre, for people at the centre (no script needed).

The helpers (:func:`page`, :func:`table`, :func:`button`, :func:`html_response`,
:class:`Pages`) are shared by every page; each page is a function from the service's
state to HTML, registered by path in :data:`PAGES` or :data:`ACTIONS` (a fleet page
adds its own the same way).

- ``GET /staff/calls``: the open staff calls, per kiosk, with the step and the time,
  each with an "Acknowledge" button; refreshes itself every few seconds;
- ``POST /staff/calls/{id}/ack``: acknowledges one (then back to the list: 303), and
  the kiosk tells the citizen help is coming.

Pages carry no citizen data (a call says a kiosk, a step and a time; an alert the kiosk
raised itself, its reason and a dossier code).  The reference
centre serves them to anyone who can reach it: a real centre puts them behind its
staff sign-in.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kiosk.central.reference.transport import Response

PREFIX = "/staff/"
REFRESH_S = 5

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1b1b;font-size:18px}
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2rem}
table{border-collapse:collapse;min-width:40rem}
th,td{border:1px solid #999;padding:.5rem .8rem;text-align:left}
th{background:#eee}.empty{color:#555}
button{font-size:1rem;padding:.4rem 1rem;cursor:pointer}
"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def page(title: str, body: str, refresh_s: int | None = None, lang: str = "vi") -> bytes:
    """A whole HTML document: ``body`` is HTML already escaped by the helpers."""
    refresh = f'<meta http-equiv="refresh" content="{refresh_s}">' if refresh_s else ""
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">{refresh}'
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{esc(title)}</h1>{body}</body></html>"
    ).encode()


def table(
    headers: Iterable[str], rows: Iterable[Iterable[str]], row_ids: Iterable[str] = ()
) -> str:
    """A table; cells are HTML (escape text with :func:`esc`), ``row_ids`` give each row an id."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    ids = list(row_ids)
    body = "".join(
        f"<tr{f' id={chr(34)}{esc(ids[i])}{chr(34)}' if i < len(ids) else ''}>"
        + "".join(f"<td>{cell}</td>" for cell in row)
        + "</tr>"
        for i, row in enumerate(rows)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def button(action: str, label: str, name: str = "") -> str:
    """A form that POSTs to ``action`` (no script: works in any browser)."""
    named = f' name="{esc(name)}"' if name else ""
    return (
        f'<form method="post" action="{esc(action)}">'
        f'<button type="submit"{named}>{esc(label)}</button></form>'
    )


def html_response(status: int, body: bytes) -> Response:
    return Response(
        status,
        body,
        {"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
    )


def redirect(location: str) -> Response:
    return Response(303, b"", {"Location": location})


def not_found() -> Response:
    return html_response(404, page("Không tìm thấy / Not found", "<p>—</p>"))


@dataclass(frozen=True)
class Pages:
    """The pages of one service: ``GET`` pages and ``POST`` actions by path pattern."""

    service: Any  # kiosk.central.reference.server.CentralService

    def serves(self, method: str, target: str) -> bool:
        return method in ("GET", "POST") and target.startswith(PREFIX)

    def handle(self, method: str, target: str) -> Response:
        path = target.split("?", 1)[0]
        table_ = PAGES if method == "GET" else ACTIONS
        for pattern, render in table_:
            match = pattern.fullmatch(path)
            if match:
                return render(self.service, *match.groups())
        return not_found()


# The staff calls page ----------------------------------------------------------------------
STEP_NAMES = {
    "attract": "Màn hình chờ",
    "insert_card": "Đặt thẻ",
    "access_key": "Mở chip",
    "reading_card": "Đọc thẻ",
    "face_check": "Xác thực khuôn mặt",
    "choose_service": "Chọn thủ tục",
    "requirements": "Yêu cầu",
    "fill_form": "Điền tờ khai",
    "capture_papers": "Chụp giấy tờ",
    "check_answers": "Kiểm tra",
    "receipt": "Biên nhận",
    "rating": "Đánh giá",
    "lookup": "Tra cứu",
    "queue_ticket": "Lấy số",
    "browse": "Thủ tục",
}


REASONS = {"receipt_not_printed": "Không in được phiếu / Receipt not printed"}
PRINTER_REASONS = {
    "paper_out": "hết giấy / out of paper",
    "jam": "kẹt giấy / paper jam",
    "offline": "máy in tạm dừng / printer paused",
    "not_found": "không thấy máy in / no printer",
    "timeout": "in không kịp / timed out",
    "failed": "máy in gặp sự cố / printer fault",
}


def call_reason(call: Any) -> str:
    """Why the call was made, in words: a citizen's own call, or the kiosk's alert."""
    if call.reason is None:
        return "Người dân gọi / Citizen asked"
    text = REASONS.get(call.reason, call.reason)
    if call.detail:
        text += ": " + PRINTER_REASONS.get(call.detail, call.detail)
    if call.dossier_code:
        text += f" — hồ sơ / dossier {call.dossier_code}"
    return text


def calls_page(service: Any) -> Response:
    calls = service.staff_calls.open_calls()
    if not calls:
        body = '<p class="empty" id="no-calls">Không có cuộc gọi nào đang chờ. / No open calls.</p>'
    else:
        body = ""
        for kiosk in sorted({call.kiosk_id for call in calls}):
            mine = [call for call in calls if call.kiosk_id == kiosk]
            rows = [
                [
                    esc(STEP_NAMES.get(call.step, call.step)),
                    esc(call_reason(call)),
                    esc(call.called_at.replace("T", " ")),
                    button(f"{PREFIX}calls/{call.call_id}/ack", "Xác nhận / Acknowledge"),
                ]
                for call in mine
            ]
            body += f'<h2 id="kiosk-{esc(kiosk)}">Ki-ốt {esc(kiosk)} ({len(mine)})</h2>'
            body += table(
                ["Bước / Step", "Lý do / Reason", "Lúc / Called at", ""],
                rows,
                [f"call-{call.call_id}" for call in mine],
            )
    return html_response(200, page("Gọi nhân viên / Staff calls", body, refresh_s=REFRESH_S))


def acknowledge_call(service: Any, call_id: str) -> Response:
    service.staff_calls.acknowledge(call_id)
    return redirect(f"{PREFIX}calls")


PAGES: list[tuple[re.Pattern[str], Callable[..., Response]]] = [
    (re.compile(r"/staff/calls/?"), calls_page),
]
ACTIONS: list[tuple[re.Pattern[str], Callable[..., Response]]] = [
    (re.compile(r"/staff/calls/([0-9a-f]{32})/ack"), acknowledge_call),
]

__all__ = [
    "ACTIONS",
    "PAGES",
    "Pages",
    "button",
    "esc",
    "html_response",
    "page",
    "redirect",
    "table",
]
