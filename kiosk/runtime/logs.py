"""Structured, scrubbed logging.

Every record becomes one JSON line: time, level, logger, event and the
whitelisted ``fields`` a caller passes with ``extra={"fields": {...}}``.
Before anything is written, :class:`Scrubber` removes what could identify a
citizen: numbers long enough to be an ID or phone number, dates, MRZ lines,
and the exact values (name, address, …) the current session registered.  The
session forgets its registered values when it is wiped.

Log calls should name *events* (``card_read``), never format personal data
into a message; the scrubber is the safety net, not the policy.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import re
import sys
import threading
import time
import unicodedata
from pathlib import Path
from typing import Any, TextIO

REDACTED = "[redacted]"

_PATTERNS = [
    # MRZ lines (TD1 30 chars, TD3 44 chars) and fragments with filler.
    re.compile(r"[A-Z0-9<]{10,}<[A-Z0-9<]*"),
    # Dates: dd/mm/yyyy, yyyy-mm-dd, ddmmyyyy runs are caught by the digit rule.
    re.compile(r"\b\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}\b"),
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    # Any run of 6+ digits (ID numbers, old ID numbers, phone numbers, YYMMDD).
    re.compile(r"\+?\d[\d .]{4,}\d"),
]


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text).casefold()


class Scrubber:
    """Removes personal data from text.  Thread-safe."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def register(self, *values: object) -> None:
        """Remember exact values to redact (the session's name, address, …)."""
        with self._lock:
            for value in values:
                if value is None:
                    continue
                text = _fold(str(value)).strip()
                if len(text) >= 3:
                    self._values.add(text)
                    # Also each word of a multi-word value (a surname alone is still personal),
                    # except short particles that would blank out ordinary words.
                    self._values.update(w for w in text.split() if len(w) >= 4)

    def forget_all(self) -> None:
        with self._lock:
            self._values.clear()

    def scrub(self, text: str) -> str:
        text = unicodedata.normalize("NFC", text)
        with self._lock:
            values = sorted(self._values, key=len, reverse=True)
        for value in values:
            text = _replace_folded(text, value)
        for regex in _PATTERNS:
            text = regex.sub(REDACTED, text)
        return text


def _replace_folded(text: str, value: str) -> str:
    """Replace every case-insensitive occurrence of ``value`` (already folded).

    Deliberately no regular expression: ``re`` caches compiled patterns, and a
    pattern built from a citizen's name would outlive the session in that cache.
    """
    folded = text.casefold()
    if len(folded) != len(text):  # rare letters whose case folding changes length
        return text.replace(value, REDACTED)
    out: list[str] = []
    start = 0
    while True:
        index = folded.find(value, start)
        if index < 0:
            break
        out.append(text[start:index])
        out.append(REDACTED)
        start = index + len(value)
    if not out:
        return text
    out.append(text[start:])
    return "".join(out)


SCRUBBER = Scrubber()


class JsonFormatter(logging.Formatter):
    def __init__(self, scrubber: Scrubber = SCRUBBER) -> None:
        super().__init__()
        self.scrubber = scrubber

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "event": self.scrubber.scrub(record.getMessage()),
            "thread": record.threadName,
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry["fields"] = {
                str(k): v
                if isinstance(v, (int, float, bool)) or v is None
                else self.scrubber.scrub(str(v))
                for k, v in fields.items()
            }
        if record.exc_info:
            entry["error"] = self.scrubber.scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class _CurrentStderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of the record, not the stream of
    the moment it was set up (a command run in-process by a test, or a stream that was
    replaced and closed, must not turn later records into "--- Logging error ---")."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def setup_logging(level: str = "INFO", log_file: Path | None = None) -> None:
    """Route all logging through the scrubbing JSON formatter (stderr and optional file).

    With a log file, the file takes every record from ``level`` up and stderr only
    warnings and errors: a technician's terminal shows what went wrong and the
    command's own output, not the kiosk's running narrative.  Without a file, stderr
    is the log (a service manager's journal) and takes everything from ``level`` up.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_kiosk", False):
            root.removeHandler(handler)
            handler.close()
    formatter = JsonFormatter()
    terminal = _CurrentStderr()
    handlers: list[logging.Handler] = [terminal]
    if log_file is not None:
        terminal.setLevel(logging.WARNING)
        log_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handlers.append(
            logging.handlers.RotatingFileHandler(
                log_file, maxBytes=5_000_000, backupCount=5, encoding="utf-8"
            )
        )
    for handler in handlers:
        handler.setFormatter(formatter)
        handler._kiosk = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
