"""The GUI entry point: QApplication, fonts, the window, crash recovery.

Start-up is ordered for the attract screen (`make bench`: within 1.5 s of
launch, interpreter included):

- the Qt-free core is imported before PySide6: once loaded, PySide6's import
  hook (its ``__feature__`` check) reads the source of every module imported
  after it, which costs the core's few hundred modules about 0.2 s;
- the window is shown first; the kiosk comes alive (devices, the sync worker,
  the face models) once the attract screen's first frame is painted, so no
  background thread competes with that frame for the interpreter.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from types import TracebackType

from kiosk.app import Simulators, build_core

# isort: split
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.core import KioskCore
from kiosk.printing.fonts import FAMILY, font_files
from kiosk.runtime.config import KioskConfig, RuntimeFlags
from ui.bridge import QtDispatcher
from ui.main_window import KioskWindow

log = logging.getLogger(__name__)

ALIVE_AT_THE_LATEST_MS = 2000
"""Come alive even if no paint arrives (a window that is never exposed)."""


def application() -> QApplication:
    """The QApplication (created once), with the Vietnamese font loaded."""
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    for path in font_files().values():
        QFontDatabase.addApplicationFont(str(path))
    app.setFont(QFont(FAMILY, 14))
    return app


def build_window(
    config: KioskConfig, flags: RuntimeFlags, **core_options: object
) -> tuple[KioskWindow, KioskCore, Simulators, QtDispatcher]:
    dispatcher = QtDispatcher()
    core, sims = build_core(config, flags, dispatcher, **core_options)  # type: ignore[arg-type]
    dispatcher.on_error = core.recover
    window = KioskWindow(core, sims if flags.demo else None)
    window.resize(config.ui.width, config.ui.height)
    return window, core, sims, dispatcher


class _AfterFirstPaint(QObject):
    """Runs ``action`` once, just after ``widget`` is first painted (or after a while)."""

    def __init__(self, widget: QWidget, action: Callable[[], None]) -> None:
        super().__init__(widget)
        self._widget = widget
        self._action: Callable[[], None] | None = action
        widget.installEventFilter(self)
        QTimer.singleShot(ALIVE_AT_THE_LATEST_MS, self._run)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Paint:
            self._widget.removeEventFilter(self)
            QTimer.singleShot(0, self._run)  # once this paint is done
        return False

    def _run(self) -> None:
        action, self._action = self._action, None
        if action is not None:
            action()


class Started:
    """The running kiosk: the window on screen, the core started after its first paint."""

    def __init__(self, app: QApplication, window: KioskWindow, core: KioskCore, demo: bool) -> None:
        self.app, self.window, self.core, self.demo = app, window, core, demo
        self.alive = False

    def come_alive(self) -> None:
        """Devices, services and the face models: after the attract screen is painted."""
        self.core.start()
        self.alive = True
        self.core.preload()  # face models and address units, off the GUI thread
        log.info("kiosk_started", extra={"fields": {"demo": self.demo}})

    def stop(self) -> None:
        if self.alive:
            self.core.stop()


def start(config: KioskConfig, flags: RuntimeFlags) -> Started:
    """Show the kiosk's window; the core starts once the attract screen is painted."""
    app = application()
    window, core, _sims, _dispatcher = build_window(config, flags)

    def excepthook(
        kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        # A bug in a screen must not leave a citizen's data on screen: recover = wipe.
        core.recover(error)

    sys.excepthook = excepthook
    started = Started(app, window, core, flags.demo)
    _AfterFirstPaint(window, started.come_alive)
    if config.ui.fullscreen and not flags.windowed:
        from ui.lockdown import Lockdown, technician_present

        # No frame, no menus, no way out but a signed-in technician (ui/lockdown.py).
        Lockdown(window, lambda: technician_present(core))
        window.showFullScreen()
    else:
        window.show()
    return started


def run(config: KioskConfig, flags: RuntimeFlags) -> int:
    started = start(config, flags)
    try:
        return started.app.exec()
    finally:
        started.stop()
