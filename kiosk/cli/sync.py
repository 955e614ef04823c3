"""``kiosk sync …`` and ``kiosk central serve``: the outbox and the centre, from a terminal."""

from __future__ import annotations

import argparse
import json
import signal
import ssl
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.runtime.config import KioskConfig

if TYPE_CHECKING:
    from offline_cache.store import SqlOutbox


def add_sync_commands(sub: argparse._SubParsersAction) -> None:
    sync = sub.add_parser("sync", help="the outbox of dossiers waiting for the centre")
    ssub = sync.add_subparsers(dest="sync_command", required=True)
    status = ssub.add_parser("status", help="counts by state, oldest pending, last error")
    status.add_argument("--json", action="store_true")
    run = ssub.add_parser("run", help="send queued dossiers to the centre (until Ctrl-C)")
    run.add_argument("--once", action="store_true", help="one pass over what is due, then exit")
    retry = ssub.add_parser("retry", help="make a failed (dead-letter) dossier due again")
    retry.add_argument("code")

    central = sub.add_parser("central", help="the reference central service")
    csub = central.add_subparsers(dest="central_command", required=True)
    serve = csub.add_parser("serve", help="run it on this machine, for demos and tests")
    serve.add_argument("--data-dir", type=Path, required=True, help="its database and keys")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8780)
    serve.add_argument(
        "--kiosk", action="append", default=[], metavar="ID", help="issue a credential"
    )
    serve.add_argument("--tls-cert", type=Path, help="serve HTTPS with this certificate (PEM)")
    serve.add_argument("--tls-key", type=Path)
    faults = serve.add_argument_group("fault injection")
    faults.add_argument("--latency", type=float, default=0.0, metavar="S")
    faults.add_argument("--error-rate", type=float, default=0.0, help="503 answers (0–1)")
    faults.add_argument("--throttle-rate", type=float, default=0.0, help="429 answers (0–1)")
    faults.add_argument("--drop-rate", type=float, default=0.0, help="processed, no answer")
    faults.add_argument("--reset-rate", type=float, default=0.0, help="TCP resets (0–1)")
    faults.add_argument("--slow-body", type=float, default=0.0, metavar="S")
    faults.add_argument("--seed", type=int)


def run_sync_command(args: argparse.Namespace, config: KioskConfig, root: Path) -> int:
    # Imported here: `kiosk config …` must not pay for SQLAlchemy and requests.
    from kiosk.sync_setup import kiosk_id, make_client, make_worker
    from offline_cache.store import SqlOutbox

    outbox = SqlOutbox.open(root / "kiosk.db")
    if args.sync_command == "status":
        return _status(outbox, args.json)
    if args.sync_command == "retry":
        entry = outbox.entry(args.code)
        if entry is None:
            print(f"no dossier {args.code.strip().upper()} in this kiosk's outbox")
            return 1
        if not outbox.retry(args.code):
            print(f"{entry.meta.code} is {entry.state}: nothing to retry")
            return 1
        print(f"{entry.meta.code} will be sent again (it was {entry.state})")
        from kiosk.cli.staff import record_technician_action

        record_technician_action(config, root, "retry", entry.meta.code)  # the audit trail
        return 0
    worker = make_worker(config, outbox, make_client(config))
    if args.once:
        report = worker.run_once()
        print(f"sent {report.sent}, retry later {report.retried}, refused {report.dead}")
        if report.last_error:
            print(f"last error: {report.last_error}")
        return 0 if not report.retried else 3
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    worker.start()
    print(f"sending to {config.sync.central_url} as {kiosk_id(config)}; Ctrl-C stops")
    stopped.wait()
    worker.stop()
    return 0


def _status(outbox: SqlOutbox, as_json: bool) -> int:
    report = outbox.status(datetime.now())
    dead = outbox.dead_letters()
    # Committed, but the citizen may have left without the receipt: staff can reprint it.
    unreceipted = outbox.missing_receipts()
    if as_json:
        report["refused"] = [{"code": e.meta.code, "reason": e.last_error} for e in dead]
        report["numbering_known"] = outbox.numbering_mark() is not None
        report["missing_receipts"] = [
            {"code": m.code, "received_at": m.received_at.isoformat(timespec="seconds")}
            for m in unreceipted
        ]
        print(json.dumps(report, ensure_ascii=False))
        return 0
    counts: dict[str, int] = report["counts"]  # type: ignore[assignment]
    print("dossiers: " + (", ".join(f"{k} {v}" for k, v in counts.items()) or "none"))
    age = report["oldest_pending_age_s"]
    print(f"oldest pending: {age / 60:.0f} min" if isinstance(age, float) else "oldest pending: -")
    print(f"last error: {report['last_error'] or '-'}")
    for entry in dead:
        print(f"refused by the centre: {entry.meta.code}: {entry.last_error}")
    if dead:
        print("after fixing the cause: kiosk sync retry CODE")
    for meta in unreceipted:
        print(f"no receipt printed: {meta.code} (received {meta.received_at:%Y-%m-%d %H:%M})")
    if outbox.numbering_mark() is None:
        print(
            "numbering: unknown, new dossiers are refused until the centre answers "
            "(or: kiosk store enrol)"
        )
    return 0


def serve_central(args: argparse.Namespace) -> int:
    from kiosk.catalogue.model import CATALOGUE_FILE
    from kiosk.central.reference.server import CentralService, FaultPlan, RunningCentral

    service = CentralService(args.data_dir, catalogue=CATALOGUE_FILE.read_bytes())
    service.faults = FaultPlan(
        latency_s=args.latency,
        error_rate=args.error_rate,
        throttle_rate=args.throttle_rate,
        drop_rate=args.drop_rate,
        reset_rate=args.reset_rate,
        slow_body_s=args.slow_body,
        seed=args.seed,
    )
    tls = None
    if args.tls_cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.tls_cert, args.tls_key)
    from kiosk.central.reference.fleet import FleetPages

    running = RunningCentral(FleetPages(service), args.host, args.port, tls)
    data = args.data_dir.resolve()
    print(f"central service: {running.url}")
    print(f"  kiosks and their health: {running.url}/fleet")
    print(f"  seals dossiers for: {data / 'seal-public.pem'}")
    print(f"  signs catalogues with: {data / 'catalogue-public.pem'}")
    for kiosk in args.kiosk or ["000.00.01.H01-K01"]:
        credential = data / "kiosks" / f"{kiosk}.pem"
        unit_code, kiosk_number = service.register_kiosk(kiosk, credential)
        snippet = data / "kiosks" / f"{kiosk}.toml"
        lines = [
            # The numbering the centre accepts from this kiosk (its dossier codes).
            "[centre]",
            f'unit_code = "{unit_code}"',
            f"kiosk_number = {kiosk_number}",
            "[sync]",
            f'central_url = "{running.url}"',
            f'kiosk_id = "{kiosk}"',
            f'credential = "{credential}"',
            f'central_public_key = "{data / "seal-public.pem"}"',
            f'catalogue_public_key = "{data / "catalogue-public.pem"}"',
        ]
        if args.tls_cert:
            lines.append(f'ca_bundle = "{args.tls_cert.resolve()}"')
        snippet.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"  kiosk {kiosk}: credential {credential}")
        print(f"    settings for it: {snippet}  (kiosk --config {snippet} sync run)")
    stopped = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopped.set())
    running.start()
    print("serving; Ctrl-C stops", flush=True)
    stopped.wait()
    running.stop()
    return 0
