"""Shared fixtures: a kiosk core on simulated devices, driven from the test thread."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from hypothesis import HealthCheck, settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")

from kiosk.app import Simulators, build_core
from kiosk.base.events import QueueDispatcher
from kiosk.cli.dossier import ANSWERS
from kiosk.core import KioskCore
from kiosk.runtime.config import KioskConfig, RuntimeFlags
from kiosk.runtime.flow import Step
from tests.helpers import wait_for_step

# Property tests check behaviour, not speed: on a loaded CI machine one example (or the
# data for it) may be held up for a while, which says nothing about the code.  Hypothesis'
# default 200 ms deadline and its too-slow health check would fail the run for it.
settings.register_profile("kiosk", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("kiosk")

BIRTH_ANSWERS = ANSWERS
"""Answers to the demo birth registration that need no paper and no address."""


class FakeClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One real headless Chromium for the run (tests/browser.py)."""
    from tests.browser import CHROMIUM, DRIVER, headless_chromium

    if not (CHROMIUM and DRIVER):
        pytest.skip("chromium and chromedriver are not installed (make test installs them)")
    with headless_chromium() as driver:
        yield driver


@pytest.fixture
def config(tmp_path: Path) -> KioskConfig:
    return KioskConfig().replace(
        storage={"data_dir": str(tmp_path / "data")}, ui={"fullscreen": False}
    )


@pytest.fixture
def central_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class Kiosk:
    """A core with its dispatcher and simulators, and helpers to drive it."""

    def __init__(self, core: KioskCore, sims: Simulators, dispatcher: QueueDispatcher) -> None:
        self.core = core
        self.sims = sims
        self.dispatcher = dispatcher

    @property
    def reader(self):
        assert self.sims.reader is not None
        return self.sims.reader

    @property
    def card(self):
        assert self.sims.card is not None
        return self.sims.card

    def wait_for(self, step: Step, timeout: float = 20.0) -> None:
        wait_for_step(self.dispatcher, lambda: self.core.step, step, timeout)

    def settle(self, timeout: float = 0.3) -> None:
        self.dispatcher.drain_until(lambda: False, timeout)

    def finish_tasks(self, timeout: float = 20.0) -> None:
        """Wait until the background work queued so far has run and been answered.

        The task runner has one worker and the dispatcher runs calls in order: once a
        marker queued now has come back, every earlier job's answer has been handled.
        """
        done: list[bool] = []
        self.core.tasks.run(lambda: True, on_done=done.append, on_error=lambda e: None)
        assert self.dispatcher.drain_until(lambda: bool(done), timeout), "background work hung"

    def enter_key(self, card=None, expiry: str | None = None) -> dict[str, str]:
        card = card or self.card
        return self.core.identify.submit_access_key(
            card.id_number,
            card.date_of_birth.strftime("%d/%m/%Y"),
            expiry or card.date_of_expiry.strftime("%d/%m/%Y"),
        )

    def identify(self, card=None) -> None:
        """From the start screen to the face check: place the card, type its key."""
        card = card or self.card
        self.reader.insert(card)
        self.wait_for(Step.ACCESS_KEY)
        assert self.enter_key(card) == {}
        self.wait_for(Step.FACE_CHECK)

    def fill_birth_registration(self, answers: dict[str, str] | None = None) -> None:
        self.core.face.confirmed()
        self.core.service.choose("LT-KS-TT-BHYT")
        assert self.core.step is Step.REQUIREMENTS
        self.core.forms.start()
        errors = self.core.forms.complete({**BIRTH_ANSWERS, **(answers or {})})
        assert errors == {}
        assert self.core.step is Step.CHECK_ANSWERS


@pytest.fixture
def kiosk(config: KioskConfig, central_key: X25519PrivateKey, clock: FakeClock) -> Iterator[Kiosk]:
    dispatcher = QueueDispatcher()
    core, sims = build_core(
        config,
        RuntimeFlags(demo=True),
        dispatcher,
        card_apdu_delay_s=0,
        central_key=central_key.public_key(),
        clock=clock,
        now=lambda: datetime(2026, 11, 20, 9, 30),
    )
    core.start()
    yield Kiosk(core, sims, dispatcher)
    core.stop()


@pytest.fixture(autouse=True)
def no_swallowed_handler_errors(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """A listener that raised is logged, not propagated: make such a bug fail the test."""
    yield
    if request.node.get_closest_marker("allow_handler_errors"):
        return
    failed = [
        r
        for r in caplog.get_records("call")
        if r.levelno >= logging.ERROR and r.getMessage() == "handler_failed"
    ]
    assert failed == [], "a signal handler raised (see the captured log)"
