from datetime import datetime

import pytest

from devices.printer.base import PrinterError
from devices.printer.simulator import SimulatedPrinter
from kiosk.printing.receipt import render_queue_ticket
from kiosk.runtime.i18n import Translator


@pytest.fixture
def printer():
    printer = SimulatedPrinter()
    yield printer
    printer.stop()


def ticket() -> bytes:
    return render_queue_ticket(
        "A001", "Tư pháp – Hộ tịch", datetime(2026, 11, 20, 9, 0), "Trung tâm", Translator("vi")
    )


def test_prints_a_real_pdf_and_keeps_only_metadata(printer) -> None:
    job = printer.print_pdf(ticket(), "ticket-A001").result(timeout=30)
    assert job.pages == 1 and job.size_bytes > 1000
    assert printer.jobs == [job]
    assert not any(isinstance(v, bytes) for v in vars(job).values())


def test_rejects_what_is_not_a_pdf(printer) -> None:
    with pytest.raises(PrinterError) as raised:
        printer.print_pdf(b"%PDF-garbage", "junk").result(timeout=30)
    assert raised.value.message_key == "printer.error.failed"


def test_out_of_paper_fails_with_its_own_message(printer) -> None:
    printer.paper_out = True
    with pytest.raises(PrinterError) as raised:
        printer.print_pdf(ticket(), "t").result(timeout=30)
    assert raised.value.message_key == "printer.error.paper_out"
    assert printer.jobs == []


def test_cancelling_receipts_leaves_other_jobs_alone(printer) -> None:
    printer.hold_s = 0.5
    receipt = printer.print_pdf(ticket(), "receipt-DEMO01-261120-K010001")
    queue_ticket = printer.print_pdf(ticket(), "ticket-A001")
    printer.cancel_pending("receipt-")  # the citizen left
    with pytest.raises(PrinterError):
        receipt.result(timeout=30)
    assert queue_ticket.result(timeout=30).name == "ticket-A001"
    assert printer.cancelled == ["receipt-DEMO01-261120-K010001"]


def test_a_stopped_or_refusing_printer_is_noticed_before_printing(printer) -> None:
    printer.state = "stopped"
    assert printer.status().result(30).problem_key == "printer.error.offline"
    with pytest.raises(PrinterError):
        printer.print_pdf(ticket(), "t").result(timeout=30)
    printer.state, printer.accepting, printer.jammed = "idle", True, True
    with pytest.raises(PrinterError) as raised:
        printer.print_pdf(ticket(), "t").result(timeout=30)
    assert raised.value.message_key == "printer.error.jam" and printer.jobs == []
