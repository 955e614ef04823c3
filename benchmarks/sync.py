"""Durable submit latency, sync throughput to a loopback centre, memory while draining.

Targets (this 2-core machine):
- durable submit (number + seal + one fsynced transaction): p99 under 50 ms;
- sync throughput to the reference centre on loopback: reported, with and
  without a 200 KB attachment;
- memory while draining 10,000 queued dossiers: flat (growth under 20 MiB
  between the first and the last tenth of the drain).
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from datetime import date, datetime
from pathlib import Path

from kiosk.base.dossier import DossierCodes, DossierMeta
from kiosk.central.client import CentralClient
from kiosk.central.protocol import load_ed25519_private
from kiosk.central.reference.server import CentralService, RunningCentral
from offline_cache.sealing import seal
from offline_cache.store import SqlOutbox
from offline_cache.sync import SyncWorker

KIOSK = "000.00.01.H01-K01"  # the centre accepts only codes of its numbering


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _setup(root: Path) -> tuple[CentralService, RunningCentral, SqlOutbox, CentralClient]:
    service = CentralService(root / "central")
    service.register_kiosk(KIOSK, root / "cred.pem")
    running = RunningCentral(service).start()
    store = SqlOutbox.open(root / "kiosk" / "kiosk.db", enrol=True)
    client = CentralClient(running.url, KIOSK, load_ed25519_private(root / "cred.pem"))
    return service, running, store, client


def _content(code: str, attachment: bytes) -> bytes:
    return json.dumps(
        {
            "code": code,
            "citizen": {"id_number": "001090012345", "full_name": "Nguyễn Văn A"},
            "answers": {"child_name": "Trần Minh Khôi", "attachment": attachment.hex()},
        },
        ensure_ascii=False,
    ).encode()


def _submit(store: SqlOutbox, service: CentralService, when: datetime, attachment: bytes) -> float:
    codes = DossierCodes("000.00.01.H01", 1)
    key = service.seal_key.public_key()

    def build(code: str) -> tuple[DossierMeta, bytes]:
        box = seal(_content(code, attachment), key, code.encode())
        return DossierMeta(code, "LT-KS-TT-BHYT", when, date(2026, 11, 25)), box

    started = time.perf_counter()
    store.submit(when.date(), lambda n: codes.code(when, n), build)
    return (time.perf_counter() - started) * 1000


def _drain(store: SqlOutbox, client: CentralClient) -> tuple[int, float]:
    worker = SyncWorker(store, client)
    started = time.perf_counter()
    sent = worker.run_once().sent
    return sent, time.perf_counter() - started


def measure(submits: int = 300, attachments: int = 60, drained: int = 10_000) -> dict[str, float]:
    """All the figures of the table; smaller counts give a quick run (same table)."""
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        service, running, store, client = _setup(Path(tmp))
        try:
            day = datetime(2026, 11, 20, 9)
            latencies = sorted(_submit(store, service, day, b"") for _ in range(submits))
            results["submit_p50_ms"] = statistics.median(latencies)
            results["submit_p99_ms"] = latencies[int(len(latencies) * 0.99) - 1]
            sent, seconds = _drain(store, client)
            results["sync_per_s"] = sent / seconds
            attachment = os.urandom(100_000)  # 200 KB once hex-encoded in the content
            day2 = datetime(2026, 11, 21, 9)
            for _ in range(attachments):
                _submit(store, service, day2, attachment)
            sent, seconds = _drain(store, client)
            results["sync_200k_per_s"] = sent / seconds
        finally:
            running.stop()
    results.update(_memory_while_draining(drained))
    return results


def _memory_while_draining(count: int = 10_000) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        service, running, store, client = _setup(Path(tmp))
        try:
            # Queue fast: one sealed box reused, inserted in one transaction (set-up only).
            when = datetime(2026, 11, 22, 8)
            db = sqlite3.connect(Path(tmp) / "kiosk" / "kiosk.db")
            key = service.seal_key.public_key()
            rows = []
            for n in range(count):
                code = f"000.00.01.H01-2611{22 + n // 5000:02d}-K01{n % 5000 + 1:04d}"
                rows.append((code, seal(_content(code, b""), key, code.encode())))
            with db:
                # Columns named: a later migration's nullable columns keep this working.
                db.executemany(
                    "INSERT INTO dossiers (code, procedure_code, received_at) "
                    "VALUES (?, 'LT-KS-TT-BHYT', ?)",
                    [(code, when.isoformat(sep=" ")) for code, _ in rows],
                )
                db.executemany("INSERT INTO dossier_contents (code, sealed) VALUES (?, ?)", rows)
                db.executemany(
                    "INSERT INTO outbox (code, state, idempotency_key, attempts) "
                    "VALUES (?, 'pending', ?, 0)",
                    [(code, os.urandom(16).hex()) for code, _ in rows],
                )
            del rows
            samples: list[float] = [_rss_mib()]  # at least one sample, however short the drain
            done = threading.Event()

            def sample() -> None:
                while not done.wait(0.05):
                    samples.append(_rss_mib())

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            started = time.perf_counter()
            sent = SyncWorker(store, client).run_once().sent
            done.set()
            sampler.join()
            samples.append(_rss_mib())
            assert sent == count, f"only {sent} of {count} sent"
            seconds = time.perf_counter() - started
        finally:
            running.stop()
    tenth = max(1, len(samples) // 10)
    first = statistics.mean(samples[:tenth])
    last = statistics.mean(samples[-tenth:])
    return {
        "drain_per_s": count / seconds,
        "rss_first_mib": first,
        "rss_last_mib": last,
        "rss_growth_mib": last - first,
    }
