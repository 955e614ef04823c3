"""The one adapter that moves core and device events onto the GUI thread.

``QtDispatcher.post(fn, *args)`` may be called from any thread; ``fn`` runs
later on the thread that owns the dispatcher (the GUI thread), through a
queued signal.  An exception in ``fn`` goes to ``on_error`` (the core's
crash recovery) instead of being lost in Qt's event loop.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

log = logging.getLogger(__name__)


class QtDispatcher(QObject):
    _posted = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.on_error: Callable[[BaseException], Any] | None = None
        self._posted.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[..., Any], *args: Any) -> None:
        self._posted.emit(fn, args)

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            fn(*args)
        except Exception as exc:
            if self.on_error is None:
                raise
            self.on_error(exc)
