"""A simulated receipt printer with the states of a real one.

It checks that what it is given is a PDF, counts its pages and remembers only that (a
receipt carries personal data, so the content is dropped).  Like the CUPS adapter it
looks at its state before printing: ``state`` ('idle', 'stopped'), ``accepting`` and
``reasons`` (printer-state-reasons such as 'media-empty-error'); ``paper_out`` and
``jammed`` set the matching reason.  ``hold_s`` keeps each job in the printer that long
(a slow or stuck printer): past ``timeout_s`` the job is cancelled and fails, and
:meth:`cancel_pending` cancels it at once, as when the session ends.
"""

from __future__ import annotations

import io
import threading
import time

from devices.printer.base import (
    CancelBook,
    PrinterError,
    PrinterStatus,
    PrintJob,
    ThreadedPrinter,
)
from devices.worker import DeviceThread


class SimulatedPrinter(ThreadedPrinter):
    def __init__(self, delay_s: float = 0.0, timeout_s: float = 45.0) -> None:
        self.delay_s = delay_s  # how long the paper takes to come out
        self.timeout_s = timeout_s
        self.hold_s = 0.0  # a job stuck in the printer this long (see the module's text)
        self.state = "idle"
        self.accepting = True
        self.reasons: set[str] = set()
        self._thread = DeviceThread("printer")
        self._lock = threading.Lock()
        self._book = CancelBook()
        self.jobs: list[PrintJob] = []
        self.cancelled: list[str] = []  # names of the jobs cancelled

    @property
    def paper_out(self) -> bool:
        return "media-empty-error" in self.reasons

    @paper_out.setter
    def paper_out(self, value: bool) -> None:
        self._set_reason("media-empty-error", value)

    @property
    def jammed(self) -> bool:
        return "media-jam-error" in self.reasons

    @jammed.setter
    def jammed(self, value: bool) -> None:
        self._set_reason("media-jam-error", value)

    def _set_reason(self, reason: str, on: bool) -> None:
        if on:
            self.reasons.add(reason)
        else:
            self.reasons.discard(reason)

    def snapshot(self) -> PrinterStatus:
        return PrinterStatus(
            "simulator", self.state, tuple(sorted(self.reasons)), self.accepting, "simulated"
        )

    def _status(self) -> PrinterStatus:
        return self.snapshot()

    def _print(self, pdf: bytes, job_name: str, epoch: int) -> PrintJob:
        if self._book.cancelled(epoch, job_name):
            self.cancelled.append(job_name)
            raise PrinterError("the session ended before the job was sent")
        status = self.snapshot()
        if status.problem_key is not None:
            raise PrinterError(
                f"printer {status.state}: {', '.join(status.reasons) or 'not accepting'}",
                status.problem_key,
            )
        from pypdf import PdfReader  # a large import, needed with the first print only
        from pypdf.errors import PdfReadError

        try:
            pages = len(PdfReader(io.BytesIO(pdf)).pages)
        except (PdfReadError, ValueError) as exc:
            raise PrinterError(f"not a printable PDF: {exc}") from None
        started = time.monotonic()
        while time.monotonic() - started < self.hold_s:
            if self._book.cancelled(epoch, job_name):
                self.cancelled.append(job_name)
                raise PrinterError("job cancelled: the session ended")
            if time.monotonic() - started > self.timeout_s:
                self.cancelled.append(job_name)
                raise PrinterError("job not printed in time", "printer.error.timeout")
            time.sleep(0.02)
        if self.delay_s:
            time.sleep(self.delay_s)
        job = PrintJob(job_name, pages, len(pdf), len(self.jobs) + 1)
        with self._lock:
            self.jobs.append(job)
        return job
