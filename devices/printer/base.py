"""The printer interface: send a rendered PDF, get a future of the job."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol


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


class Printer(Protocol):
    def print_pdf(self, pdf: bytes, job_name: str) -> Future[PrintJob]: ...

    def stop(self) -> None: ...
