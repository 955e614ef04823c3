"""``kiosk doctor [--json] [--only NAME …]``: is this kiosk ready to serve citizens?

One line per check (``OK``, ``WARN``, ``FAIL`` or ``SKIP``, its name, what was found
and, when something is wrong, what to do).  Exit status 0 when no check fails, 1
when one does (warnings do not), so a script or the install can stop on it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kiosk.runtime.config import KioskConfig


def add_doctor_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from kiosk.doctor import CHECKS

    doctor = sub.add_parser("doctor", help="check devices, disk, database, trust, centre, clock")
    doctor.add_argument("--json", action="store_true", help="the report as one JSON object")
    doctor.add_argument(
        "--only", nargs="+", choices=CHECKS, metavar="CHECK", help=f"some of: {', '.join(CHECKS)}"
    )


def run_doctor_command(args: argparse.Namespace, config: KioskConfig, root: Path) -> int:
    from kiosk.doctor import run_checks

    report = run_checks(config, root, args.only)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        for result in report.results:
            print(result.line())
        failing = report.failing
        print(
            "all checks pass"
            if not failing
            else f"{len(failing)} check(s) fail: {', '.join(r.name for r in failing)}"
        )
    return 0 if report.ok else 1
