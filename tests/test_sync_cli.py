"""The sync from a terminal: a reference centre, demo dossiers, and the kiosk's worker."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from kiosk.central.reference.server import CentralService
from kiosk.cli.dossier import submit_demo
from kiosk.cli.main import main
from kiosk.runtime.config import load_config
from offline_cache.store import SqlOutbox


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, timeout=120
    )


def test_two_terminals_a_centre_and_a_kiosk_that_sends_it_dossiers(tmp_path: Path) -> None:
    central_dir = tmp_path / "central"
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk",
            "central",
            "serve",
            "--data-dir",
            str(central_dir),
            "--port",
            "0",
            "--kiosk",
            "000.00.01.H01-K01",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        assert serve.stdout is not None
        while not (line := serve.stdout.readline()).startswith("serving"):
            assert line, f"central serve stopped: {lines}"
            lines.append(line.strip())
        snippet = next(line.split(": ", 1)[1].split()[0] for line in lines if "settings" in line)
        config = tmp_path / "kiosk.toml"
        config.write_text(
            Path(snippet).read_text(encoding="utf-8")
            + f'[storage]\ndata_dir = "{tmp_path / "kiosk"}"\n',
            encoding="utf-8",
        )
        submitted = kiosk("--config", str(config), "dossier", "submit-demo", "--count", "2")
        assert submitted.returncode == 0, submitted.stderr
        codes = submitted.stdout.split()
        sent = kiosk("--config", str(config), "sync", "run", "--once")
        assert sent.stdout.startswith("sent 2, retry later 0, refused 0"), sent.stderr
        status = kiosk("--config", str(config), "sync", "status", "--json")
        assert json.loads(status.stdout.splitlines()[-1])["counts"] == {"sent": 2}
        centre = CentralService(central_dir)
        assert [r.code for r in centre.received()] == codes
        assert centre.open_dossier(codes[0])["citizen"]["full_name"]
    finally:
        serve.terminate()
        serve.wait(10)


def test_retry_names_what_it_cannot_retry(tmp_path: Path, capsys) -> None:
    config = tmp_path / "k.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    assert main(["--config", str(config), "sync", "retry", "NOPE-1"]) == 1
    assert "no dossier NOPE-1" in capsys.readouterr().out


def test_sync_run_without_a_centre_says_what_to_set(tmp_path: Path, capsys) -> None:
    config = tmp_path / "k.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    assert main(["--config", str(config), "sync", "run", "--once"]) == 2
    assert "sync.central_url" in capsys.readouterr().err


def test_the_demo_kiosk_sends_its_dossiers_to_its_own_central_service(tmp_path: Path) -> None:
    config_file = tmp_path / "k.toml"
    config_file.write_text(f'[storage]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    codes = submit_demo(load_config(config_file, environ={}), 2, sync=True)
    assert SqlOutbox.open(tmp_path / "kiosk.db").status(datetime.now())["counts"] == {"sent": 2}
    centre = CentralService(tmp_path / "demo-central")
    assert [r.code for r in centre.received()] == codes
    from kiosk.central.reference.server import Heartbeat

    with centre._sessions() as session:
        [beat] = session.query(Heartbeat).all()
    payload = json.loads(beat.payload)
    from kiosk import __version__

    assert payload["version"] == __version__ and isinstance(payload["queue"], dict)
    assert set(payload["devices"]) == {"card_reader", "printer"}


def test_the_kiosk_looks_a_sent_dossier_up_at_the_centre_checking_the_id_number(
    tmp_path: Path,
) -> None:
    from kiosk.app import build_core
    from kiosk.base.events import QueueDispatcher
    from kiosk.runtime.config import RuntimeFlags

    config = load_config(tmp_path / "absent.toml", environ={}).replace(
        storage={"data_dir": str(tmp_path)}
    )
    [code] = submit_demo(config, 1, sync=True)
    dispatcher = QueueDispatcher()
    core, sims = build_core(config, RuntimeFlags(demo=True), dispatcher)
    assert sims.card is not None
    results = []
    core.lookup.finished.connect(results.append)
    core.start()
    try:
        for asked, id_number in enumerate((sims.card.id_number, "001099999999"), start=1):
            assert core.lookup.request(code, id_number) is None
            assert dispatcher.drain_until(lambda asked=asked: len(results) == asked, 30)
    finally:
        core.stop()
    assert [r.status_key for r in results] == ["lookup.status.received", "lookup.status.not_found"]
