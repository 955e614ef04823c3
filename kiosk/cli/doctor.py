"""``kiosk doctor [--json] [--only NAME …] [--lang vi|en]``: can this kiosk serve citizens?

One line per check (its status, its name, what was found and, when something is wrong,
what to do), in the kiosk's language (``ui.language``, Vietnamese unless set) or
``--lang``'s; commands and paths are shown as they are typed.  English keeps the
terse form ``FAIL pcscd: what: remedy``.  ``--json`` is for machines: English texts
plus their message keys.  Exit status 0 when no check fails, 1 when one does (warnings
do not), so a script or the install can stop on it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from kiosk.doctor.report import CheckResult
from kiosk.runtime.config import KioskConfig
from kiosk.runtime.i18n import Translator


def add_doctor_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from kiosk.doctor import CHECKS

    doctor = sub.add_parser("doctor", help="check devices, disk, database, trust, centre, clock")
    doctor.add_argument("--json", action="store_true", help="the report as one JSON object")
    doctor.add_argument(
        "--only", nargs="+", choices=CHECKS, metavar="CHECK", help=f"some of: {', '.join(CHECKS)}"
    )
    doctor.add_argument(
        "--lang", choices=("vi", "en"), help="language of the text (default: ui.language)"
    )


def run_doctor_command(args: argparse.Namespace, config: KioskConfig, root: Path) -> int:
    from kiosk.doctor import run_checks

    report = run_checks(config, root, args.only)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        tr = Translator(args.lang or config.ui.language)
        for result in report.results:
            print(_line(result, tr))
        failing = report.failing
        print(
            tr("doctor.cli.failing", count=len(failing), names=", ".join(r.name for r in failing))
            if failing
            else tr("doctor.cli.pass")
        )
    return 0 if report.ok else 1


STATUS_MARK = {"ok": "✓", "warn": "!", "fail": "✗", "skip": "–"}


def _line(result: CheckResult, tr: Translator) -> str:
    """English: ``FAIL pcscd: detail: remedy``; otherwise the technician panel's row, with
    the check's name (what ``--only`` takes) after its title."""
    from kiosk.doctor.texts import describe

    title, detail, remedy = describe(result, tr)
    if tr.language == "en":
        text = f"{result.status.value.upper():4} {result.name}: {detail}"
        return f"{text}: {remedy}" if remedy else text
    status = tr(f"tech.status.{result.status.value}")
    named = title if result.name in title.lower() else f"{title} [{result.name}]"
    text = f"{STATUS_MARK[result.status.value]} {named} · {status}: {detail}"
    return f"{text}\n    {tr('tech.remedy', remedy=remedy)}" if remedy else text
