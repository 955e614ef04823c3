"""A hung kiosk is killed and started again by the systemd watchdog.

systemd is not PID 1 on the test machine (no `systemd-run --user`), so the test plays
systemd's part with what it really uses: a NOTIFY_SOCKET datagram socket, the
WATCHDOG_USEC/WATCHDOG_PID environment, SIGABRT when no WATCHDOG=1 came in time, and
Restart=always.  The supervised process is a real kiosk core (demo devices) whose
thread stops ticking, as a frozen GUI would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.runtime.watchdog import Watchdog

ROOT = Path(__file__).resolve().parents[2]
WATCHDOG_S = 1.5

KIOSK = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
    from kiosk.app import build_core
    from kiosk.base.events import QueueDispatcher
    from kiosk.runtime.config import KioskConfig, RuntimeFlags

    folder = Path(sys.argv[1])
    config = KioskConfig().replace(storage={"data_dir": str(folder)})
    core, _ = build_core(config, RuntimeFlags(demo=True), QueueDispatcher(),
                         central_key=X25519PrivateKey.generate().public_key(), sync=False)
    core.start()
    marker = folder / "hung-once"
    started = time.monotonic()
    while True:
        core.tick()                      # the GUI's one-second timer, faster
        time.sleep(0.05)
        if not marker.exists() and time.monotonic() - started > 1.0:
            marker.touch()
            time.sleep(3600)             # the core's thread hangs (a frozen screen)
    """
)


class Supervisor:
    """systemd's side of Type=notify + WatchdogSec + Restart=always, in a loop."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "notify.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.path))
        self.sock.settimeout(0.1)
        self.events: list[tuple[int, str]] = []  # (run number, message or "killed")
        self.run = 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.run += 1
        env = dict(os.environ, NOTIFY_SOCKET=str(self.path))
        env["WATCHDOG_USEC"] = str(int(WATCHDOG_S * 1_000_000))
        self.process = subprocess.Popen(
            [sys.executable, "-c", KIOSK, str(self.folder / "data")],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def supervise(self, seconds: float, done: Callable[[], bool]) -> None:
        assert self.process is not None
        deadline = time.monotonic() + seconds
        last: float | None = None  # the watchdog runs from READY=1 on
        while time.monotonic() < deadline and not done():
            try:
                message = self.sock.recv(4096).decode()
                self.events.append((self.run, message))
                if message in ("READY=1", "WATCHDOG=1"):
                    last = time.monotonic()
            except TimeoutError:
                pass
            if last is not None and time.monotonic() - last > WATCHDOG_S:
                self.process.send_signal(signal.SIGABRT)  # what systemd sends on a timeout
                self.process.wait(10)
                self.events.append((self.run, "killed"))
                self.start()  # Restart=always
                last = None
            elif self.process.poll() is not None:
                self.events.append((self.run, f"exited {self.process.returncode}"))
                self.start()
                last = None

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.sock.close()


def test_a_hung_kiosk_is_killed_and_restarted_by_the_watchdog(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path)
    try:
        supervisor.start()
        supervisor.supervise(
            30.0,
            lambda: [m for run, m in supervisor.events if run == 2].count("WATCHDOG=1") >= 3,
        )
    finally:
        supervisor.close()
    first = [m for run, m in supervisor.events if run == 1]
    second = [m for run, m in supervisor.events if run == 2]
    assert first[0] == "READY=1" and "WATCHDOG=1" in first, supervisor.events
    assert first[-1] == "killed", supervisor.events  # it hung: no WATCHDOG=1 in time
    assert second[0] == "READY=1", supervisor.events  # started again
    assert second.count("WATCHDOG=1") >= 3 and "killed" not in second, supervisor.events
    assert supervisor.run == 2


def test_outside_systemd_the_watchdog_does_nothing() -> None:
    watchdog = Watchdog(environ={})
    assert not watchdog.enabled
    watchdog.ready()
    watchdog.pet()  # no socket: nothing sent, nothing raised


def test_a_child_of_the_kiosk_does_not_pet_for_it(tmp_path: Path) -> None:
    env = {"NOTIFY_SOCKET": str(tmp_path / "s"), "WATCHDOG_USEC": "3000000"}
    assert Watchdog(environ={**env, "WATCHDOG_PID": str(os.getpid())}).interval_s == 1.0
    parent = str(os.getppid())  # cage, when the kiosk runs as its child
    assert Watchdog(environ={**env, "WATCHDOG_PID": parent}).interval_s == 1.0
    assert Watchdog(environ={**env, "WATCHDOG_PID": "999999999"}).interval_s is None
