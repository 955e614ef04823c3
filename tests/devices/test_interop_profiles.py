"""Chips we did not make (issue 12), through the real pcscd and vsmartcard's vpcd.

Every emulator profile of :mod:`devices.card.emulator.profiles` is read by the
technician's tool (`kiosk card read`) on "Virtual PCD 00 01" and by the kiosk (the
identify journey, through its PC/SC reader) on "Virtual PCD 00 00".  One pcscd and
one kiosk core serve the whole module (see tests/devices/test_pcsc.py for how the
daemon is found or started and stopped by its PID).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devices.card.base import ReaderState
from devices.card.emulator.pki import write_trust_store
from devices.card.emulator.profiles import OLD_ID_NUMBER, QUIRKS, quirk_chip
from devices.card.emulator.vpcd import VpcdCard
from devices.card.pcsc import list_readers
from tests.devices.test_card_cli import card_cli as card_cli_offline
from tests.devices.test_pcsc import READER, Pcscd, card_cli, on_second_reader

needs_pcscd = pytest.mark.skipif(
    shutil.which("pcscd") is None, reason="pcscd is not installed (make test installs it)"
)


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


@pytest.fixture(scope="module")
def kiosk(pcscd, pki, tmp_path_factory) -> Iterator[tuple[Any, Any]]:
    """One kiosk core on "Virtual PCD 00 00" for every profile (its demo centre on loopback)."""
    from devices.card.emulator.pki import save_pki
    from kiosk.app import build_core
    from kiosk.base.events import QueueDispatcher
    from kiosk.runtime.config import KioskConfig, RuntimeFlags

    data = tmp_path_factory.mktemp("kiosk")
    save_pki(pki, data / "demo-pki")  # the kiosk's demo trust store: this PKI's CSCA
    config = KioskConfig().replace(
        storage={"data_dir": str(data)},
        devices={"card_reader": "pcsc", "card_reader_name": READER},
    )
    dispatcher = QueueDispatcher()
    core, _sims = build_core(config, RuntimeFlags(demo=True), dispatcher)
    core.start()
    try:
        yield core, dispatcher
    finally:
        core.stop()


EXPECTED_EXIT = {quirk: 3 if quirk == "no_sod" else 0 for quirk in QUIRKS}


@needs_pcscd
@pytest.mark.parametrize("quirk", list(QUIRKS))
def test_the_technicians_cli_reads_each_chip_we_did_not_make(
    pcscd, pki, card, tmp_path: Path, capsys, quirk: str
) -> None:
    trust = write_trust_store(pki, tmp_path / "trust").parent
    vpcd = on_second_reader(quirk_chip(card.identity(), pki, quirk))
    try:
        argv = ["read", "--reader", "00 01", "--id", card.id_number, "--json"]
        argv += ["--dob", card.date_of_birth.isoformat(), "--expiry"]
        argv += [card.date_of_expiry.isoformat(), "--trust", str(trust)]  # type: ignore[union-attr]
        code = card_cli(argv, tmp_path)
    finally:
        vpcd.remove()
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    assert code == EXPECTED_EXIT[quirk], out.err
    report = json.loads(out.out.strip().splitlines()[-1])
    # Whatever the quirk, what the chip holds is read and shown.
    assert report["id_number"] == card.id_number
    assert report["full_name"] == card.full_name
    assert report["photo"] is True
    if quirk == "no_sod":
        # Shown, but said plainly: nothing vouches for it, and the kiosk refuses it.
        assert report["verifiable"] is False
        assert (report["kiosk"], report["refusal"]) == ("refused", "card.error.unverifiable")
        assert "cannot be verified" in out.err
    else:
        assert report["verifiable"] is True
        assert report["passive_authentication"] == "verified"
        assert report["active_authentication"] == report["chip_authentication"] == "verified"
        assert report["kiosk"] == "accepted"
    assert report["access_control"] == "BAC"  # pace_refused: PACE refused, then BAC
    assert report["old_id_number"] == (OLD_ID_NUMBER if quirk == "dg13_field16" else None)


@needs_pcscd
@pytest.mark.parametrize("quirk", list(QUIRKS))
def test_the_kiosk_reads_each_chip_we_did_not_make(kiosk, pki, card, quirk: str) -> None:
    from kiosk.runtime.flow import Step

    core, dispatcher = kiosk
    assert dispatcher.drain_until(
        lambda: (
            core.identify.reader_status is not None
            and core.identify.reader_status.state is ReaderState.READY
        ),
        30,
    )  # the last profile's card has gone
    vpcd = VpcdCard(quirk_chip(card.identity(), pki, quirk))
    try:
        vpcd.insert()
        assert dispatcher.drain_until(lambda: core.step is Step.ACCESS_KEY, 30)
        core.identify.submit_access_key(
            card.id_number, f"{card.date_of_birth:%d/%m/%Y}", f"{card.date_of_expiry:%d/%m/%Y}"
        )
        if quirk == "no_sod":
            # Refused, told to go to the counter; no attempt counted, no alarm raised.
            assert dispatcher.drain_until(lambda: core.step is Step.INSERT_CARD, 30)
            assert core.session.error_key == "card.error.unverifiable"
            assert core.session.card_attempts == 0
            assert core.session.identity is None
            return
        assert dispatcher.drain_until(lambda: core.step is Step.FACE_CHECK, 30), (
            core.step,
            core.session.error_key,
        )
        identity = core.session.identity
        assert identity.id_number == card.id_number  # type: ignore[union-attr]
        assert identity.full_name == card.full_name  # type: ignore[union-attr]
        assert identity.photo  # type: ignore[union-attr]
        assert identity.old_id_number == (  # type: ignore[union-attr]
            OLD_ID_NUMBER if quirk == "dg13_field16" else ""
        )
        assert core.session.authenticity == "verified"
        vpcd.remove()
        assert dispatcher.drain_until(lambda: core.step is Step.ATTRACT, 30)
    finally:
        vpcd.remove()


def test_the_emulator_names_the_quirks_it_knows(tmp_path: Path, capsys) -> None:
    assert card_cli_offline(["emulate", "--quirk", "no_such"], tmp_path) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--quirk no_such: expected one of no_sfi, no_do99" in err


@needs_pcscd
def test_the_real_command_line_says_plainly_a_card_without_ef_sod_cannot_be_verified(
    pcscd, tmp_path: Path
) -> None:
    import subprocess
    import sys

    from tests.devices.test_pcsc import ROOT, cli_env, emulate

    env = cli_env(tmp_path)
    emulator = emulate(env, "--quirk", "no_sod")
    try:
        ready = json.loads(emulator.stdout.readline())  # type: ignore[union-attr]
        assert ready["quirk"] == "no_sod"
        out = subprocess.run(
            [
                *(sys.executable, "-m", "kiosk", "card", "read", "--reader", "00 01"),
                *("--id", ready["id_number"], "--dob", ready["date_of_birth"]),
                *("--expiry", ready["date_of_expiry"], "--trust", ready["trust_store"]),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=ROOT,
        )
    finally:
        emulator.terminate()
        emulator.wait(10)
    assert out.returncode == 3, out.stderr[-1000:]
    assert "Traceback" not in out.stderr
    shown = dict(line.strip().split(": ", 1) for line in out.stdout.splitlines() if ": " in line)
    assert shown["id_number"] == ready["id_number"]  # what was read is shown…
    assert shown["verifiable"] == "False"  # …and said plainly to be unverified
    assert shown["refusal"] == "card.error.unverifiable"
    lines = [line for line in out.stderr.splitlines() if not line.startswith("{")]
    assert lines == [
        "unverified: the data above cannot be verified (the card has no EF.SOD): do not rely "
        "on it; the kiosk refuses this card"
    ]
