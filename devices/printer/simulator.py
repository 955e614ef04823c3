"""A simulated receipt printer.

It checks that what it is given is a PDF, counts its pages and remembers
only that (a receipt carries personal data, so the content is dropped).
``paper_out`` makes it fail the way a real printer does.
"""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import Future

from devices.printer.base import PrinterError, PrintJob
from devices.worker import DeviceThread


class SimulatedPrinter:
    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s  # how long the paper takes to come out
        self._thread = DeviceThread("printer")
        self._lock = threading.Lock()
        self.jobs: list[PrintJob] = []
        self.paper_out = False

    def print_pdf(self, pdf: bytes, job_name: str) -> Future[PrintJob]:
        return self._thread.call(self._print, bytes(pdf), job_name)

    def _print(self, pdf: bytes, job_name: str) -> PrintJob:
        if self.paper_out:
            raise PrinterError("out of paper", "printer.error.paper_out")
        from pypdf import PdfReader  # a large import, needed with the first print only
        from pypdf.errors import PdfReadError

        try:
            pages = len(PdfReader(io.BytesIO(pdf)).pages)
        except (PdfReadError, ValueError) as exc:
            raise PrinterError(f"not a printable PDF: {exc}") from None
        if self.delay_s:
            time.sleep(self.delay_s)
        job = PrintJob(job_name, pages, len(pdf))
        with self._lock:
            self.jobs.append(job)
        return job

    def stop(self) -> None:
        self._thread.stop()
