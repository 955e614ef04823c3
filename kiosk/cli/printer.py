"""``kiosk receipt render`` and ``kiosk printer status|test``: the receipt as a file, the
printer's state as CUPS reports it, and a test page followed to the end."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from devices.printer.base import Printer
from kiosk.runtime.config import KioskConfig

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def add_printer_commands(sub: argparse._SubParsersAction) -> None:
    receipt = sub.add_parser("receipt", help="render a receipt to a PDF file")
    rsub = receipt.add_subparsers(dest="receipt_command", required=True)
    render = rsub.add_parser("render", help="the demo receipt, every part filled, as PDF")
    render.add_argument("--demo", action="store_true", required=True, help="the demo receipt")
    render.add_argument("--out", type=Path, required=True, metavar="FILE")
    render.add_argument("--format", choices=("a4", "80mm"), default="80mm")
    render.add_argument("--lang", choices=("vi", "en"), default="vi")
    render.add_argument("--online", action="store_true", help="without the offline line")
    printer = sub.add_parser("printer", help="the receipt printer: state, test page")
    psub = printer.add_subparsers(dest="printer_command", required=True)
    status = psub.add_parser("status", help="state and reasons as the printer reports them")
    status.add_argument("--json", action="store_true")
    test = psub.add_parser("test", help="print the demo receipt and follow it to the end")
    test.add_argument("--format", choices=("a4", "80mm"), default=None)


def _printer(config: KioskConfig) -> Printer:
    from kiosk.app import make_printer

    return make_printer(config)


def run_printer_command(args: argparse.Namespace, config: KioskConfig) -> int:
    from kiosk.printing.receipt import demo_receipt_data, render_receipt
    from kiosk.runtime.i18n import Translator

    if args.command == "receipt":
        pdf = render_receipt(
            demo_receipt_data(offline=not args.online), Translator(args.lang), args.format
        )
        args.out.write_bytes(pdf)
        print(f"{args.out}: {args.format} receipt, {len(pdf)} bytes")
        return EXIT_OK
    printer = _printer(config)
    try:
        if args.printer_command == "status":
            status = printer.status().result(30)
            if args.json:
                print(json.dumps(status.as_dict(), ensure_ascii=False))
            else:
                reasons = ", ".join(status.reasons) or "none"
                print(
                    f"{status.name or '(default)'}: {status.state}; reasons: {reasons}; "
                    f"accepting jobs: {'yes' if status.accepting else 'no'}"
                )
                if status.message:
                    print(f"  {status.message}")
                print("ready" if status.ready else f"not ready: {status.problem_key}")
            return EXIT_OK if status.ready else EXIT_FAILED
        layout = args.format or config.printing.receipt_layout
        pdf = render_receipt(demo_receipt_data(), Translator(config.ui.language), layout)
        started = time.monotonic()
        try:
            job = printer.print_pdf(pdf, "kiosk-test-receipt").result(
                config.printing.job_timeout_s + 30
            )
        except Exception as exc:  # the printer's error, said in one line
            key = getattr(exc, "message_key", "printer.error.failed")
            print(f"printing failed: {exc} ({key})", file=sys.stderr)
            return EXIT_FAILED
        print(f"printed: job {job.job_id}, {job.pages} page(s), {time.monotonic() - started:.1f} s")
        return EXIT_OK
    finally:
        printer.stop()
