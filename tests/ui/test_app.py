"""The GUI entry point: the attract screen first, then the kiosk comes alive."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from devices.card.simulator import SimulatedCard, SimulatedCardReader
from kiosk.runtime.config import KioskConfig, RuntimeFlags
from kiosk.runtime.flow import Step
from ui.app import start


def test_the_kiosk_comes_alive_once_the_attract_screen_is_painted(
    tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # start() installs its own
    config = KioskConfig().replace(storage={"data_dir": str(tmp_path)}, ui={"fullscreen": False})
    started = start(config, RuntimeFlags(demo=True))
    try:
        # Nothing competes with the first frame: no device or sync thread runs yet.
        assert not started.alive
        qtbot.waitUntil(lambda: started.alive, timeout=10_000)
        assert started.window.stack.currentWidget() is started.window.screens[Step.ATTRACT]
        reader = started.core.devices.reader
        assert isinstance(reader, SimulatedCardReader)
        reader.insert(SimulatedCard.from_profile())  # the reader is polling: a citizen's card
        qtbot.waitUntil(lambda: started.core.step is Step.ACCESS_KEY, timeout=10_000)
    finally:
        started.stop()
        started.window.close()
