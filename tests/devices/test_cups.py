"""The CUPS adapter against a real cupsd (private, on a Unix socket) with cups-pdf queues:
a receipt printed and read back, a stopped printer, a queue that refuses jobs, a job that
never prints (cancelled at its timeout, or when the session ends)."""

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.printer.base import PrinterError, PrinterStatus
from devices.printer.cups import CupsPrinter
from kiosk.printing.receipt import demo_receipt_data, render_receipt
from kiosk.runtime.i18n import Translator
from tests.devices.cupsd import Cupsd, start_cupsd, why_not


@pytest.fixture(scope="module")
def cupsd() -> Iterator[Cupsd]:
    reason = why_not()
    if reason:
        pytest.skip(f"no private cupsd: {reason}")
    # Not under pytest's own folder (0700): CUPS filters run as 'lp' and must reach the spool.
    folder = Path(tempfile.mkdtemp(prefix="kiosk-cups-"))
    try:
        server = start_cupsd(folder)
    except RuntimeError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"no private cupsd: {exc}")
    server.add_pdf_queue("receipts")
    server.add_pdf_queue("stopped")
    server.admin("cupsdisable", "stopped")
    server.add_pdf_queue("refusing")
    server.admin("cupsreject", "refusing")
    server.add_pdf_queue("stuck", "-o", "job-hold-until-default=indefinite")
    server.add_pdf_queue("stops", "-o", "job-hold-until-default=indefinite")
    yield server
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def receipt() -> bytes:
    return render_receipt(demo_receipt_data(), Translator("vi"), "80mm")


def printer(cupsd: Cupsd, queue: str, timeout_s: float = 30) -> CupsPrinter:
    return CupsPrinter(queue, timeout_s=timeout_s, server=cupsd.socket, poll_s=0.1)


def jobs(cupsd: Cupsd, which: str) -> list[str]:
    out = subprocess.run(
        ["lpstat", "-h", cupsd.socket, "-W", which, "-o"], capture_output=True, text=True
    ).stdout
    return out.splitlines()


def test_a_receipt_prints_and_the_pdf_reads_back(cupsd: Cupsd, receipt: bytes) -> None:
    adapter = printer(cupsd, "receipts")
    try:
        assert adapter.status().result(30).ready
        before = set(cupsd.pdfs())
        job = adapter.print_pdf(receipt, "receipt-DEMO01-261120-K010001").result(30)
    finally:
        adapter.stop()
    assert job.job_id > 0 and job.pages == 1 and job.size_bytes == len(receipt)
    import cups

    attributes = cups.Connection(host=cupsd.socket).getJobAttributes(job.job_id)
    assert attributes["media"].startswith("Custom.80x")  # the roll cut where the receipt ends
    (printed,) = set(cupsd.pdfs()) - before  # completed means the file is there
    text = subprocess.run(
        ["pdftotext", str(printed), "-"], capture_output=True, text=True, check=True
    ).stdout
    # cups-pdf goes through PostScript, which keeps the glyphs but not their Unicode
    # names: the ASCII text reads back, the rest is checked by decoding the page.
    assert "DEMO01-261120-K010001" in text and "********2345" in text
    subprocess.run(
        ["pdftoppm", "-r", "150", "-gray", "-png", str(printed), str(cupsd.out / "page")],
        check=True,
    )
    import zxingcpp
    from PIL import Image

    (image,) = cupsd.out.glob("page*.png")
    found = {(r.format.name, r.text) for r in zxingcpp.read_barcodes(Image.open(image))}
    assert found == {("Code128", "DEMO01-261120-K010001"), ("QRCode", "DEMO01-261120-K010001")}


def test_a_stopped_printer_is_noticed_before_sending(cupsd: Cupsd, receipt: bytes) -> None:
    adapter = printer(cupsd, "stopped")
    try:
        status = adapter.status().result(30)
        with pytest.raises(PrinterError) as raised:
            adapter.print_pdf(receipt, "receipt-stopped").result(30)
    finally:
        adapter.stop()
    assert status.state == "stopped" and not status.ready
    assert raised.value.message_key == "printer.error.offline"
    assert not any(line.startswith("stopped-") for line in jobs(cupsd, "not-completed"))


def test_a_queue_refusing_jobs_is_noticed(cupsd: Cupsd, receipt: bytes) -> None:
    adapter = printer(cupsd, "refusing")
    try:
        status = adapter.status().result(30)
        with pytest.raises(PrinterError) as raised:
            adapter.print_pdf(receipt, "receipt-refused").result(30)
    finally:
        adapter.stop()
    assert status.state == "idle" and not status.accepting
    assert raised.value.message_key == "printer.error.offline"


def test_a_job_that_does_not_print_in_time_is_cancelled(cupsd: Cupsd, receipt: bytes) -> None:
    adapter = printer(cupsd, "stuck", timeout_s=1.0)
    try:
        started = time.monotonic()
        with pytest.raises(PrinterError) as raised:
            adapter.print_pdf(receipt, "receipt-late").result(30)
    finally:
        adapter.stop()
    assert raised.value.message_key == "printer.error.timeout"
    assert time.monotonic() - started < 10  # its 1 s, not the usual 30 s
    assert not any(line.startswith("stuck-") for line in jobs(cupsd, "not-completed"))


def test_a_job_outliving_the_session_is_cancelled(cupsd: Cupsd, receipt: bytes) -> None:
    adapter = printer(cupsd, "stuck")
    try:
        future = adapter.print_pdf(receipt, "receipt-previous-citizen")
        deadline = time.monotonic() + 20
        while not any(line.startswith("stuck-") for line in jobs(cupsd, "not-completed")):
            assert time.monotonic() < deadline, "the job never reached CUPS"
            time.sleep(0.05)
        adapter.cancel_pending("receipt-")  # the session ended
        with pytest.raises(PrinterError):
            future.result(30)
    finally:
        adapter.stop()
    assert not any(line.startswith("stuck-") for line in jobs(cupsd, "not-completed"))


def test_a_printer_stopped_while_the_job_waits_fails_it_at_once(
    cupsd: Cupsd, receipt: bytes
) -> None:
    adapter = printer(cupsd, "stops")
    try:
        future = adapter.print_pdf(receipt, "receipt-stopped-midway")
        deadline = time.monotonic() + 20
        while not any(line.startswith("stops-") for line in jobs(cupsd, "not-completed")):
            assert time.monotonic() < deadline, "the job never reached CUPS"
            time.sleep(0.05)
        cupsd.admin("cupsdisable", "stops")  # someone opens the printer, say
        with pytest.raises(PrinterError) as raised:
            future.result(30)
    finally:
        adapter.stop()
    assert raised.value.message_key == "printer.error.offline"
    assert not any(line.startswith("stops-") for line in jobs(cupsd, "not-completed"))


def test_an_unknown_queue_is_unavailable(cupsd: Cupsd, receipt: bytes) -> None:
    adapter = printer(cupsd, "no-such-queue")
    try:
        status = adapter.status().result(30)
        with pytest.raises(PrinterError) as raised:
            adapter.print_pdf(receipt, "receipt-nowhere").result(30)
    finally:
        adapter.stop()
    assert status.state == "unavailable"
    assert raised.value.message_key == "printer.error.not_found"


@pytest.mark.parametrize(
    ("reasons", "key"),
    [
        (("media-empty-error",), "printer.error.paper_out"),
        (("media-jam-error",), "printer.error.jam"),
        (("offline-report",), "printer.error.offline"),
        (("toner-low-warning",), None),  # a warning still prints
        (("some-new-error",), "printer.error.failed"),
    ],
)
def test_state_reasons_give_the_citizen_a_message(reasons: tuple[str, ...], key: str) -> None:
    assert PrinterStatus("q", "idle", reasons).problem_key == key


def test_no_cups_server_is_unavailable(tmp_path: Path) -> None:
    adapter = CupsPrinter("receipts", server=str(tmp_path / "none.sock"))
    try:
        assert adapter.status().result(30).state == "unavailable"
    finally:
        adapter.stop()


pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")


def run_kiosk(cupsd: Cupsd, queue: str, *args: str, tmp_path: Path) -> tuple[int, str]:
    import os

    from kiosk.cli.main import main

    env = {
        "KIOSK_DEVICES_PRINTER": "cups",
        "KIOSK_DEVICES_PRINTER_NAME": queue,
        "KIOSK_PRINTING_SERVER": cupsd.socket,
        "KIOSK_STORAGE_DATA_DIR": str(tmp_path),
        "KIOSK_LOGGING_FILE": "false",
    }
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return main(["--config", str(tmp_path / "none.toml"), *args]), ""
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_printer_status_says_stopped_and_test_prints(
    cupsd: Cupsd, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    code, _ = run_kiosk(cupsd, "stopped", "printer", "status", "--json", tmp_path=tmp_path)
    status = json.loads(capsys.readouterr().out)
    assert (
        code == 1 and status["state"] == "stopped" and status["problem"] == "printer.error.offline"
    )
    code, _ = run_kiosk(cupsd, "receipts", "printer", "test", tmp_path=tmp_path)
    assert code == 0 and "printed: job" in capsys.readouterr().out
    code, _ = run_kiosk(cupsd, "refusing", "printer", "test", tmp_path=tmp_path)
    assert code == 1 and "printer.error.offline" in capsys.readouterr().err
