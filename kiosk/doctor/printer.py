"""The printer's check: CUPS answers, the kiosk's queue exists, accepts jobs, has paper.

Probed through libcups as the kiosk prints, so a passing check means a receipt will
print.  Each CUPS reason a technician can act on has its remedy (a message key and its
English text).
"""

from __future__ import annotations

from pathlib import Path

from kiosk.doctor.report import CheckResult, Said, Status, said
from kiosk.runtime.config import KioskConfig

REMEDY_CUPS = "sudo systemctl enable --now cups"


def demo(setting: str, value: str) -> Said:
    """A simulated device: the check does not apply."""
    return said("doctor.demo", "devices.{setting} = {value} (demo)", setting=setting, value=value)


# CUPS printer-state-reasons (RFC 8011 §5.4.12) a technician can act on.
_PAPER_OUT = ("doctor.remedy.paper_out", "out of paper: load a new roll")
_COVER_OPEN = ("doctor.remedy.cover_open", "the printer's cover is open: close it")
_INK = ("doctor.remedy.ink", "replace the ink or toner")
_REASONS = {
    "media-empty": _PAPER_OUT,
    "media-needed": _PAPER_OUT,
    "media-jam": ("doctor.remedy.paper_jam", "paper jam: open the printer and clear it"),
    "door-open": _COVER_OPEN,
    "cover-open": _COVER_OPEN,
    "offline": (
        "doctor.remedy.printer_off",
        "the printer is off or unplugged: switch it on, check its USB cable",
    ),
    "paused": ("doctor.remedy.queue_paused", "the queue is paused: sudo cupsenable {queue}"),
    "toner-empty": _INK,
    "marker-supply-empty": _INK,
}
"""(message key, English) of what to do about each reason."""
STATES = {
    "idle": "doctor.printer_state.idle",
    "printing": "doctor.printer_state.printing",
    "stopped": "doctor.printer_state.stopped",
    "unknown": "doctor.printer_state.unknown",
}


ATTRIBUTES = ["printer-state", "printer-state-reasons", "printer-is-accepting-jobs"]


def printer_state(queue: str = "") -> tuple[str, str, list[str]]:
    """(queue, state, reasons) from CUPS; raises RuntimeError when CUPS does not answer."""
    import cups

    try:
        connection = cups.Connection()
        printers = connection.getPrinters()
        name = queue or connection.getDefault() or ""
    except (RuntimeError, cups.IPPError) as exc:
        raise RuntimeError(str(exc)) from None
    if name not in printers:
        raise LookupError(name)
    try:
        # getPrinters() leaves out whether the queue accepts jobs (cupsreject): ask for it.
        attrs = connection.getPrinterAttributes(name, requested_attributes=ATTRIBUTES)
    except cups.IPPError as exc:
        raise RuntimeError(str(exc)) from None
    state = {3: "idle", 4: "printing", 5: "stopped"}.get(attrs.get("printer-state"), "unknown")
    reasons = [r for r in attrs.get("printer-state-reasons", []) if r != "none"]
    if not attrs.get("printer-is-accepting-jobs", True):
        reasons.append("not-accepting-jobs")
    return name, state, reasons


def check_printer(config: KioskConfig, _root: Path) -> CheckResult:
    d = config.devices
    if d.printer != "cups":
        return CheckResult.of("printer", Status.SKIP, demo("printer", repr(d.printer)))
    try:
        queue, state, reasons = printer_state(d.printer_name)
    except RuntimeError:
        return CheckResult.of(
            "printer",
            Status.FAIL,
            said("doctor.printer.no_cups", "CUPS is not running"),
            said("doctor.remedy.start_cups", REMEDY_CUPS),
        )
    except LookupError as exc:
        missing = (
            said(
                "doctor.printer.no_queue",
                "CUPS has no printer queue {queue}",
                queue=str(exc.args[0]),
            )
            if exc.args and exc.args[0]
            else said("doctor.printer.no_default", "CUPS has no printer queue (no default queue)")
        )
        return CheckResult.of(
            "printer",
            Status.FAIL,
            missing,
            said(
                "doctor.remedy.add_printer",
                "add the printer (lpadmin, or http://localhost:631), then "
                "kiosk config set devices.printer_name QUEUE",
            ),
        )
    stems = [
        r.removesuffix("-error").removesuffix("-warning").removesuffix("-report") for r in reasons
    ]
    # The state's own words are translated (``state_key``); the reasons are CUPS keywords.
    shown = {"queue": queue, "state": state, "state_key": STATES.get(state, STATES["unknown"])}
    for stem in stems:
        if stem in _REASONS:
            key, english = _REASONS[stem]
            return CheckResult.of(
                "printer",
                Status.FAIL,
                said(
                    "doctor.printer.reasons",
                    "printer {queue} is {state} ({reasons})",
                    reasons=", ".join(reasons),
                    **shown,
                ),
                said(key, english, **({"queue": queue} if "{queue}" in english else {})),
            )
    if state == "stopped":
        return CheckResult.of(
            "printer",
            Status.FAIL,
            said("doctor.printer.stopped", "printer {queue} is stopped", queue=queue),
            said("doctor.remedy.cupsenable", "sudo cupsenable {queue}", queue=queue),
        )
    if "not-accepting-jobs" in reasons:
        return CheckResult.of(
            "printer",
            Status.FAIL,
            said("doctor.printer.refuses", "printer {queue} refuses new jobs", queue=queue),
            said("doctor.remedy.cupsaccept", "sudo cupsaccept {queue}", queue=queue),
        )
    extra = f" ({', '.join(reasons)})" if reasons else ""
    return CheckResult.of(
        "printer",
        Status.OK,
        said("doctor.printer.ok", "printer {queue} is {state}{extra}", extra=extra, **shown),
    )
