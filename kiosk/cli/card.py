"""``kiosk card …``: technician tools for the chip reader (no GUI, no Qt).

    kiosk card readers
    kiosk card read (--id N --dob D --expiry D | --document-number N --dob D --expiry D
                     | --mrz TEXT | --qr TEXT | --can N) [--reader NAME] [--trust DIR]
                    [--photo FILE] [--json] [--apdu-timeout S] [--read-timeout S]
    kiosk card emulate [--profile FILE] [--port N] [--tamper KIND] [--pace 12|13]
                       [--document passport] [--quirk NAME] [--silent-after N]

``read`` reads any ICAO 9303 document (the CCCD, a passport…): DG1 and the photo,
DG13 when it is a Vietnamese ID card, passive, active and chip authentication,
then says whether the kiosk would accept the card, deciding exactly as the kiosk
does (:func:`kiosk.journeys.identify.refusal`).  Exit status: 0 the kiosk would
accept the card; 3 it would refuse it (altered data, a clone, an untrusted signer
when the settings require a trusted one, no EF.SOD, not a Vietnamese ID card; a card
whose data cannot be verified is still shown, with ``verifiable: false`` and a line
saying so);
1 the card could not be read (the one-line message names the file or step);
2 the arguments are wrong (one line saying what was expected).  Never a traceback.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

from devices.card.access import AccessKey
from devices.card.base import (
    AccessDeniedError,
    CardDeadlines,
    CardError,
    CardReadResult,
    NotGenuineError,
    ReaderState,
)
from devices.card.mrtd.mrz import parse_mrz
from kiosk.runtime.config import KioskConfig

STATE_TEXT = {
    ReaderState.NO_SERVICE: "the PC/SC service (pcscd) is not running: start it "
    "(systemctl start pcscd) and check that the reader is plugged in",
    ReaderState.NO_READER: "pcscd is running but sees no card reader: plug one in",
}
EXIT_ACCEPTED, EXIT_UNREADABLE, EXIT_USAGE, EXIT_REFUSED = 0, 1, 2, 3


class UsageError(Exception):
    """A wrong argument: the message says what was expected, in one line."""


class _OneLineParser(argparse.ArgumentParser):
    """Argument errors in one line (no usage block): what was wrong and what is expected."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see --help)\n")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a date as YYYY-MM-DD (e.g. 1990-05-17), got {text!r}"
        ) from None


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError(f"expected seconds between 0 and 600, got {text!r}")
    return value


def add_card_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    card = sub.add_parser("card", help="chip reader tools for technicians")
    csub = card.add_subparsers(dest="card_command", required=True, parser_class=_OneLineParser)
    csub.add_parser("readers", help="list PC/SC readers (and say if pcscd is down)")
    read = csub.add_parser(
        "read",
        help="read a card or passport and say whether the kiosk would accept it",
        description="Exit status: 0 the kiosk would accept the card, 3 it would refuse it, "
        "1 the card could not be read, 2 wrong arguments.",
    )
    read.add_argument("--reader", default="", help="part of the reader's name")
    read.add_argument("--id", help="the 12-digit ID number printed on a CCCD")
    read.add_argument(
        "--document-number", help="the document number of a passport or another ICAO document"
    )
    read.add_argument("--dob", type=_iso_date, help="date of birth YYYY-MM-DD")
    read.add_argument("--expiry", type=_iso_date, help="date of expiry YYYY-MM-DD")
    read.add_argument("--mrz", help="the full MRZ text (as a scanner types it)")
    read.add_argument("--qr", help="the text of the QR code on the card's front")
    read.add_argument("--can", help="the 6-digit card access number (PACE cards)")
    read.add_argument("--trust", type=Path, help="folder of trusted CSCA certificates")
    read.add_argument("--photo", type=Path, help="write the chip photo to this file")
    read.add_argument("--json", action="store_true")
    read.add_argument("--wait", type=_seconds, default=10.0, help="seconds to wait for a card")
    read.add_argument(
        "--apdu-timeout",
        type=_seconds,
        help="seconds the chip may take per command (default: devices.card_apdu_timeout_s)",
    )
    read.add_argument(
        "--read-timeout",
        type=_seconds,
        help="seconds the whole read may take (default: devices.card_read_timeout_s)",
    )
    emulate = csub.add_parser("emulate", help="the project's CCCD emulator behind vpcd")
    emulate.add_argument("--profile", type=Path, help="card profile (JSON)")
    emulate.add_argument("--port", type=int, default=35963, help="vpcd port (35963, 35964)")
    emulate.add_argument("--pki", type=Path, help="folder of the test PKI (made if missing)")
    emulate.add_argument(
        "--tamper",
        choices=("altered", "untrusted", "clone", "altered_certificate", "no_sod"),
        help="a card the kiosk must refuse (see devices/card/emulator/builder.py)",
    )
    emulate.add_argument(
        "--pace",
        type=int,
        choices=(12, 13),
        help="offer PACE (ECDH-GM-AES-128) on P-256 (12) or brainpoolP256r1 (13)",
    )
    emulate.add_argument(
        "--document",
        choices=("cccd", "passport"),
        default="cccd",
        help="a CCCD (default) or an ordinary TD3 passport (of the test CSCA's state)",
    )
    emulate.add_argument(
        "--quirk",
        metavar="NAME",
        help="a chip another producer might make: no_sfi, no_do99, pace_refused, "
        "malformed_com, bare_dg2, dg13_field16, no_sod, full_number "
        "(see devices/card/emulator/profiles.py)",
    )
    emulate.add_argument(
        "--silent-after",
        type=int,
        metavar="N",
        help="a failing chip: answer N commands after power-up, then nothing (connection open)",
    )


def run_card_command(
    args: argparse.Namespace, data_root: Path, config: KioskConfig | None = None
) -> int:
    config = config or KioskConfig()
    try:
        if args.card_command == "readers":
            return _readers()
        if args.card_command == "emulate":
            return _emulate(args, data_root)
        return _read(args, config)
    except UsageError as exc:
        print(f"kiosk card {args.card_command}: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _readers() -> int:
    from devices.card.pcsc import list_readers

    state, readers = list_readers()
    if state in STATE_TEXT:
        print(STATE_TEXT[state], file=sys.stderr)
        return EXIT_UNREADABLE
    for name in readers:
        print(name)
    return EXIT_ACCEPTED


def _keys(args: argparse.Namespace) -> list[AccessKey]:
    """The access keys to try, from the arguments; :class:`UsageError` saying what is missing."""
    if args.mrz:
        try:
            info = parse_mrz(args.mrz.replace("\\n", "\n"))
        except CardError as exc:
            raise UsageError(
                f"--mrz: expected the 3 lines of 30 (ID card) or 2 lines of 44 (passport) "
                f"characters of the MRZ: {exc}"
            ) from None
        return [AccessKey(info.document_number, info.date_of_birth, info.date_of_expiry)]
    if args.qr:
        from devices.card.qr import NO_EXPIRY, expiry_candidates, parse_card_qr

        try:
            qr = parse_card_qr(args.qr)
        except CardError as exc:
            raise UsageError(f"--qr: expected the text of a CCCD's QR code: {exc}") from None
        return [
            AccessKey.from_cccd(qr.id_number, qr.date_of_birth, expiry or NO_EXPIRY)
            for expiry in expiry_candidates(qr.date_of_birth, qr.date_of_issue)
        ][:3]
    if args.can:
        if not (args.can.isdigit() and len(args.can) == 6):
            raise UsageError(f"--can {args.can}: expected the 6 digits printed on the card")
        return [AccessKey(can=args.can)]
    if args.id is not None:
        if not (args.id.isdigit() and len(args.id) == 12):
            raise UsageError(
                f"--id {args.id}: expected the 12-digit ID number printed on a CCCD "
                "(for a passport give --document-number, or --mrz)"
            )
        if not (args.dob and args.expiry):
            raise UsageError("--id needs --dob and --expiry (YYYY-MM-DD) as well")
        return [AccessKey.from_cccd(args.id, args.dob, args.expiry)]
    if args.document_number is not None:
        number = args.document_number.upper()
        if not (number.isalnum() and 1 <= len(number) <= 9):
            raise UsageError(
                f"--document-number {args.document_number}: expected up to 9 letters or "
                "digits, as in the document's MRZ"
            )
        if not (args.dob and args.expiry):
            raise UsageError("--document-number needs --dob and --expiry (YYYY-MM-DD) as well")
        return [AccessKey(number, f"{args.dob:%y%m%d}", f"{args.expiry:%y%m%d}")]
    raise UsageError(
        "expected --id, --dob and --expiry (a CCCD), --document-number, --dob and --expiry "
        "(a passport), --mrz, --qr or --can"
    )


def _trust_store(folder: Path | None) -> list[Any]:
    from devices.card.mrtd.sod import load_trust_store

    if folder is None:
        return []
    if not folder.is_dir():
        raise UsageError(f"--trust {folder}: expected a folder of CSCA certificates")
    certificates = load_trust_store(folder)
    if not certificates:
        raise UsageError(
            f"--trust {folder}: expected CSCA certificates (.pem, .crt, .cer, .der) in it"
        )
    return certificates


def _read(args: argparse.Namespace, config: KioskConfig) -> int:
    from devices.card.pcsc import PcscCardReader

    keys = _keys(args)
    configured = Path(config.devices.trust_store) if config.devices.trust_store else None
    trust = _trust_store(args.trust or configured)  # `kiosk trust import` fills the latter
    deadlines = CardDeadlines(
        args.apdu_timeout or config.devices.card_apdu_timeout_s,
        args.read_timeout or config.devices.card_read_timeout_s,
    )
    reader = PcscCardReader(args.reader, trust, poll_s=0.1, deadlines=deadlines)
    present = threading.Event()
    reader.card_inserted.connect(lambda _s: present.set())
    reader.start()
    try:
        deadline = time.monotonic() + args.wait
        while not present.is_set() and time.monotonic() < deadline:
            state = reader.status().state
            if state in STATE_TEXT and time.monotonic() > deadline - args.wait + 1:
                print(STATE_TEXT[state], file=sys.stderr)
                return EXIT_UNREADABLE
            time.sleep(0.05)
        if not present.is_set():
            print("no card on the reader", file=sys.stderr)
            return EXIT_UNREADABLE
        outcome = _read_with(reader, keys, deadlines)
    finally:
        reader.stop()
    if isinstance(outcome, NotGenuineError):
        return _report_refused_read(args, outcome)
    if isinstance(outcome, BaseException):
        print(f"read failed: {outcome}", file=sys.stderr)
        return EXIT_UNREADABLE
    result, total_ms = outcome
    return _report(args, result, total_ms, config.devices.require_trusted_signer)


def _read_with(
    reader: Any, keys: list[AccessKey], deadlines: CardDeadlines
) -> tuple[CardReadResult, float] | BaseException:
    """Try each key; only a refused key moves on to the next one."""
    from concurrent.futures import TimeoutError as FutureTimeout

    error: BaseException = CardError("no access key")
    # The reader enforces the deadlines itself; this one only guards against a bug.
    guard = deadlines.read_s + deadlines.apdu_s * 2 + 5
    for key in keys:
        started = time.perf_counter()
        try:
            result = reader.read_card(key).result(timeout=guard)
        except AccessDeniedError as exc:
            error = exc
            continue
        except CardError as exc:
            return exc
        except FutureTimeout:
            return CardError(f"the reader gave no answer within {guard:g} s")
        return result, (time.perf_counter() - started) * 1000
    return error


def _report_refused_read(args: argparse.Namespace, error: NotGenuineError) -> int:
    """Altered data: the chip's content is never parsed, so only the verdict is shown."""
    report = {
        "passive_authentication": "data_altered",
        "verifiable": True,  # checked, and found altered
        "kiosk": "refused",
        "refusal": error.message_key,
        "detail": str(error),
    }
    _print(args, report)
    print(f"refused: not genuine: {error}", file=sys.stderr)
    return EXIT_REFUSED


def _report(
    args: argparse.Namespace, result: CardReadResult, total_ms: float, require_trusted: bool
) -> int:
    from kiosk.journeys.identify import refusal

    identity = result.identity
    if args.photo and identity.photo:
        args.photo.write_bytes(bytes(identity.photo))
    refused = refusal(result, require_trusted)
    report: dict[str, Any] = {
        "document_code": result.document_code,
        "issuing_state": result.issuing_state,
        "citizen_data": result.citizen_data,
        "id_number": identity.id_number,
        "old_id_number": identity.old_id_number or None,
        "full_name": identity.full_name,
        "date_of_birth": identity.date_of_birth.isoformat() if identity.date_of_birth else None,
        "sex": identity.sex,
        "nationality": identity.nationality,
        "place_of_origin": identity.place_of_origin,
        "place_of_residence": identity.place_of_residence,
        "date_of_issue": identity.date_of_issue.isoformat() if identity.date_of_issue else None,
        "date_of_expiry": identity.date_of_expiry.isoformat() if identity.date_of_expiry else None,
        "photo": bool(identity.photo),
        "access_control": result.access_control,
        "passive_authentication": result.authenticity,
        "vouched_by": result.vouched_by or None,
        # False when there is nothing to check the data against (no EF.SOD, no signer
        # certificate): what is shown was read but is not vouched for by anyone.
        "verifiable": result.authenticity != "not_checked",
        "active_authentication": result.active_authentication,
        "chip_authentication": result.chip_authentication,
        "detail": result.detail,
        "kiosk": "refused" if refused else "accepted",
        "refusal": refused.message_key if refused else None,
        "apdus": result.apdus,
        "bytes_in": result.bytes_in,
        "timings_ms": {k: round(v, 2) for k, v in result.timings_ms.items()},
        "total_ms": round(total_ms, 2),
    }
    identity.wipe()
    _print(args, report)
    if not report["verifiable"]:
        print(
            f"unverified: the data above cannot be verified ({result.detail or 'no EF.SOD'}): "
            "do not rely on it; the kiosk refuses this card",
            file=sys.stderr,
        )
    return EXIT_REFUSED if refused else EXIT_ACCEPTED


def _print(args: argparse.Namespace, report: dict[str, Any]) -> None:
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for key, value in report.items():
            print(f"{key:>24}: {value}")


def _emulate(args: argparse.Namespace, data_root: Path) -> int:
    from dataclasses import replace

    from devices.card.emulator.chip import EmulatedChip
    from devices.card.emulator.pki import load_or_create_pki, write_trust_store
    from devices.card.emulator.vpcd import VpcdCard
    from devices.card.simulator import DEMO_PROFILE, SimulatedCard, card_content

    if args.silent_after is not None and args.silent_after < 0:
        raise UsageError(f"--silent-after {args.silent_after}: expected 0 or more commands")
    if args.pace is not None and args.document == "passport":
        raise UsageError("--pace: expected a CCCD (the emulated passport offers BAC only)")
    quirk = getattr(args, "quirk", None)
    if quirk is not None:
        from devices.card.emulator.profiles import QUIRKS

        if quirk not in QUIRKS:
            raise UsageError(f"--quirk {quirk}: expected one of {', '.join(QUIRKS)}")
        if args.document != "cccd" or args.tamper or args.pace is not None:
            raise UsageError(f"--quirk {quirk}: expected alone (a CCCD, no --tamper or --pace)")
    try:
        card = SimulatedCard.from_profile(args.profile or DEMO_PROFILE)
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(
            f"--profile {args.profile}: expected a card profile (JSON): {exc}"
        ) from None
    card = replace(card, document=args.document)
    if args.tamper:
        card = replace(card, tamper=args.tamper)
    pki_dir = args.pki or data_root / "demo-pki"
    pki = load_or_create_pki(pki_dir)
    trust = write_trust_store(pki, pki_dir / "trust").parent
    content = card_content(card, pki)
    if args.pace is not None:
        from devices.card.emulator.builder import build_chip

        content = build_chip(
            card.identity(), pki, can=card.can, tamper=card.tamper, pace_parameter=args.pace
        )
    chip = EmulatedChip(content)
    if quirk is not None:
        from devices.card.emulator.profiles import quirk_chip

        chip = quirk_chip(card.identity(), pki, quirk)
        content = chip.content
    chip.silent_after = args.silent_after
    vpcd = VpcdCard(chip, port=args.port)
    try:
        vpcd.insert(timeout_s=30)
    except OSError:
        print(
            f"vpcd is not listening on port {args.port}: is pcscd running with "
            "vsmartcard-vpcd installed?",
            file=sys.stderr,
        )
        return EXIT_UNREADABLE
    mrz = parse_mrz(content.mrz)
    print(
        json.dumps(
            {
                "ready": True,
                "port": args.port,
                "document": card.document,
                "document_number": mrz.document_number,
                "id_number": card.id_number if card.document == "cccd" else None,
                "date_of_birth": card.date_of_birth.isoformat(),
                "date_of_expiry": card.date_of_expiry.isoformat() if card.date_of_expiry else None,
                "can": content.can,
                "mrz": content.mrz,
                "pace": args.pace is not None or content.pace is not None,
                "quirk": quirk,
                "silent_after": args.silent_after,
                "trust_store": str(trust),
            },
            ensure_ascii=False,
        ),
        flush=True,
    )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.is_set() and vpcd.connected.is_set():
            stop.wait(0.2)
    except KeyboardInterrupt:
        pass
    vpcd.remove()
    return EXIT_ACCEPTED


__all__ = ["add_card_commands", "run_card_command"]
