"""The boot units, the install script, and the kiosk under cage.

`systemd-analyze verify` checks the units as systemd would load them (with the
install prefix pointed at this checkout, whose `kiosk` command exists).  The cage
test starts the real compositor with its headless backend and the real kiosk as
its Wayland client, and reads the kiosk's watchdog messages on a NOTIFY_SOCKET.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
UNPRIVILEGED = ("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups")
UNITS = ("kiosk.service", "kiosk-doctor.service", "kiosk-doctor.timer")


def directives(unit: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in (PACKAGING / unit).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    for unit in UNITS:
        text = (PACKAGING / unit).read_text(encoding="utf-8")
        (tmp_path / unit).write_text(text.replace("/opt/vn-kiosk", str(ROOT)), encoding="utf-8")
    out = subprocess.run(
        ["systemd-analyze", "verify", *(str(tmp_path / unit) for unit in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [
        line
        for line in (out.stdout + out.stderr).splitlines()
        # Units the kiosk's names but this build machine does not have installed.
        if line.strip() and "getty@tty1" not in line and "graphical.target" not in line
    ]
    assert out.returncode == 0 and not problems, out.stdout + out.stderr


def test_the_kiosk_unit_restarts_it_watches_it_and_needs_the_reader_and_printer() -> None:
    unit = directives("kiosk.service")
    assert unit["Restart"] == ["always"] and unit["StartLimitIntervalSec"] == ["0"]
    assert unit["Type"] == ["notify"] and unit["NotifyAccess"] == ["all"]
    assert int(unit["WatchdogSec"][0]) > 0
    assert unit["User"] == ["kiosk"]
    assert unit["ExecStart"][0].startswith("/usr/bin/cage -d -- ")  # no -s: no VT switch
    for needed in ("pcscd.socket", "cups.service"):
        assert needed in unit["Wants"][0] and needed in unit["After"][0]


def test_the_install_script_says_each_step_in_a_dry_run() -> None:
    out = subprocess.run(
        ["sh", str(PACKAGING / "install.sh"), "--dry-run"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert out.returncode == 0, out.stderr
    assert "+ useradd --system" in out.stdout
    assert "+ systemctl enable kiosk.service" in out.stdout
    assert "cage" in out.stdout and "pcscd" in out.stdout
    # A kiosk that can speak and chime: the engine, a player, and the sound card's group.
    assert "espeak-ng" in out.stdout and " sox " in out.stdout and ",audio " in out.stdout


@pytest.fixture
def cage() -> Iterator[Path]:
    """cage with its headless backend, as an unprivileged user (it refuses to run as root).

    Its own child only holds the session open: the kiosk's interpreter lives under /root
    on this machine, out of reach of an unprivileged user, so the kiosk joins the
    compositor as a Wayland client.  Xwayland is not installed here (the install script
    installs it): WLR_XWAYLAND names a stand-in no X client ever starts.
    """
    if shutil.which("cage") is None or shutil.which("setpriv") is None:
        pytest.skip("cage or setpriv is not installed")
    if os.geteuid() != 0:
        pytest.skip("cage must be started as another user than the test's: needs root")
    runtime = Path(tempfile.mkdtemp(prefix="cage-"))
    shutil.chown(runtime, "nobody", "nogroup")
    runtime.chmod(0o711)
    env = dict(
        os.environ,
        HOME=str(runtime),
        XDG_RUNTIME_DIR=str(runtime),
        WLR_BACKENDS="headless",
        WLR_LIBINPUT_NO_DEVICES="1",
        WLR_RENDERER="pixman",
        WLR_XWAYLAND="/bin/false",
    )
    process = subprocess.Popen(
        [*UNPRIVILEGED, "cage", "-d", "--", "sleep", "120"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    display = runtime / "wayland-0"
    deadline = time.monotonic() + 10
    while not display.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if not display.exists():
        process.kill()
        err = process.communicate(timeout=10)[1].decode()[-500:]
        shutil.rmtree(runtime, ignore_errors=True)
        pytest.skip(f"cage does not start on this machine: {err}")
    try:
        yield display
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(runtime, ignore_errors=True)


def test_the_kiosk_starts_under_cage_and_pets_the_watchdog(cage: Path, tmp_path: Path) -> None:
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify.sock"))
    notify.settimeout(30)
    env = dict(
        os.environ,
        WAYLAND_DISPLAY=str(cage),
        QT_QPA_PLATFORM="wayland",
        XDG_RUNTIME_DIR=str(tmp_path),
        XDG_DATA_HOME=str(tmp_path / "data"),
        KIOSK_CONFIG=str(tmp_path / "kiosk.toml"),
        NOTIFY_SOCKET=str(tmp_path / "notify.sock"),
        WATCHDOG_USEC="3000000",
    )
    kiosk = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--demo"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    messages: list[str] = []
    try:
        while messages.count("WATCHDOG=1") < 2 and kiosk.poll() is None:
            messages.append(notify.recv(4096).decode())
    finally:
        kiosk.terminate()
        err = kiosk.communicate(timeout=20)[1].decode(errors="replace")
        notify.close()
    assert messages[0] == "READY=1", (messages, err[-2000:])
    assert messages.count("WATCHDOG=1") >= 2, (messages, err[-2000:])  # the GUI's timer pets it
