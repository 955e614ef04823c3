"""A journey on its own: a context on simulated devices and a flow that routes only to it.

These tests build no :class:`~kiosk.core.KioskCore`: a journey must work with the
shared context alone, which is what lets a newcomer change one without the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from devices.camera.simulator import SimulatedCamera
from devices.card.emulator.pki import load_or_create_pki
from devices.card.simulator import DEMO_PROFILE, SimulatedCard, SimulatedCardReader
from devices.printer.simulator import SimulatedPrinter
from kiosk.base.events import QueueDispatcher
from kiosk.catalogue.update import load_current
from kiosk.journeys.base import Devices, Journey, JourneyContext, Journeys
from kiosk.runtime.config import KioskConfig
from kiosk.runtime.flow import FlowMachine, Step
from kiosk.runtime.i18n import Translator
from offline_cache.outbox import MemoryOutbox
from tests.conftest import FakeClock
from tests.helpers import wait_for_step

NOW = datetime(2026, 11, 20, 9, 30)


class Rig:
    """The shared context, and a flow routed to the journeys under test only."""

    def __init__(self, tmp_path: Path, config: KioskConfig, clock: FakeClock) -> None:
        self.dispatcher = QueueDispatcher()
        self.central_key = X25519PrivateKey.generate()
        pki = load_or_create_pki(tmp_path / "pki")
        self.reader = SimulatedCardReader(pki, [pki.csca])
        self.card = SimulatedCard.from_profile(DEMO_PROFILE)
        self.printer = SimulatedPrinter()
        self.camera = SimulatedCamera()
        self.outbox = MemoryOutbox()
        self.context = JourneyContext(
            config=config,
            tr=Translator("vi"),
            dispatcher=self.dispatcher,
            devices=Devices(self.reader, self.camera, self.printer),
            outbox=self.outbox,
            central_key=self.central_key.public_key(),
            data_dir=tmp_path / "data",
            catalogue=load_current(tmp_path / "no-updates", None),
            clock=clock,
            now=lambda: NOW,
            recover=self.crashed,
        )
        self.errors: list[BaseException] = []
        self.journeys: Journeys | None = None

    def crashed(self, error: BaseException) -> None:
        self.errors.append(error)

    def route(self, *journeys: Journey, at: Step = Step.ATTRACT) -> None:
        """Put the flow at ``at`` and route its transitions to ``journeys``, as the core does."""
        self.context.machine = FlowMachine(at)
        routed = self.journeys = Journeys(list(journeys))
        self.context.machine.step_changed.connect(lambda t: (routed.leave(t), routed.enter(t)))

    @property
    def step(self) -> Step:
        return self.context.step

    def wait_for(self, step: Step, timeout: float = 20.0) -> None:
        wait_for_step(self.dispatcher, lambda: self.context.step, step, timeout)


@pytest.fixture
def rig(tmp_path: Path, config: KioskConfig, clock: FakeClock) -> Iterator[Rig]:
    rig = Rig(tmp_path, config, clock)
    rig.context.devices.start()
    yield rig
    if rig.journeys is not None:
        rig.journeys.wipe()
    rig.context.devices.stop()
    rig.context.tasks.shutdown()
    assert rig.errors == [], "a journey crashed"
