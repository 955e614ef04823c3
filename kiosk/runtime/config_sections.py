"""How a setting is declared (:func:`setting`), and the sections of the centre's calendar,
its fee account and its printing, kept beside ``config.py`` so that module stays small.
:mod:`kiosk.runtime.config` gathers every section into ``KioskConfig``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DATES = r"^(\d{4}-\d{2}-\d{2}( *, *\d{4}-\d{2}-\d{2})*)?$"
SESSIONS = r"^\d{2}:\d{2}-\d{2}:\d{2}( *, *\d{2}:\d{2}-\d{2}:\d{2})*$"


def setting(
    default: Any,
    description: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    choices: tuple[str, ...] | None = None,
    pattern: str | None = None,
) -> Any:
    """Declare one setting: default, one-line description and constraints."""
    return field(
        default=default,
        metadata={
            "description": description,
            "minimum": minimum,
            "maximum": maximum,
            "choices": choices,
            "pattern": pattern,
        },
    )


@dataclass(frozen=True)
class CalendarSettings:
    days_off: str = setting(
        "",
        "The centre's days off besides Vietnam's public holidays (moved days the government "
        "announces each year), as YYYY-MM-DD separated by commas.",
        pattern=DATES,
    )
    workdays: str = setting(
        "",
        "Make-up working days (a Saturday or Sunday worked in exchange for a day off), as "
        "YYYY-MM-DD separated by commas.",
        pattern=DATES,
    )
    schedule: str = setting(
        "07:30-11:30, 13:30-17:00",
        "Working hours: the morning and afternoon sessions, HH:MM-HH:MM separated by commas "
        "(processing times in working hours count these).",
        pattern=SESSIONS,
    )


@dataclass(frozen=True)
class PaymentSettings:
    bank_bin: str = setting(
        "970436",
        "NAPAS BIN (6 digits) of the bank holding the centre's fee account, for VietQR codes.",
        pattern=r"^\d{6}$",
    )
    account: str = setting(
        "",
        "The centre's fee account number; empty: no fee QR code (pay at the counter).",
        pattern=r"^[0-9A-Za-z]{0,19}$",
    )
    account_name: str = setting(
        "", "Name of the account holder, shown under the fee QR code so the citizen can check."
    )


@dataclass(frozen=True)
class PrintingSettings:
    receipt_layout: str = setting(
        "80mm", "Receipt layout: '80mm' thermal roll or 'a4' sheet.", choices=("80mm", "a4")
    )
    job_timeout_s: float = setting(
        45.0,
        "Seconds a print job may take before it counts as failed and is cancelled.",
        minimum=5,
        maximum=600,
    )
    server: str = setting(
        "", "CUPS server: a socket path, host or host:port; empty: the system's (CUPS_SERVER)."
    )
