"""Chaos: the syncing process is killed (SIGKILL) at random moments, many times.

Whatever the moment (mid-request, mid-commit, waiting for an answer that
was dropped), the centre ends up holding exactly the queued dossiers, each
once, each opening to the content the kiosk sealed.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

from kiosk.central.reference.server import FaultPlan
from offline_cache.store import SqlOutbox
from tests.central_helpers import KIOSK_ID, queue_dossiers, start_central
from tests.helpers import wait_until

COUNT = 40
KILLS = 12


@pytest.mark.timeout(300)  # twelve processes killed, then passes until all is sent
def test_killing_the_sync_at_random_moments_loses_nothing_and_duplicates_nothing(
    tmp_path: Path,
) -> None:
    seed = int(os.environ.get("CHAOS_SEED", random.randrange(1_000_000)))
    rng = random.Random(seed)
    central = start_central(tmp_path)
    try:
        store = SqlOutbox.open(tmp_path / "kiosk" / "kiosk.db", enrol=True)
        codes = queue_dossiers(store, central.service, COUNT)
        store.engine.dispose()
        # Slow answers and lost answers widen the windows a kill can land in.
        central.service.faults = FaultPlan(latency_s=0.03, drop_rate=0.15, seed=seed)
        config = tmp_path / "kiosk.toml"
        config.write_text(
            f'[storage]\ndata_dir = "{tmp_path / "kiosk"}"\n'
            f"[logging]\nfile = false\n"
            f"[sync]\n"
            f'central_url = "{central.running.url}"\n'
            f'kiosk_id = "{KIOSK_ID}"\n'
            f'credential = "{central.credential}"\n'
            f'central_public_key = "{tmp_path / "central" / "seal-public.pem"}"\n'
            "connect_timeout_s = 0.3\nread_timeout_s = 0.5\n"
            "backoff_initial_s = 0.1\nbackoff_max_s = 1\n",
            encoding="utf-8",
        )
        command = [sys.executable, "-m", "kiosk", "--config", str(config), "sync"]
        check = subprocess.run([*command, "status"], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        for _ in range(KILLS):
            process = subprocess.Popen(
                [*command, "run"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(rng.uniform(0.4, 1.5))  # start-up takes a few tenths of a second
            process.send_signal(signal.SIGKILL)
            process.wait()
        central.service.faults = FaultPlan()

        def sent_all() -> bool:
            subprocess.run([*command, "run", "--once"], capture_output=True, check=False)
            status = SqlOutbox.open(tmp_path / "kiosk" / "kiosk.db").status(datetime.now())
            return status["counts"] == {"sent": COUNT}

        # A killed worker's lease runs out; each pass is a new process (seconds to start on a
        # loaded machine) that stops at its first answer slower than 0.5 s: a generous bound.
        assert wait_until(sent_all, timeout=120, every=0.5), f"seed {seed}: not all sent"
        received = central.service.received()
        assert sorted(r.code for r in received) == sorted(codes), f"seed {seed}"
        assert len(received) == COUNT
        for index, code in enumerate(codes):
            content = central.service.open_dossier(code)
            assert (content["code"], content["answers"]["n"]) == (code, index)
        db = sqlite3.connect(tmp_path / "kiosk" / "kiosk.db")
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT count(*) FROM dossier_contents").fetchone()[0] == 0
    finally:
        central.running.stop()
