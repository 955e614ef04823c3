"""What the doctor found: one result per check, a remedy for each failure.

Plain values (no Qt, no device handles), so the same report is printed by
``kiosk doctor``, shown in technician mode and summarised in the heartbeat.
Nothing personal is ever in a result: checks look at devices, files and the
centre, never at a citizen's data.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Args = Mapping[str, str | int]
"""A message's parameters: plain text and numbers, so a result stays JSON."""


class Status(enum.StrEnum):
    OK = "ok"
    WARN = "warn"  # works today, needs attention soon (no failure exit)
    FAIL = "fail"  # the kiosk cannot serve citizens as it should
    SKIP = "skip"  # not applicable with these settings (a simulated device, no centre)


@dataclass(frozen=True)
class Said:
    """One sentence of a result: its message key, its English text, its arguments."""

    key: str
    text: str
    args: Args = field(default_factory=dict, hash=False)


def said(key: str, english: str, **args: str | int) -> Said:
    """``english`` (the en catalogue's text for ``key``) filled in with ``args``."""
    return Said(key, english.format(**args) if args else english, args)


@dataclass(frozen=True)
class CheckResult:
    """One check: ``detail`` says what was found, ``remedy`` what to do (failures, warnings).

    ``detail`` and ``remedy`` are English, for machines and the centre (the JSON, the
    heartbeat, the fleet page); ``detail_key``/``remedy_key`` with their arguments are the
    same sentences as message keys, which :func:`kiosk.doctor.texts.describe` translates
    for the technician.  An argument named ``…_key`` holds a message key itself.
    """

    name: str
    status: Status
    detail: str
    remedy: str = ""
    duration_ms: int = 0
    detail_key: str = ""
    detail_args: Args = field(default_factory=dict, hash=False)
    remedy_key: str = ""
    remedy_args: Args = field(default_factory=dict, hash=False)

    @classmethod
    def of(cls, name: str, status: Status, detail: Said, remedy: Said | None = None) -> CheckResult:
        """A result from its sentences (the usual way: keys and English stay together)."""
        return cls(
            name,
            status,
            detail.text,
            remedy.text if remedy else "",
            detail_key=detail.key,
            detail_args=detail.args,
            remedy_key=remedy.key if remedy else "",
            remedy_args=remedy.args if remedy else {},
        )

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL

    def line(self) -> str:
        """One line for a terminal: ``FAIL pcscd: pcscd is not running: sudo systemctl …``."""
        text = f"{self.status.value.upper():4} {self.name}: {self.detail}"
        return f"{text}: {self.remedy}" if self.remedy else text

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status.value,
            "detail": self.detail,
            "remedy": self.remedy,
            "duration_ms": self.duration_ms,
            "detail_key": self.detail_key,
            "detail_args": dict(self.detail_args),
            "remedy_key": self.remedy_key,
            "remedy_args": dict(self.remedy_args),
        }


@dataclass(frozen=True)
class DoctorReport:
    results: tuple[CheckResult, ...]
    checked_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def ok(self) -> bool:
        """No check failed (warnings and skipped checks do not count)."""
        return not any(result.failed for result in self.results)

    @property
    def failing(self) -> list[CheckResult]:
        return [result for result in self.results if result.failed]

    def get(self, name: str) -> CheckResult:
        for result in self.results:
            if result.name == name:
                return result
        raise KeyError(name)

    def summary(self) -> dict[str, Any]:
        """For the heartbeat: which checks fail or warn, with their one-line detail."""
        return {
            "ok": self.ok,
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
            "failing": {r.name: r.detail[:200] for r in self.results if r.failed},
            "warnings": {r.name: r.detail[:200] for r in self.results if r.status is Status.WARN},
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked_at": self.checked_at.isoformat(timespec="seconds"),
            "checks": [result.as_dict() for result in self.results],
        }
