"""One kiosk start-up, measured from inside: prints a JSON line.

    python benchmarks/startup_probe.py [idle seconds] [data folder]

Run by benchmarks/run.py in a fresh process each time (offscreen Qt, demo
mode, simulated devices), so imports and font loading are counted.  It starts
the kiosk the way ``kiosk demo`` does (the entry module, then
:func:`ui.app.start`) and stops the clock when the attract screen's first
frame is painted.  The line carries ``shown_at`` (``time.monotonic()``, one
clock for every process on Linux) so the parent can time the attract screen
from before it launched the interpreter.  Then it idles (default 2 s) with
the kiosk alive (devices, sync, face models loading) and reads the resident
memory.  A data folder kept between runs is a kiosk that has started before
(its database made); without one, a new temporary folder each time.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

T0 = time.perf_counter()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def measure(idle_s: float, data: str) -> dict[str, float]:
    import kiosk.cli.main  # noqa: F401  (what the `kiosk` command loads first)
    from kiosk.runtime.config import RuntimeFlags, load_config
    from kiosk.runtime.flow import Step
    from ui.app import start  # the core, then PySide6, as `kiosk demo` does

    imported = time.perf_counter()
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer

    settings = os.path.join(data, "kiosk.toml")  # an operator's settings file, as on a kiosk
    with open(settings, "w", encoding="utf-8") as fh:
        fh.write(f"[storage]\ndata_dir = {json.dumps(data)}\n[ui]\nfullscreen = false\n")
    config = load_config(Path(settings))
    painted: list[tuple[float, float, float]] = []  # (perf_counter, monotonic, CPU s)

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and not painted:
                usage = resource.getrusage(resource.RUSAGE_SELF)
                cpu = usage.ru_utime + usage.ru_stime
                painted.append((time.perf_counter(), time.monotonic(), cpu))
            return False

    started = start(config, RuntimeFlags(demo=True))
    watcher = FirstPaint()
    started.window.screens[Step.ATTRACT].installEventFilter(watcher)
    while not painted or not started.alive:
        started.app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
    shown, shown_at, cpu_s = painted[0]
    loop = QEventLoop()
    QTimer.singleShot(int(idle_s * 1000), loop.quit)  # idle, timers running
    loop.exec()
    idle_rss = rss_mib()
    started.stop()
    return {
        "import_s": imported - T0,
        "startup_s": shown - T0,
        "shown_at": shown_at,
        "cpu_s": cpu_s,
        "idle_rss_mib": idle_rss,
    }


def main() -> None:
    idle_s = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    if len(sys.argv) > 2:
        result = measure(idle_s, sys.argv[2])
    else:
        with tempfile.TemporaryDirectory() as data:
            result = measure(idle_s, data)
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
