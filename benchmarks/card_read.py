"""A full chip read through pcscd + vsmartcard's vpcd against the project's emulator.

The emulator runs in its own process (`kiosk card emulate`), so the CPU time
measured here is the host's alone: PC/SC calls, secure messaging, parsing and
passive authentication.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 35964
READER = "00 01"


def _ensure_pcscd() -> subprocess.Popen | None:
    from devices.card.base import ReaderState
    from devices.card.pcsc import list_readers

    if list_readers()[0] is not ReaderState.NO_SERVICE:
        return None
    if shutil.which("pcscd") is None:
        raise RuntimeError("pcscd is not installed")
    process = subprocess.Popen(
        ["pcscd", "--foreground"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(100):
        if list_readers()[0] is not ReaderState.NO_SERVICE:
            return process
        time.sleep(0.1)
    raise RuntimeError("pcscd did not start")


def measure(runs: int = 10) -> list[dict[str, float]]:
    from devices.card.access import AccessKey
    from devices.card.mrtd.sod import load_trust_store
    from devices.card.pcsc import PcscCardReader

    pcscd = _ensure_pcscd()
    tmp = tempfile.TemporaryDirectory()
    emulator = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "card", "emulate", "--port", str(PORT), "--pki", tmp.name],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=ROOT,
    )
    results = []
    try:
        ready = json.loads(emulator.stdout.readline())  # type: ignore[union-attr]
        key = AccessKey.from_cccd(
            ready["id_number"],
            date.fromisoformat(ready["date_of_birth"]),
            date.fromisoformat(ready["date_of_expiry"]),
        )
        reader = PcscCardReader(READER, load_trust_store(Path(ready["trust_store"])), poll_s=0.05)
        present = threading.Event()
        reader.card_inserted.connect(lambda _s: present.set())
        reader.start()
        if not present.wait(10):
            raise RuntimeError("the emulated card did not appear")
        reader.read_card(key).result(30)  # warm-up
        for _ in range(runs):
            cpu, wall = time.process_time(), time.perf_counter()
            result = reader.read_card(key).result(30)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            assert result.authenticity == "verified"
            # Passive, active and chip authentication (signatures, ECDH) are CPU work done
            # once per read, not per APDU: reported on their own lines.
            pa_ms = result.timings_ms.get("passive_authentication", 0.0)
            clone_ms = result.timings_ms.get("active_authentication", 0.0) + result.timings_ms.get(
                "chip_authentication", 0.0
            )
            results.append(
                {
                    "wall_ms": wall * 1000,
                    "apdus": result.apdus,
                    "bytes_in": result.bytes_in,
                    "cpu_ms": cpu * 1000,
                    "cpu_per_apdu_ms": (cpu * 1000 - pa_ms - clone_ms) / result.apdus,
                    "clone_ms": clone_ms,
                    "pa_ms": pa_ms,
                    "dg2_ms": result.timings_ms.get("DG2", 0.0),
                }
            )
        reader.stop()
    finally:
        emulator.terminate()
        emulator.wait(10)
        tmp.cleanup()
        if pcscd is not None:  # only the daemon started here, by its PID
            pcscd.terminate()
            pcscd.wait(10)
    return results
