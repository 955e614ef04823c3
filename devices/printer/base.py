"""The printer interface: the printer's state before printing, a job followed to the end.

``print_pdf`` returns a future that completes when the paper is out (CUPS says the job
is completed) and fails with a :class:`PrinterError` when the printer is stopped, out of
paper, jammed, refuses jobs, fails the job, or takes longer than its timeout (the job is
then cancelled).  ``cancel_pending`` cancels every job not finished yet: the session it
belonged to has ended, and a receipt must never come out for the next citizen.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Protocol

# printer-state-reasons (RFC 8011 §5.4.12, PWG 5100.9) that stop a receipt, with the
# citizen's message; a reason may carry a -error, -warning or -report suffix.
BLOCKING_REASONS: dict[str, str] = {
    "media-empty": "printer.error.paper_out",
    "media-needed": "printer.error.paper_out",
    "media-jam": "printer.error.jam",
    "door-open": "printer.error.jam",
    "cover-open": "printer.error.jam",
    "offline": "printer.error.offline",
    "paused": "printer.error.offline",
    "shutdown": "printer.error.offline",
    "connecting-to-device": "printer.error.offline",
    "toner-empty": "printer.error.failed",
    "marker-supply-empty": "printer.error.failed",
}


def reason_name(reason: str) -> str:
    """'media-empty-error' -> 'media-empty'."""
    for suffix in ("-error", "-warning", "-report"):
        if reason.endswith(suffix):
            return reason[: -len(suffix)]
    return reason


class PrinterError(Exception):
    """Printing failed; ``message_key`` is the translated text for the citizen."""

    def __init__(self, message: str, message_key: str = "printer.error.failed") -> None:
        super().__init__(message)
        self.message_key = message_key


@dataclass(frozen=True)
class PrintJob:
    """What is kept about a job: never its content (receipts carry personal data)."""

    name: str
    pages: int
    size_bytes: int
    job_id: int = 0
    seconds: float = 0.0  # from sending to completed


@dataclass(frozen=True)
class PrinterStatus:
    """A snapshot of the printer: ``state`` is idle, processing, stopped or unavailable
    (no printer, no CUPS); ``reasons`` are printer-state-reasons without 'none'."""

    name: str
    state: str
    reasons: tuple[str, ...] = ()
    accepting: bool = True
    message: str = ""

    @property
    def problem_key(self) -> str | None:
        """The citizen's message when this state stops a receipt, else None."""
        if self.state == "unavailable":
            return "printer.error.not_found"
        for reason in self.reasons:
            key = BLOCKING_REASONS.get(reason_name(reason))
            if key is not None:
                return key
            if reason.endswith("-error"):
                return "printer.error.failed"
        if self.state == "stopped" or not self.accepting:
            return "printer.error.offline"
        return None

    @property
    def ready(self) -> bool:
        return self.problem_key is None

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "state": self.state,
            "reasons": list(self.reasons),
            "accepting": self.accepting,
            "message": self.message,
            "ready": self.ready,
            "problem": self.problem_key,
        }


class Printer(Protocol):
    def print_pdf(self, pdf: bytes, job_name: str) -> Future[PrintJob]: ...

    def status(self) -> Future[PrinterStatus]: ...

    def cancel_pending(self, prefix: str = "") -> None: ...

    def stop(self) -> None: ...


class CancelBook:
    """Which jobs have been cancelled: every job sent before a ``cancel(prefix)`` whose name
    starts with ``prefix``.  Thread-safe (cancelled from the core thread, asked on the
    printer's)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._epoch = 0
        self._cancels: list[tuple[int, str]] = []

    def now(self) -> int:
        with self._lock:
            return self._epoch

    def cancel(self, prefix: str = "") -> None:
        with self._lock:
            self._epoch += 1
            self._cancels = [*self._cancels[-31:], (self._epoch, prefix)]

    def cancelled(self, epoch: int, name: str) -> bool:
        with self._lock:
            return any(e > epoch and name.startswith(p) for e, p in self._cancels)


class ThreadedPrinter:
    """The interface on the printer's own thread, shared by the adapters: a subclass sets
    ``self._thread`` (a :class:`devices.worker.DeviceThread`) and ``self._book``, and
    writes ``_print(pdf, job_name, epoch)`` and ``_status()``, both run on that thread."""

    _thread: Any
    _book: CancelBook

    def print_pdf(self, pdf: bytes, job_name: str) -> Future[PrintJob]:
        return self._thread.call(self._print, bytes(pdf), job_name, self._book.now())

    def status(self) -> Future[PrinterStatus]:
        return self._thread.call(self._status)

    def cancel_pending(self, prefix: str = "") -> None:
        """Cancel every job sent or queued so far whose name starts with ``prefix`` (the
        printer's thread does it within a poll)."""
        self._book.cancel(prefix)

    def stop(self) -> None:
        self.cancel_pending()
        self._thread.stop()

    def _print(self, pdf: bytes, job_name: str, epoch: int) -> PrintJob:
        raise NotImplementedError

    def _status(self) -> PrinterStatus:
        raise NotImplementedError


def count_pages(pdf: bytes) -> int:
    """Pages of a PDF without parsing it (page objects: '/Type /Page', not '/Pages')."""
    import re

    return max(1, len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)))


def media_for(pdf: bytes) -> str:
    """The CUPS ``media`` option for the PDF's first page: 'A4', or 'Custom.WxHmm' (an 80 mm
    roll cut where the receipt ends)."""
    import re

    found = re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    if found is None:
        return ""
    width, height = (float(v) / 72 * 25.4 for v in found.groups())
    if abs(width - 210) < 1 and abs(height - 297) < 1:
        return "A4"
    return f"Custom.{round(width)}x{round(height)}mm"
