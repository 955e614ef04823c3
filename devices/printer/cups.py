"""Printing through CUPS with ``lp``, the document passed on standard input.

No spool file of ours ever holds a receipt: ``lp -`` reads the PDF from the
pipe.  The call runs on the printer's own thread.
"""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import Future

from devices.printer.base import PrinterError, PrintJob
from devices.worker import DeviceThread


class CupsPrinter:
    def __init__(self, queue_name: str = "", timeout_s: float = 20.0) -> None:
        self.queue_name = queue_name
        self.timeout_s = timeout_s
        self._thread = DeviceThread("printer")

    def print_pdf(self, pdf: bytes, job_name: str) -> Future[PrintJob]:
        return self._thread.call(self._print, bytes(pdf), job_name)

    def _print(self, pdf: bytes, job_name: str) -> PrintJob:
        lp = shutil.which("lp")
        if lp is None:
            raise PrinterError("lp not found (install cups-client)", "printer.error.not_found")
        command = [lp, "-t", job_name, "-o", "media=Custom.80x200mm"]
        if self.queue_name:
            command += ["-d", self.queue_name]
        try:
            result = subprocess.run(
                [*command, "-"], input=pdf, capture_output=True, timeout=self.timeout_s
            )
        except subprocess.TimeoutExpired:
            raise PrinterError("lp timed out") from None
        if result.returncode != 0:
            raise PrinterError("lp failed", "printer.error.not_found")
        return PrintJob(job_name, pages=1, size_bytes=len(pdf))

    def stop(self) -> None:
        self._thread.stop()
