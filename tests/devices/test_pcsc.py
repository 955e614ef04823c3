"""The PC/SC adapter through the real pcscd and vsmartcard's virtual reader.

The chip on the other side is the project's emulator, connected to vpcd over
TCP, exactly as `kiosk card emulate` does.  pcscd and vsmartcard-vpcd are
installed by `make test`.

A test stops only a process it started, by its PID.  pcsc-lite 1.9's daemon
always serves /run/pcscd/pcscd.comm (PCSCLITE_CSOCK_NAME moves only the
client's end) and refuses to start beside another pcscd, so the fixture cannot
run a private daemon next to the machine's: when a pcscd already runs (on a
kiosk, the production one), the tests use it and leave it running, and the
restart test, which must stop the daemon, is skipped.  Otherwise the fixture
starts `pcscd --foreground` and stops that process when the module ends.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from devices.card.access import AccessKey
from devices.card.base import (
    AccessDeniedError,
    CardDeadlines,
    CardError,
    CardRemovedError,
    CardTimeoutError,
    ReaderState,
)
from devices.card.emulator.builder import build_chip
from devices.card.emulator.chip import EmulatedChip
from devices.card.emulator.vpcd import VpcdCard
from devices.card.pcsc import PcscCardReader, list_readers
from tests.helpers import key_for, wait_until

SOCKET = Path("/run/pcscd/pcscd.comm")
PID_FILE = Path("/run/pcscd/pcscd.pid")
READER = "Virtual PCD 00 00"
pytestmark = pytest.mark.skipif(
    shutil.which("pcscd") is None, reason="pcscd is not installed (make test installs it)"
)


def serving() -> bool:
    return SOCKET.exists() and list_readers()[0] is not ReaderState.NO_SERVICE


class Pcscd:
    """The pcscd the tests talk to: one already running (left alone) or one they started."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def owned(self) -> bool:
        """True when this fixture started the daemon, so it may stop it."""
        return self.process is not None

    def ensure_running(self) -> None:
        if serving():
            return
        self.process = subprocess.Popen(
            ["pcscd", "--foreground"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if serving() and READER in list_readers()[1]:
                return
            if self.process.poll() is not None:  # e.g. another pcscd started meanwhile
                code, self.process = self.process.returncode, None
                raise RuntimeError(f"pcscd exited at start (status {code})")
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("pcscd did not start")

    def stop(self) -> None:
        """Stop the daemon this fixture started, by its PID; never another one."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
        self.process = None


@pytest.fixture(scope="module")
def pcscd() -> Iterator[Pcscd]:
    daemon = Pcscd()
    daemon.ensure_running()
    try:
        if READER not in list_readers()[1]:
            pytest.skip(f"the running pcscd has no {READER!r} (vsmartcard-vpcd not loaded)")
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture
def reader(pcscd, pki) -> Iterator[PcscCardReader]:
    reader = PcscCardReader(READER, [pki.csca], poll_s=0.05)
    reader.start()
    yield reader
    reader.stop()


def wait_state(reader: PcscCardReader, state: ReaderState, timeout: float = 20) -> None:
    reached = wait_until(lambda: reader.status().state is state, timeout, every=0.02)
    assert reached, f"reader stayed {reader.status().state}"


def insert(reader: PcscCardReader, chip: EmulatedChip) -> VpcdCard:
    wait_state(reader, ReaderState.READY)  # the last test's card has really gone
    seen = threading.Event()
    handler = reader.card_inserted.connect(lambda _s: seen.set())
    vpcd = VpcdCard(chip)
    vpcd.insert()
    assert seen.wait(20), "pcscd did not report the card"
    reader.card_inserted.disconnect(handler)
    return vpcd


def test_full_read_through_pcscd(reader, pki, card) -> None:
    vpcd = insert(reader, EmulatedChip(build_chip(card.identity(), pki)))
    try:
        result = reader.read_card(key_for(card)).result(timeout=30)
    finally:
        vpcd.remove()
    assert result.identity.full_name == card.full_name
    assert result.identity.id_number == card.id_number
    assert result.authenticity == "verified"
    assert result.apdus <= 24  # 6 files, BAC, active and chip authentication


def test_removal_is_reported(reader, pki, card) -> None:
    vpcd = insert(reader, EmulatedChip(build_chip(card.identity(), pki)))
    removed = threading.Event()
    reader.card_removed.connect(lambda _s: removed.set())
    vpcd.remove()
    assert removed.wait(20)
    assert reader.status().state is ReaderState.READY


def test_a_wrong_key_through_pcscd(reader, pki, card) -> None:
    vpcd = insert(reader, EmulatedChip(build_chip(card.identity(), pki)))
    try:
        with pytest.raises(AccessDeniedError):
            reader.read_card(key_for(card, date(2040, 1, 1))).result(timeout=30)
    finally:
        vpcd.remove()


def test_a_bad_mac_through_pcscd(reader, pki, card) -> None:
    chip = EmulatedChip(build_chip(card.identity(), pki))
    chip.corrupt_mac = True
    vpcd = insert(reader, chip)
    try:
        with pytest.raises(CardError):
            reader.read_card(key_for(card)).result(timeout=30)
    finally:
        vpcd.remove()


@pytest.mark.parametrize(
    ("tamper", "field", "verdict"),
    [
        ("untrusted", "authenticity", "signer_not_trusted"),
        ("clone", "active_authentication", "failed"),
        ("clone", "chip_authentication", "failed"),
        (None, "active_authentication", "verified"),
        (None, "chip_authentication", "verified"),
    ],
)
def test_tampered_cards_through_pcscd(reader, pki, card, tamper, field, verdict) -> None:
    vpcd = insert(reader, EmulatedChip(build_chip(card.identity(), pki, tamper=tamper)))
    try:
        result = reader.read_card(key_for(card)).result(timeout=30)
    finally:
        vpcd.remove()
    assert getattr(result, field) == verdict


def test_an_altered_card_through_pcscd_is_not_genuine(reader, pki, card) -> None:
    from devices.card.base import NotGenuineError

    vpcd = insert(reader, EmulatedChip(build_chip(card.identity(), pki, tamper="altered")))
    try:
        with pytest.raises(NotGenuineError, match="DG13"):
            reader.read_card(key_for(card)).result(timeout=30)
    finally:
        vpcd.remove()


def test_the_card_pulled_out_mid_read(reader, pki, card) -> None:
    chip = EmulatedChip(build_chip(card.identity(), pki))
    real = chip.transmit

    def slow(apdu: bytes) -> bytes:
        time.sleep(0.05)
        return real(apdu)

    chip.transmit = slow  # type: ignore[method-assign]
    vpcd = insert(reader, chip)
    future = reader.read_card(key_for(card))
    time.sleep(0.3)
    vpcd.remove()
    with pytest.raises(CardRemovedError):
        future.result(timeout=30)


def test_no_pcscd_is_said_plainly(tmp_path: Path) -> None:
    code = "from devices.card.pcsc import list_readers; print(list_readers()[0].value)"
    env = dict(os.environ, PCSCLITE_CSOCK_NAME=str(tmp_path / "no-pcscd.comm"))
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "no_service"


def test_the_adapter_survives_a_pcscd_restart(pcscd, reader, pki, card) -> None:
    if not pcscd.owned:
        pid = PID_FILE.read_text().strip("\x00 \n") if PID_FILE.exists() else "unknown"
        pytest.skip(
            f"pcscd (pid {pid}) was already running and these tests did not start it: "
            "stopping it would cut off whoever uses it (run with no pcscd to test a restart)"
        )
    wait_state(reader, ReaderState.READY)  # its first poll done: the loss is a change
    states: list[ReaderState] = []
    reader.status_changed.connect(lambda s: states.append(s.state))
    pcscd.stop()
    assert wait_until(lambda: ReaderState.NO_SERVICE in states, timeout=10, every=0.05)
    pcscd.ensure_running()
    vpcd = insert(reader, EmulatedChip(build_chip(card.identity(), pki)))
    try:
        assert reader.read_card(key_for(card)).result(timeout=30).authenticity == "verified"
    finally:
        vpcd.remove()


ROOT = Path(__file__).resolve().parents[2]


def cli_env(tmp_path: Path) -> dict[str, str]:
    """The technician's terminal: the kiosk's data and settings in ``tmp_path``."""
    return dict(os.environ, XDG_DATA_HOME=str(tmp_path), KIOSK_CONFIG=str(tmp_path / "k.toml"))


def emulate(env: dict[str, str], *options: str) -> subprocess.Popen[str]:
    """``kiosk card emulate`` on vpcd's port; it prints one JSON line once the card is in."""
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk", "card", "emulate", "--port", "35964", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=ROOT,
    )


@pytest.mark.parametrize("document", ["cccd", "passport"])
def test_technician_cli_emulates_and_reads_a_card(pcscd, tmp_path: Path, document: str) -> None:
    import json

    env = cli_env(tmp_path)
    emulator = emulate(env, "--document", document)
    try:
        ready = json.loads(emulator.stdout.readline())  # type: ignore[union-attr]
        assert ready["ready"] and ready["document"] == document
        if document == "cccd":
            assert len(ready["id_number"]) == 12 and ready["can"]
            key = ["--id", ready["id_number"], "--dob", ready["date_of_birth"]]
            key += ["--expiry", ready["date_of_expiry"]]
        else:  # a passport: no 12-digit ID number, its MRZ (or --document-number) opens it
            assert ready["id_number"] is None and ready["document_number"]
            key = ["--mrz", ready["mrz"]]
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "kiosk",
                "card",
                "read",
                "--reader",
                "00 01",
                *key,
                "--trust",
                ready["trust_store"],
                "--photo",
                str(tmp_path / "chip.jpg"),
                "--json",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=ROOT,
        )
        report = json.loads(out.stdout.strip().splitlines()[-1])
        assert report["passive_authentication"] == "verified"
        assert {"access_control", "DG2", "EF.SOD"} <= set(report["timings_ms"])
        assert (tmp_path / "chip.jpg").read_bytes().startswith(b"\xff\xd8")
        if document == "cccd":
            assert out.returncode == 0, out.stderr[-1000:]
            assert report["id_number"] == ready["id_number"]
            assert report["kiosk"] == "accepted"
        else:  # read and shown, but the kiosk needs the CCCD: exit status 3
            assert out.returncode == 3, out.stderr[-1000:]
            assert (report["document_code"], report["citizen_data"]) == ("P", False)
            assert report["refusal"] == "card.error.not_id_card"
    finally:
        emulator.terminate()
        emulator.wait(10)


def test_cli_readers_lists_the_virtual_readers(pcscd) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "kiosk", "card", "readers"],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.returncode == 0 and READER in out.stdout


def test_the_kiosk_identifies_a_citizen_through_pcscd(pcscd, pki, card, tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from devices.card.emulator.pki import save_pki
    from kiosk.app import build_core
    from kiosk.base.events import QueueDispatcher
    from kiosk.runtime.config import KioskConfig, RuntimeFlags
    from kiosk.runtime.flow import Step

    save_pki(pki, tmp_path / "demo-pki")  # the kiosk's demo trust store: this PKI's CSCA
    config = KioskConfig().replace(
        storage={"data_dir": str(tmp_path)},
        devices={"card_reader": "pcsc", "card_reader_name": READER},
    )
    dispatcher = QueueDispatcher()
    core, sims = build_core(
        config,
        RuntimeFlags(demo=True),
        dispatcher,
        central_key=X25519PrivateKey.generate().public_key(),
    )
    assert sims.reader is None  # no demo panel: a real reader
    core.start()
    vpcd = VpcdCard(EmulatedChip(build_chip(card.identity(), pki)))
    try:
        vpcd.insert()
        assert dispatcher.drain_until(lambda: core.step is Step.ACCESS_KEY, 30)
        core.identify.submit_access_key(
            card.id_number, f"{card.date_of_birth:%d/%m/%Y}", f"{card.date_of_expiry:%d/%m/%Y}"
        )
        assert dispatcher.drain_until(lambda: core.step is Step.FACE_CHECK, 30)
        assert core.session.identity.full_name == card.full_name  # type: ignore[union-attr]
        assert core.session.authenticity == "verified"
        vpcd.remove()
        assert dispatcher.drain_until(lambda: core.step is Step.ATTRACT, 30)
        assert core.last_end_reason == "card_removed"
    finally:
        vpcd.remove()
        core.stop()


@pytest.mark.parametrize("parameter", [12, 13])
def test_pace_with_the_can_through_pcscd(reader, pki, card, parameter) -> None:
    content = build_chip(card.identity(), pki, pace_parameter=parameter)
    vpcd = insert(reader, EmulatedChip(content))
    try:
        result = reader.read_card(AccessKey(can=content.can)).result(timeout=30)
    finally:
        vpcd.remove()
    assert result.access_control == "PACE"
    assert result.authenticity == "verified"


def test_reading_does_not_look_like_a_card_swap(reader, pki, card) -> None:
    removed: list[object] = []
    vpcd = insert(reader, EmulatedChip(build_chip(card.identity(), pki)))
    reader.card_removed.connect(removed.append)
    try:
        reader.read_card(key_for(card)).result(timeout=30)
        reader.read_card(key_for(card)).result(timeout=30)
        time.sleep(0.3)  # several polls
        assert removed == []
        assert reader.status().state is ReaderState.CARD_PRESENT
    finally:
        vpcd.remove()


# A chip that stops answering (issue 20) ---------------------------------------------------


def silent_chip(pki, card, after: int) -> EmulatedChip:
    chip = EmulatedChip(build_chip(card.identity(), pki))
    chip.silent_after = after  # over vpcd: no answer at all, the connection kept open
    return chip


def test_a_silent_chip_through_pcscd_is_abandoned_and_the_next_card_is_read(
    pcscd, pki, card
) -> None:
    reader = PcscCardReader(READER, [pki.csca], poll_s=0.05, deadlines=CardDeadlines(1.0, 20))
    reader.start()
    try:
        vpcd = insert(reader, silent_chip(pki, card, after=6))
        started = time.monotonic()
        with pytest.raises(CardTimeoutError) as raised:
            reader.read_card(key_for(card)).result(timeout=15)
        # The 1 s deadline, not the 20 s one for the whole read; pcscd alone waits for ever.
        assert time.monotonic() - started < 10
        assert raised.value.where  # names the step: "EF.COM: no answer within 1 s (…)"
        assert str(raised.value).startswith(f"{raised.value.where}: no answer within 1 s")
        wait_state(reader, ReaderState.NOT_RESPONDING)
        vpcd.remove()  # taking the card off ends the call pcscd was holding
        wait_state(reader, ReaderState.READY)
        vpcd = insert(reader, EmulatedChip(build_chip(card.identity(), pki)))
        try:
            assert reader.read_card(key_for(card)).result(timeout=30).authenticity == "verified"
        finally:
            vpcd.remove()
    finally:
        reader.stop()
    assert wait_until(lambda: not [t for t in threading.enumerate() if t.name == "card-io"])


def test_the_kiosk_recovers_from_a_silent_chip_through_pcscd(
    pcscd, pki, card, tmp_path: Path
) -> None:
    from devices.card.emulator.pki import save_pki
    from kiosk.app import build_core
    from kiosk.base.events import QueueDispatcher
    from kiosk.runtime.config import KioskConfig, RuntimeFlags
    from kiosk.runtime.flow import Step

    save_pki(pki, tmp_path / "demo-pki")
    config = KioskConfig().replace(
        storage={"data_dir": str(tmp_path)},
        devices={"card_reader": "pcsc", "card_reader_name": READER, "card_apdu_timeout_s": 1.0},
    )
    dispatcher = QueueDispatcher()
    # No central key given: the demo's own centre runs on loopback, with the heartbeat.
    core, _sims = build_core(config, RuntimeFlags(demo=True), dispatcher)
    core.start()
    silent = VpcdCard(silent_chip(pki, card, after=6))
    healthy = VpcdCard(EmulatedChip(build_chip(card.identity(), pki)))
    typed = (card.id_number, f"{card.date_of_birth:%d/%m/%Y}", f"{card.date_of_expiry:%d/%m/%Y}")
    try:
        silent.insert()
        assert dispatcher.drain_until(lambda: core.step is Step.ACCESS_KEY, 30)
        core.identify.submit_access_key(*typed)
        assert dispatcher.drain_until(lambda: core.step is Step.INSERT_CARD, 30)
        # Told plainly what to do; not counted as a wrong key.  On a loaded machine
        # pcscd's virtual-reader driver may give up on the silent chip before our
        # deadline does: then the citizen is told to place the card again, the same
        # advice, and no call is left hanging.
        assert core.session.error_key in ("card.error.timeout", "card.error.removed")
        assert core.session.card_attempts == 0
        if core.session.error_key == "card.error.timeout":
            assert dispatcher.drain_until(
                lambda: core.identify.reader_status.state is ReaderState.NOT_RESPONDING, 30
            )
            heartbeat = core.sync.heartbeat_payload()  # type: ignore[union-attr]
            assert heartbeat["devices"]["card_reader"] == "not_responding"
        silent.remove()
        assert dispatcher.drain_until(
            lambda: core.identify.reader_status.state is ReaderState.READY, 30
        )
        healthy.insert()  # the next citizen's card, no restart
        assert dispatcher.drain_until(lambda: core.step is Step.ACCESS_KEY, 30)
        core.identify.submit_access_key(*typed)
        assert dispatcher.drain_until(lambda: core.step is Step.FACE_CHECK, 30)
        assert core.session.authenticity == "verified"
    finally:
        silent.remove()
        healthy.remove()
        core.stop()


def test_technician_cli_fails_cleanly_within_the_deadline_on_a_silent_chip(
    pcscd, tmp_path: Path
) -> None:
    import json

    env = cli_env(tmp_path)
    emulator = emulate(env, "--silent-after", "6")
    try:
        ready = json.loads(emulator.stdout.readline())  # type: ignore[union-attr]
        assert ready["silent_after"] == 6
        started = time.monotonic()
        out = subprocess.run(
            [
                *(sys.executable, "-m", "kiosk", "card", "read", "--reader", "00 01"),
                *("--id", ready["id_number"], "--dob", ready["date_of_birth"]),
                *("--expiry", ready["date_of_expiry"], "--apdu-timeout", "1"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=ROOT,
        )
        elapsed = time.monotonic() - started
    finally:
        emulator.terminate()
        emulator.wait(10)
    assert out.returncode == 1
    assert elapsed < 20  # start-up, then the 1 s deadline (it used to hang, then trace back)
    assert "Traceback" not in out.stderr
    # One line for the technician (besides the kiosk's JSON log lines), naming the step.
    lines = [line for line in out.stderr.splitlines() if not line.startswith("{")]
    assert len(lines) == 1, out.stderr
    assert re.match(r"read failed: (access control|EF\.COM|DG\d+): no answer within 1 s", lines[0])


# The technician's tool decides as the kiosk does ----------------------------------------


def on_second_reader(chip: EmulatedChip) -> VpcdCard:
    """Place ``chip`` on "Virtual PCD 00 01" once the last card there has really gone."""
    monitor = PcscCardReader("Virtual PCD 00 01", poll_s=0.05)
    monitor.start()
    try:
        wait_state(monitor, ReaderState.READY)
        vpcd = VpcdCard(chip, port=35964)
        vpcd.insert()
        wait_state(monitor, ReaderState.CARD_PRESENT)
    finally:
        monitor.stop()
    return vpcd


def card_cli(argv: list[str], data_root: Path, **devices: object) -> int:
    """`kiosk card …` in this process (against the real pcscd), with these device settings."""
    import argparse

    from kiosk.cli.card import add_card_commands, run_card_command
    from kiosk.runtime.config import KioskConfig

    parser = argparse.ArgumentParser(prog="kiosk")
    add_card_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["card", *argv])
    return run_card_command(args, data_root, KioskConfig().replace(devices=devices))


@pytest.mark.parametrize(
    ("tamper", "require_trusted", "status", "refusal"),
    [
        (None, False, 0, None),
        ("clone", False, 3, "card.error.not_genuine"),
        ("altered", False, 3, "card.error.not_genuine"),
        ("altered_certificate", False, 3, "card.error.not_genuine"),
        ("no_sod", False, 3, "card.error.unverifiable"),
        ("untrusted", False, 0, None),
        ("untrusted", True, 3, "card.error.untrusted"),
    ],
)
def test_technician_cli_exit_status_follows_the_kiosks_decision(
    pcscd, pki, card, tmp_path: Path, capsys, tamper, require_trusted, status, refusal
) -> None:
    import json

    from devices.card.emulator.pki import write_trust_store

    trust = write_trust_store(pki, tmp_path / "trust").parent
    vpcd = on_second_reader(EmulatedChip(build_chip(card.identity(), pki, tamper=tamper)))
    try:
        argv = ["read", "--reader", "00 01", "--id", card.id_number, "--json"]
        argv += ["--dob", card.date_of_birth.isoformat(), "--expiry"]
        argv += [card.date_of_expiry.isoformat(), "--trust", str(trust)]  # type: ignore[union-attr]
        code = card_cli(argv, tmp_path, require_trusted_signer=require_trusted)
    finally:
        vpcd.remove()
    out = capsys.readouterr()
    assert code == status, out.err
    report = json.loads(out.out.strip().splitlines()[-1])
    assert report["kiosk"] == ("accepted" if status == 0 else "refused")
    assert report["refusal"] == refusal
    assert "Traceback" not in out.err


def test_technician_cli_reads_a_passport_without_dg13(pcscd, pki, card, tmp_path, capsys) -> None:
    import json

    from devices.card.emulator.builder import build_passport
    from devices.card.emulator.pki import write_trust_store

    trust = write_trust_store(pki, tmp_path / "trust").parent
    content = build_passport(card.identity(), pki)
    vpcd = on_second_reader(EmulatedChip(content))
    try:
        argv = ["read", "--reader", "00 01", "--mrz", content.mrz, "--json"]
        argv += ["--trust", str(trust), "--photo", str(tmp_path / "photo.jpg")]
        code = card_cli(argv, tmp_path)
    finally:
        vpcd.remove()
    out = capsys.readouterr()
    report = json.loads(out.out.strip().splitlines()[-1])
    assert (report["document_code"], report["issuing_state"]) == ("P", "VNM")  # its CSCA's
    assert report["citizen_data"] is False
    assert report["full_name"] == "TRAN THI NGOC ANH"  # from DG1's MRZ
    assert report["date_of_birth"] == card.date_of_birth.isoformat()
    assert report["passive_authentication"] == "verified"
    assert report["active_authentication"] == report["chip_authentication"] == "verified"
    assert (tmp_path / "photo.jpg").read_bytes().startswith(b"\xff\xd8")
    # Genuine, but the kiosk's services need the CCCD: it would refuse it, and says why.
    assert (code, report["kiosk"], report["refusal"]) == (3, "refused", "card.error.not_id_card")
