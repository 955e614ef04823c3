"""``kiosk card …``: technician tools for the chip reader (no GUI, no Qt)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
import time
from datetime import date
from pathlib import Path

from devices.card.access import AccessKey
from devices.card.base import CardError, ReaderState
from devices.card.mrtd.mrz import parse_mrz

STATE_TEXT = {
    ReaderState.NO_SERVICE: "the PC/SC service (pcscd) is not running: start it "
    "(systemctl start pcscd) and check that the reader is plugged in",
    ReaderState.NO_READER: "pcscd is running but sees no card reader: plug one in",
}


def add_card_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    card = sub.add_parser("card", help="chip reader tools for technicians")
    csub = card.add_subparsers(dest="card_command", required=True)
    csub.add_parser("readers", help="list PC/SC readers (and say if pcscd is down)")
    read = csub.add_parser("read", help="read a card and check it")
    read.add_argument("--reader", default="", help="part of the reader's name")
    read.add_argument("--id", help="12-digit ID number")
    read.add_argument("--dob", type=date.fromisoformat, help="date of birth YYYY-MM-DD")
    read.add_argument("--expiry", type=date.fromisoformat, help="date of expiry YYYY-MM-DD")
    read.add_argument("--mrz", help="the full MRZ text (as a scanner types it)")
    read.add_argument("--qr", help="the text of the QR code on the card's front")
    read.add_argument("--can", help="the card access number (PACE)")
    read.add_argument("--trust", type=Path, help="folder of trusted CSCA certificates")
    read.add_argument("--photo", type=Path, help="write the chip photo to this file")
    read.add_argument("--json", action="store_true")
    read.add_argument("--wait", type=float, default=10.0, help="seconds to wait for a card")
    emulate = csub.add_parser("emulate", help="the project's CCCD emulator behind vpcd")
    emulate.add_argument("--profile", type=Path, help="card profile (JSON)")
    emulate.add_argument("--port", type=int, default=35963, help="vpcd port (35963, 35964)")
    emulate.add_argument("--pki", type=Path, help="folder of the test PKI (made if missing)")
    emulate.add_argument("--tamper", choices=("altered", "untrusted", "clone"))
    emulate.add_argument(
        "--pace",
        type=int,
        choices=(12, 13),
        help="offer PACE (ECDH-GM-AES-128) on P-256 (12) or brainpoolP256r1 (13)",
    )


def run_card_command(args: argparse.Namespace, data_root: Path) -> int:
    if args.card_command == "readers":
        from devices.card.pcsc import list_readers

        state, readers = list_readers()
        if state in STATE_TEXT:
            print(STATE_TEXT[state], file=sys.stderr)
            return 1
        for name in readers:
            print(name)
        return 0
    if args.card_command == "emulate":
        return _emulate(args, data_root)
    return _read(args)


def _keys(args: argparse.Namespace) -> list[AccessKey]:
    if args.mrz:
        info = parse_mrz(args.mrz.replace("\\n", "\n"))
        return [AccessKey(info.document_number, info.date_of_birth, info.date_of_expiry)]
    if args.qr:
        from devices.card.qr import NO_EXPIRY, expiry_candidates, parse_card_qr

        qr = parse_card_qr(args.qr)
        return [
            AccessKey.from_cccd(qr.id_number, qr.date_of_birth, expiry or NO_EXPIRY)
            for expiry in expiry_candidates(qr.date_of_birth, qr.date_of_issue)
        ][:3]
    if args.can:
        raise SystemExit(
            "PACE with the CAN is not supported by this release: use --id/--dob/"
            "--expiry, --mrz or --qr"
        )
    if not (args.id and args.dob and args.expiry):
        raise SystemExit("give --id, --dob and --expiry, or --mrz, or --qr")
    return [AccessKey.from_cccd(args.id, args.dob, args.expiry)]


def _read(args: argparse.Namespace) -> int:
    from devices.card.mrtd.sod import load_trust_store
    from devices.card.pcsc import PcscCardReader

    keys = _keys(args)
    trust = load_trust_store(args.trust) if args.trust else []
    reader = PcscCardReader(args.reader, trust, poll_s=0.1)
    present = threading.Event()
    reader.card_inserted.connect(lambda _s: present.set())
    reader.start()
    try:
        deadline = time.monotonic() + args.wait
        while not present.is_set() and time.monotonic() < deadline:
            state = reader.status().state
            if state in STATE_TEXT and time.monotonic() > deadline - args.wait + 1:
                print(STATE_TEXT[state], file=sys.stderr)
                return 1
            time.sleep(0.05)
        if not present.is_set():
            print("no card on the reader", file=sys.stderr)
            return 1
        error: Exception | None = None
        for key in keys:
            try:
                started = time.perf_counter()
                result = reader.read_card(key).result(timeout=30)
                total_ms = (time.perf_counter() - started) * 1000
                break
            except CardError as exc:
                error = exc
        else:
            print(f"read failed: {error}", file=sys.stderr)
            return 1
    finally:
        reader.stop()
    identity = result.identity
    if args.photo and identity.photo:
        args.photo.write_bytes(bytes(identity.photo))
    report = {
        "id_number": identity.id_number,
        "full_name": identity.full_name,
        "date_of_birth": identity.date_of_birth.isoformat(),
        "sex": identity.sex,
        "place_of_origin": identity.place_of_origin,
        "place_of_residence": identity.place_of_residence,
        "date_of_issue": identity.date_of_issue.isoformat() if identity.date_of_issue else None,
        "date_of_expiry": identity.date_of_expiry.isoformat() if identity.date_of_expiry else None,
        "access_control": result.access_control,
        "passive_authentication": result.authenticity,
        "active_authentication": result.active_authentication,
        "chip_authentication": result.chip_authentication,
        "detail": result.detail,
        "apdus": result.apdus,
        "bytes_in": result.bytes_in,
        "timings_ms": {k: round(v, 2) for k, v in result.timings_ms.items()},
        "total_ms": round(total_ms, 2),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for key, value in report.items():
            print(f"{key:>24}: {value}")
    return 0


def _emulate(args: argparse.Namespace, data_root: Path) -> int:
    from dataclasses import replace

    from devices.card.emulator.builder import build_chip
    from devices.card.emulator.chip import EmulatedChip
    from devices.card.emulator.pki import load_or_create_pki, write_trust_store
    from devices.card.emulator.vpcd import VpcdCard
    from devices.card.simulator import DEMO_PROFILE, SimulatedCard

    card = SimulatedCard.from_profile(args.profile or DEMO_PROFILE)
    if args.tamper:
        card = replace(card, tamper=args.tamper)
    pki_dir = args.pki or data_root / "demo-pki"
    pki = load_or_create_pki(pki_dir)
    trust = write_trust_store(pki, pki_dir / "trust").parent
    content = build_chip(
        card.identity(), pki, can=card.can, tamper=card.tamper, pace_parameter=args.pace
    )
    vpcd = VpcdCard(EmulatedChip(content), port=args.port)
    try:
        vpcd.insert(timeout_s=30)
    except OSError:
        print(
            f"vpcd is not listening on port {args.port}: is pcscd running with "
            "vsmartcard-vpcd installed?",
            file=sys.stderr,
        )
        return 1
    print(
        json.dumps(
            {
                "ready": True,
                "port": args.port,
                "id_number": card.id_number,
                "date_of_birth": card.date_of_birth.isoformat(),
                "date_of_expiry": card.date_of_expiry.isoformat() if card.date_of_expiry else None,
                "can": content.can,
                "mrz": content.mrz,
                "pace": args.pace is not None,
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
    return 0


__all__ = ["add_card_commands", "run_card_command"]
