"""What every journey shares: the context (the session's model and services) and a base.

A journey is one workflow controller (AusweisApp's ``WorkflowController``): it owns
the flow steps of its part of the visit, its own state and its own signals, and it
moves the flow only by firing triggers.  What two journeys both need (the citizen's
identity, the chosen procedure, the answers, the papers) lives in the shared
:class:`~kiosk.runtime.session.CitizenSession`, reached through the context.

Threading contract: journeys live on the core thread (the GUI thread in the
application).  Device and task results are re-posted there through the context's
dispatcher before a journey touches any state.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from devices.camera.base import Camera
from devices.card.base import CardReader
from devices.printer.base import Printer
from devices.speech.base import Speaker
from devices.speech.simulator import SimulatedSpeaker
from kiosk.base.events import Dispatcher, Signal
from kiosk.catalogue.admin_units import AdminUnits, load_admin_units
from kiosk.catalogue.model import Catalogue
from kiosk.runtime.config import KioskConfig
from kiosk.runtime.flow import FlowMachine, Step, Transition, Trigger
from kiosk.runtime.i18n import Translator
from kiosk.runtime.idle import IdleGuard
from kiosk.runtime.session import CitizenSession
from kiosk.runtime.tasks import TaskRunner
from offline_cache.outbox import Outbox

log = logging.getLogger(__name__)


@dataclass
class Devices:
    reader: CardReader
    camera: Camera
    printer: Printer
    speaker: Speaker = field(default_factory=SimulatedSpeaker)

    def start(self) -> None:
        self.reader.start()

    def stop(self) -> None:
        self.camera.stop()
        self.reader.stop()
        self.printer.stop()
        self.speaker.close()


def _unset_recover(error: BaseException) -> None:
    raise error


@dataclass
class JourneyContext:
    """The session's model and the services every journey may use (one per kiosk).

    ``session`` is replaced by a fresh one at every wipe and ``catalogue`` may be
    switched between sessions: read them from the context each time, never keep them.
    """

    config: KioskConfig
    tr: Translator
    dispatcher: Dispatcher
    devices: Devices
    outbox: Outbox
    central_key: Any  # X25519PublicKey: the centre's key dossiers are sealed for
    data_dir: Path
    catalogue: Catalogue
    machine: FlowMachine = field(default_factory=FlowMachine)
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = datetime.now
    session: CitizenSession = field(default_factory=CitizenSession)
    # An unexpected error: the composition root logs it, wipes and starts over.
    recover: Callable[[BaseException], None] = _unset_recover
    tasks: TaskRunner = field(init=False)  # database and network work, off the core thread
    idle: IdleGuard = field(init=False)
    _units: AdminUnits | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.tasks = TaskRunner(self.dispatcher)
        s = self.config.session
        self.idle = IdleGuard(s.idle_timeout_s, s.idle_warning_s, self.clock)

    @property
    def step(self) -> Step:
        return self.machine.step

    def touch(self) -> None:
        """The citizen did something: the idle timer starts again."""
        self.idle.touch()

    def fire(self, trigger: Trigger) -> Transition | None:
        """A citizen's action moves the flow (and counts as activity)."""
        self.touch()
        return self.machine.fire(trigger)

    def log_error(self, error: BaseException) -> None:
        log.error("background_task_failed", exc_info=(type(error), error, error.__traceback__))

    @property
    def units(self) -> AdminUnits:
        """The administrative units for address pages (preloaded; else read on first use)."""
        if self._units is None:
            self._units = load_admin_units()
        return self._units

    def preload_units(self) -> None:
        """Read the administrative units off the core thread (about 60 ms)."""
        if self._units is None:
            self.tasks.run(
                load_admin_units,
                on_done=lambda units: setattr(self, "_units", self._units or units),
                on_error=self.log_error,
            )


class Journey:
    """One workflow controller.  Subclasses declare :attr:`steps` and override the hooks.

    On every transition the composition root calls :meth:`left` on the journey whose
    step the flow leaves, then :meth:`entered` on the journey whose step it enters
    (both on one journey when it moves between two of its own steps), and
    :meth:`wiped` on every journey when the session ends, whatever the step.
    """

    steps: ClassVar[frozenset[Step]] = frozenset()

    def __init__(self, context: JourneyContext) -> None:
        self.context = context

    @property
    def session(self) -> CitizenSession:
        return self.context.session

    @property
    def active(self) -> bool:
        return self.context.step in self.steps

    def signals(self) -> list[Signal]:
        """This journey's signals (the root routes a failing listener to recovery)."""
        return [value for value in vars(self).values() if isinstance(value, Signal)]

    def entered(self, transition: Transition) -> None:
        """The flow entered one of :attr:`steps`."""

    def left(self, transition: Transition) -> None:
        """The flow left one of :attr:`steps` (``transition.source``)."""

    def wiped(self) -> None:
        """The session ended: forget everything of it."""


class Journeys:
    """The journeys of a kiosk by the steps they own; routes the flow's transitions to them."""

    def __init__(self, journeys: list[Journey]) -> None:
        self.all = list(journeys)
        self._of: dict[Step, Journey] = {}
        for journey in self.all:
            for step in journey.steps:
                if step in self._of:
                    raise ValueError(f"step {step.value} belongs to two journeys")
                self._of[step] = journey

    def of(self, step: Step) -> Journey | None:
        """The journey that owns ``step`` (None for the start and goodbye screens)."""
        return self._of.get(step)

    def leave(self, transition: Transition) -> None:
        """Before the flow's state changes hands: the journey of the step left lets go."""
        journey = self._of.get(transition.source)
        if journey is not None and transition.source is not transition.target:
            journey.left(transition)

    def enter(self, transition: Transition) -> None:
        journey = self._of.get(transition.target)
        if journey is not None:
            journey.entered(transition)

    def wipe(self) -> None:
        for journey in self.all:
            journey.wiped()

    def signals(self) -> list[Signal]:
        return [signal for journey in self.all for signal in journey.signals()]
