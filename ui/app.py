"""The GUI entry point: QApplication, fonts, the window, crash recovery."""

from __future__ import annotations

import logging
import os
import sys
from types import TracebackType

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from kiosk.app import Simulators, build_core
from kiosk.core import KioskCore
from kiosk.printing.fonts import FAMILY, font_files
from kiosk.runtime.config import KioskConfig, RuntimeFlags
from ui.bridge import QtDispatcher
from ui.main_window import KioskWindow

log = logging.getLogger(__name__)


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


def run(config: KioskConfig, flags: RuntimeFlags) -> int:
    app = application()
    window, core, _sims, _dispatcher = build_window(config, flags)

    def excepthook(
        kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        # A bug in a screen must not leave a citizen's data on screen: recover = wipe.
        core.recover(error)

    sys.excepthook = excepthook
    core.start()
    core.preload()  # face models and address units, before the first citizen
    if config.ui.fullscreen and not flags.windowed:
        window.showFullScreen()
    else:
        window.show()
    log.info("kiosk_started", extra={"fields": {"demo": flags.demo}})
    try:
        return app.exec()
    finally:
        core.stop()
