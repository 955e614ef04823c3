from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.config import KioskConfig, RuntimeFlags
from kiosk.flow import Step
from tests.conftest import FakeClock
from ui.app import application, build_window
from ui.main_window import KioskWindow


class UiKiosk:
    def __init__(self, window: KioskWindow, sims, qtbot, clock: FakeClock) -> None:
        self.window = window
        self.core = window.core
        self.sims = sims
        self.qtbot = qtbot
        self.clock = clock

    def wait_for(self, step: Step, timeout: int = 5000) -> None:
        self.qtbot.waitUntil(
            lambda: (
                self.core.step is step
                and self.window.stack.currentWidget() is self.window.screens[step]
            ),
            timeout=timeout,
        )

    def find(self, name: str):
        from PySide6.QtWidgets import QPushButton

        for button in self.window.findChildren(QPushButton):
            if (button.objectName() == name or button.property("tour") == name) and (
                button.isVisible()
            ):
                return button
        return None

    def click(self, name: str) -> None:
        """Click a visible button, waiting for it (new widgets show on the next loop turn)."""
        from PySide6.QtCore import Qt

        self.qtbot.waitUntil(lambda: self.find(name) is not None, timeout=3000)
        self.qtbot.mouseClick(self.find(name), Qt.MouseButton.LeftButton)


@pytest.fixture
def ui_kiosk(qtbot, config: KioskConfig, clock: FakeClock) -> Iterator[UiKiosk]:
    application()
    window, core, sims, _dispatcher = build_window(
        config,
        RuntimeFlags(demo=True, windowed=True),
        clock=clock,
        card_step_delay_s=0.01,
        central_key=X25519PrivateKey.generate().public_key(),
        now=lambda: datetime(2026, 11, 20, 9, 30),
    )
    qtbot.addWidget(window)
    core.start()
    window.show()
    yield UiKiosk(window, sims, qtbot, clock)
    core.stop()
