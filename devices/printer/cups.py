"""Printing through CUPS with pycups: the printer's state first, then the job followed to
completed or failed.

1. Before sending, the queue's ``printer-state``, ``printer-state-reasons`` and
   ``printer-is-accepting-jobs`` are read: a stopped printer, a queue that refuses jobs,
   ``media-empty``, ``media-jam``, ``offline`` and other error reasons fail at once with
   the citizen's message (:data:`devices.printer.base.BLOCKING_REASONS`).
2. The PDF goes to CUPS as one IPP Create-Job + Send-Document from memory: no spool file
   of ours ever holds a receipt.
3. The job is polled until ``completed`` (the paper is out); ``canceled``, ``aborted``
   or ``stopped``, or the printer stopping under it, fail it; past ``timeout_s`` it is
   cancelled and fails, so a receipt never comes out late for the next citizen.
   :meth:`CupsPrinter.cancel_pending` (the session ended) cancels it the same way.

Every CUPS call runs on the printer's own thread, each job with its own connection
(pycups connections are not shared between threads).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from devices.printer.base import (
    CancelBook,
    PrinterError,
    PrinterStatus,
    PrintJob,
    ThreadedPrinter,
    count_pages,
    media_for,
)
from devices.worker import DeviceThread

log = logging.getLogger(__name__)

PRINTER_STATES = {3: "idle", 4: "processing", 5: "stopped"}
JOB_COMPLETED, JOB_FAILED = 9, {6: "stopped", 7: "canceled", 8: "aborted"}
_PRINTER_ATTRIBUTES = [
    "printer-state",
    "printer-state-reasons",
    "printer-is-accepting-jobs",
    "printer-state-message",
]


def _connect(server: str) -> Any:
    """A connection to ``server`` ('' the default, a socket path, host or host:port)."""
    import cups

    if not server:
        return cups.Connection()
    host, _, port = server.rpartition(":") if not server.startswith("/") else (server, "", "")
    if host and port.isdigit():
        return cups.Connection(host=host, port=int(port))
    return cups.Connection(host=server)


class CupsPrinter(ThreadedPrinter):
    def __init__(
        self,
        queue_name: str = "",
        timeout_s: float = 45.0,
        server: str = "",
        poll_s: float = 0.2,
    ) -> None:
        self.queue_name = queue_name
        self.timeout_s = timeout_s
        self.server = server
        self.poll_s = poll_s
        self._thread = DeviceThread("printer")
        self._book = CancelBook()

    # On the printer's thread --------------------------------------------------------------

    def _queue(self, connection: Any) -> str:
        name = self.queue_name or connection.getDefault()
        if not name:
            raise PrinterError("no CUPS queue named and no default", "printer.error.not_found")
        return str(name)

    def _read_status(self, connection: Any, name: str) -> PrinterStatus:
        import cups

        try:
            attributes = connection.getPrinterAttributes(
                name, requested_attributes=_PRINTER_ATTRIBUTES
            )
        except cups.IPPError as exc:
            raise PrinterError(f"queue {name}: {exc.args[-1]}", "printer.error.not_found") from None
        reasons = tuple(r for r in attributes.get("printer-state-reasons", ()) if r != "none")
        return PrinterStatus(
            name=name,
            state=PRINTER_STATES.get(attributes.get("printer-state", 0), "unavailable"),
            reasons=reasons,
            accepting=bool(attributes.get("printer-is-accepting-jobs", False)),
            message=str(attributes.get("printer-state-message", "")),
        )

    def _status(self) -> PrinterStatus:
        import cups

        try:
            connection = _connect(self.server)
            return self._read_status(connection, self._queue(connection))
        except (RuntimeError, cups.IPPError, PrinterError) as exc:
            return PrinterStatus(self.queue_name, "unavailable", message=str(exc))

    def _print(self, pdf: bytes, job_name: str, epoch: int) -> PrintJob:
        import cups

        if self._book.cancelled(epoch, job_name):
            raise PrinterError("the session ended before the job was sent", "printer.error.failed")
        try:
            connection = _connect(self.server)
        except RuntimeError as exc:
            raise PrinterError(f"CUPS: {exc}", "printer.error.not_found") from None
        name = self._queue(connection)
        state = self._read_status(connection, name)
        if state.problem_key is not None:
            raise PrinterError(
                f"queue {name} {state.state}: {', '.join(state.reasons) or 'not accepting'}",
                state.problem_key,
            )
        started = time.monotonic()
        try:
            media = media_for(pdf)
            job_id = connection.createJob(name, job_name, {"media": media} if media else {})
            connection.startDocument(name, job_id, job_name, "application/pdf", 1)
            connection.writeRequestData(pdf, len(pdf))
            connection.finishDocument(name)
        except cups.IPPError as exc:
            raise PrinterError(f"queue {name} refused the job: {exc.args[-1]}") from None
        log.info("print_job_sent", extra={"fields": {"queue": name, "job": job_id}})
        self._follow(connection, name, job_id, job_name, started, epoch)
        seconds = time.monotonic() - started
        return PrintJob(job_name, count_pages(pdf), len(pdf), job_id, round(seconds, 2))

    def _follow(
        self, connection: Any, name: str, job_id: int, job_name: str, started: float, epoch: int
    ) -> None:
        """Until the job is completed; raises (after cancelling it) otherwise."""
        while True:
            attributes = connection.getJobAttributes(
                job_id, requested_attributes=["job-state", "job-state-reasons"]
            )
            job_state = attributes.get("job-state", 0)
            if job_state == JOB_COMPLETED:
                return
            if job_state in JOB_FAILED:
                self._cancel(connection, job_id)
                raise PrinterError(f"job {job_id} {JOB_FAILED[job_state]}")
            printer = self._read_status(connection, name)
            if printer.problem_key is not None:
                self._cancel(connection, job_id)
                raise PrinterError(
                    f"queue {name} {printer.state} during job {job_id}", printer.problem_key
                )
            if self._book.cancelled(epoch, job_name):
                self._cancel(connection, job_id)
                raise PrinterError(f"job {job_id} cancelled: the session ended")
            if time.monotonic() - started > self.timeout_s:
                self._cancel(connection, job_id)
                raise PrinterError(
                    f"job {job_id} not printed in {self.timeout_s:g} s", "printer.error.timeout"
                )
            time.sleep(self.poll_s)

    @staticmethod
    def _cancel(connection: Any, job_id: int) -> None:
        import cups

        try:
            connection.cancelJob(job_id, purge_job=False)
            log.warning("print_job_cancelled", extra={"fields": {"job": job_id}})
        except cups.IPPError:
            pass  # already finished or gone: nothing left to come out
