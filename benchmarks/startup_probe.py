"""One kiosk start-up, measured from inside: prints a JSON line.

Run by benchmarks/run.py in a fresh process each time (offscreen Qt, demo
mode, simulated devices), so imports and font loading are counted.  The
line carries ``shown_at`` (``time.monotonic()``, one clock for every process
on Linux) so the parent can time the attract screen from before it started
the interpreter.  ``python startup_probe.py [idle seconds]``: how long to idle
before reading the resident memory (default 2).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time

T0 = time.perf_counter()
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    from kiosk.runtime.config import KioskConfig, RuntimeFlags
    from kiosk.runtime.flow import Step
    from ui.app import application, build_window

    imported = time.perf_counter()
    app = application()
    with tempfile.TemporaryDirectory() as data:
        config = KioskConfig().replace(storage={"data_dir": data}, ui={"fullscreen": False})
        window, core, _sims, _dispatcher = build_window(config, RuntimeFlags(demo=True))
        core.start()
        window.show()
        attract = window.screens[Step.ATTRACT]
        while not (attract.isVisible() and attract.visibleRegion().boundingRect().height() > 0):
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
        window.grab()  # the first full paint
        shown, shown_at = time.perf_counter(), time.monotonic()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        idle_s = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
        loop = QEventLoop()
        QTimer.singleShot(int(idle_s * 1000), loop.quit)  # idle, timers running
        loop.exec()
        idle_rss = rss_mib()
        core.stop()
    print(
        json.dumps(
            {
                "import_s": imported - T0,
                "startup_s": shown - T0,
                "shown_at": shown_at,
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "idle_rss_mib": idle_rss,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
