"""``kiosk trust``: the technician's tools for the CSCA trust store.

    kiosk trust import FILE [--trust DIR] [--expect-fingerprint SHA256] [--json]
    kiosk trust list [--trust DIR] [--json]

``import`` takes a CMS-signed CSCA master list (BSI's ``.ml`` file, or the ZIP it
comes in) or a CSCA's CRL, verifies it (:mod:`devices.card.trust`) and adds it to
the trust store the kiosk reads (``devices.trust_store``, or ``--trust``).  A list
whose signature or signer does not verify is refused and nothing is written.
Exit status: 0 imported / listed; 3 refused; 2 wrong arguments or no trust store.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kiosk.runtime.config import KioskConfig

EXIT_OK, EXIT_USAGE, EXIT_REFUSED = 0, 2, 3


def add_trust_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    trust = sub.add_parser("trust", help="the trusted CSCA certificates (master lists, CRLs)")
    tsub = trust.add_subparsers(dest="trust_command", required=True)
    imp = tsub.add_parser(
        "import", help="verify a CSCA master list (or a CRL) and add it to the trust store"
    )
    imp.add_argument("file", type=Path, help="master list (.ml, or its .zip) or CRL (.crl)")
    imp.add_argument(
        "--expect-fingerprint",
        metavar="SHA256",
        help="the fingerprint the publisher announces for the CSCA that signs its lists",
    )
    listing = tsub.add_parser("list", help="the trusted CSCAs: country, subject, validity, source")
    for parser in (imp, listing):
        parser.add_argument(
            "--trust", type=Path, metavar="DIR", help="the trust store (devices.trust_store)"
        )
        parser.add_argument("--json", action="store_true")


def _folder(args: argparse.Namespace, config: KioskConfig) -> Path | None:
    if args.trust is not None:
        return Path(args.trust)
    if config.devices.trust_store:
        return Path(config.devices.trust_store)
    return None


def run_trust_command(args: argparse.Namespace, data_root: Path, config: KioskConfig) -> int:
    folder = _folder(args, config)
    if args.trust_command == "import":
        return _import(args, folder or data_root / "trust-store", folder is None)
    if folder is None:
        print(
            "no trust store: devices.trust_store is empty (give --trust DIR, or import a "
            "master list first: kiosk trust import FILE)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return _list(args, folder)


def _import(args: argparse.Namespace, folder: Path, new_store: bool) -> int:
    from devices.card.trust import TrustImportError, import_file

    if not args.file.is_file():
        print(f"{args.file}: no such file", file=sys.stderr)
        return EXIT_USAGE
    try:
        reports = import_file(args.file, folder, expect_anchor=args.expect_fingerprint)
    except TrustImportError as exc:
        print(f"{exc}. Nothing was imported.", file=sys.stderr)
        return EXIT_REFUSED
    if args.json:
        rows = [dict(vars(r)) for r in reports]
        print(json.dumps({"trust_store": str(folder), "imported": rows}, ensure_ascii=False))
    for report in reports:
        if args.json:
            break
        if report.kind == "CRL":
            print(
                f"imported CRL {report.name}: {report.added} revoked certificate(s) of "
                f"{report.anchor}"
            )
            continue
        print(
            f"imported master list {report.name}: {report.added} CSCA(s) added, "
            f"{report.known} already trusted, {len(report.countries)} countries"
        )
        print(f"  vouched for by the CSCA {report.anchor}")
        print(f"  SHA-256 {report.anchor_fingerprint}")
        if not report.anchor_in_store:
            print(
                "  that CSCA was not trusted before: compare the fingerprint above with the "
                "one its publisher announces (docs/trust.md), or import again with "
                "--expect-fingerprint"
            )
        for reason in report.skipped:
            print(f"  left out: {reason}")
    print(f"trust store: {folder}", file=sys.stderr)
    if new_store:
        print(
            f"devices.trust_store is empty: to use this store run\n"
            f"  kiosk config set devices.trust_store {folder}",
            file=sys.stderr,
        )
    return EXIT_OK


def _list(args: argparse.Namespace, folder: Path) -> int:
    from devices.card.trust import trust_entries

    entries, problems = trust_entries(folder)
    if args.json:
        rows: list[dict[str, Any]] = [
            {
                "country": e.country,
                "subject": e.subject,
                "valid_from": e.not_before.date().isoformat(),
                "valid_to": e.not_after.date().isoformat(),
                "source": e.source,
                "sha256": e.fingerprint,
                "file": e.file,
            }
            for e in entries
        ]
        print(json.dumps({"trust_store": str(folder), "cscas": rows, "problems": problems}))
    else:
        print(f"{'country':<8}{'valid from':<12}{'valid to':<12}subject / source")
        for e in entries:
            print(
                f"{e.country or '?':<8}{e.not_before:%Y-%m-%d}  {e.not_after:%Y-%m-%d}  "
                f"{e.subject}\n{'':<32}{e.source}"
            )
        print(f"{len(entries)} CSCA(s) in {folder}", file=sys.stderr)
        for problem in problems:
            print(f"not usable: {problem}", file=sys.stderr)
    return EXIT_OK


__all__ = ["add_trust_commands", "run_trust_command"]
