"""The composition root: the context, the state machine, the task runner and the journeys.

:class:`KioskCore` builds the journeys (one controller each: identify, face, service,
form, papers, submit, rating, look-up, queue ticket, staff help), routes every
transition of the flow to the journey it leaves and the one it enters, and owns
what belongs to no journey: the session's one wipe, the idle timer, the goodbye
timer, crash recovery and switching to a new catalogue between sessions.

Threading contract: every public method and every signal of :class:`KioskCore` and
its journeys belongs to one thread, the *core thread* (the GUI thread in the
application, the test's thread in tests).  Devices and the task runner report from
their own threads; the journeys re-post those reports through the dispatcher before
touching any state.  Nothing here blocks on a device, the database or the network.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.base.events import Dispatcher, Signal
from kiosk.base.paths import sweep_private_tmp
from kiosk.catalogue.model import Catalogue
from kiosk.journeys.base import Devices, JourneyContext, Journeys
from kiosk.journeys.face import FaceJourney
from kiosk.journeys.form import FormJourney
from kiosk.journeys.identify import IdentifyJourney
from kiosk.journeys.lookup import LookupJourney
from kiosk.journeys.papers import PapersJourney
from kiosk.journeys.rating import RatingJourney
from kiosk.journeys.service import ServiceJourney
from kiosk.journeys.speech import SpeechGuide
from kiosk.journeys.staff import StaffJourney
from kiosk.journeys.submit import SubmitJourney
from kiosk.journeys.ticket import TicketJourney
from kiosk.runtime.config import KioskConfig
from kiosk.runtime.flow import SESSION_END_STEPS, Step, Transition, Trigger
from kiosk.runtime.i18n import Translator
from kiosk.runtime.idle import IdlePhase
from kiosk.runtime.logs import SCRUBBER
from kiosk.runtime.session import CitizenSession
from kiosk.runtime.watchdog import Watchdog
from offline_cache.outbox import Outbox

log = logging.getLogger(__name__)

NOT_IDLE_STEPS = frozenset({Step.ATTRACT, Step.SUBMITTING, Step.GOODBYE})


class KioskCore:
    def __init__(
        self,
        config: KioskConfig,
        translator: Translator,
        dispatcher: Dispatcher,
        devices: Devices,
        catalogue: Catalogue,
        outbox: Outbox,
        central_key: Any,
        data_dir: Path,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        self.context = context = JourneyContext(
            config=config,
            tr=translator,
            dispatcher=dispatcher,
            devices=devices,
            outbox=outbox,
            central_key=central_key,
            data_dir=data_dir,
            catalogue=catalogue,
            clock=clock,
            now=now,
            recover=self.recover,
        )
        self.machine = context.machine
        self.tasks = context.tasks
        # Started after the devices, stopped before them (the sync worker, the demo centre).
        self.services: list[Any] = []
        self.sync: Any = None  # offline_cache.sync.SyncWorker when the kiosk syncs
        self.watchdog = Watchdog()  # systemd's: petted by tick(), on the core's thread
        self.last_end_reason: str | None = None
        self._next_catalogue: Catalogue | None = None
        self._warning_shown = False
        self._goodbye_deadline: float | None = None

        # The journeys, in the order of a visit.
        self.identify = IdentifyJourney(context)
        self.face = FaceJourney(context)
        self.service = ServiceJourney(context)
        self.forms = FormJourney(context)
        self.papers = PapersJourney(context)
        self.submission = SubmitJourney(context)
        self.rating = RatingJourney(context)
        self.lookup = LookupJourney(context)
        self.tickets = TicketJourney(context)
        self.staff = StaffJourney(context, self.face)
        self.identify.staff_card = self.staff.take_staff_card  # a staff member's own card
        self.submission.dossier_queued.connect(self.staff.dossier_queued)
        self.submission.print_failed.connect(self.staff.receipt_not_printed)  # staff alerted
        self.submission.alerts_centre = lambda: self.staff.relay is not None
        self.speech = SpeechGuide(context, devices.speaker)  # spoken guidance, any step
        self.journeys = Journeys(
            [
                self.identify,
                self.face,
                self.service,
                self.forms,
                self.papers,
                self.submission,
                self.rating,
                self.lookup,
                self.tickets,
                self.staff,
            ]
        )

        # Signals, all emitted on the core thread.
        self.step_changed = Signal("step_changed")  # (Transition)
        self.idle_warning = Signal("idle_warning")  # (seconds_left)
        self.idle_cleared = Signal("idle_cleared")  # ()
        self.session_wiped = Signal("session_wiped")  # ()
        self.catalogue_changed = Signal("catalogue_changed")  # (version)
        self.idle_warning.connect(self.speech.idle_warning)
        self.idle_cleared.connect(self.speech.idle_cleared)

        # A failing listener (a bug in a screen) is a crash: recover, which wipes.
        signals = [v for v in vars(self).values() if isinstance(v, Signal)]
        for signal in [*signals, *self.journeys.signals(), self.face.changed]:
            signal.on_error = self._listener_failed
        self.machine.step_changed.connect(self._on_transition)

    # What the journeys share -----------------------------------------------------------
    @property
    def step(self) -> Step:
        return self.machine.step

    @property
    def session(self) -> CitizenSession:
        return self.context.session

    @property
    def config(self) -> KioskConfig:
        return self.context.config

    @property
    def tr(self) -> Translator:
        return self.context.tr

    @property
    def devices(self) -> Devices:
        return self.context.devices

    @property
    def dispatcher(self) -> Dispatcher:
        return self.context.dispatcher

    @property
    def outbox(self) -> Outbox:
        return self.context.outbox

    @property
    def catalogue(self) -> Catalogue:
        return self.context.catalogue

    @property
    def now(self) -> Callable[[], datetime]:
        return self.context.now

    @property
    def clock(self) -> Callable[[], float]:
        return self.context.clock

    # Lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        # A previous run may have crashed mid-session: nothing of it may survive.
        swept = sweep_private_tmp(self.context.data_dir)
        if swept:
            log.warning("crash_leftovers_removed", extra={"fields": {"count": swept}})
        self.devices.start()
        for service in self.services:
            service.start()
        self.watchdog.ready()

    def preload(self) -> None:
        """Before the first citizen, off the GUI thread: the face models (checked by sha256)
        and the administrative units (about 60 ms to read)."""
        self.face.check.preload()
        self.context.preload_units()

    def stop(self) -> None:
        self._end_session(None)
        self.face.check.shutdown()
        for service in reversed(self.services):
            service.stop()
        self.devices.stop()
        self.tasks.shutdown()

    def fire(self, trigger: Trigger) -> Transition | None:
        """Apply a trigger from the UI (a tile, Back, Continue …)."""
        return self.context.fire(trigger)

    def cancel(self) -> None:
        self.fire(Trigger.CANCELLED)

    # Transitions -----------------------------------------------------------------------
    def _on_transition(self, transition: Transition) -> None:
        source, target = transition.source, transition.target
        if source is Step.ATTRACT:
            self.last_end_reason = None  # a new visit: the last one's notice goes
        self.journeys.leave(transition)
        reason = transition.end_reason
        if target in SESSION_END_STEPS and reason is not None:
            self._end_session(reason.value)
        idle = self.context.idle
        if target in NOT_IDLE_STEPS:
            idle.disarm()
        else:
            idle.arm()
        self._clear_warning()
        self._goodbye_deadline = (
            self.clock() + self.config.session.goodbye_s if target is Step.GOODBYE else None
        )
        self.journeys.enter(transition)
        self.step_changed.emit(transition)

    def _end_session(self, reason: str | None) -> None:
        """The one wipe behind finish, cancel, timeout, card removal and crash."""
        self.journeys.wipe()
        self.devices.camera.stop()
        old = self.context.session
        old.wipe()
        self.context.session = CitizenSession()
        SCRUBBER.forget_all()
        del old
        # The disk sweep takes time: not on the GUI thread.  The collection that frees the
        # session's last objects runs back on this thread: a collection on another thread
        # can finalise Qt wrappers there and deadlock against the GUI thread.
        self.tasks.run(
            sweep_private_tmp,
            self.context.data_dir,
            on_done=lambda _: gc.collect(),
            on_error=self.context.log_error,
        )
        if reason is not None:
            self.last_end_reason = reason
            log.info("session_ended", extra={"fields": {"reason": reason}})
        self.session_wiped.emit()
        if self._next_catalogue is not None:  # the session is gone: switch now
            self.context.catalogue, self._next_catalogue = self._next_catalogue, None
            self.catalogue_changed.emit(self.catalogue.version)

    def offer_catalogue(self, catalogue: Catalogue) -> None:
        """A verified catalogue update (any thread): used from the next session on."""
        self.dispatcher.post(self._take_catalogue, catalogue)

    def _take_catalogue(self, catalogue: Catalogue) -> None:
        if self.step is Step.ATTRACT:
            self.context.catalogue = catalogue
            self._next_catalogue = None
            self.catalogue_changed.emit(catalogue.version)
        else:  # a citizen is in a session: not under their feet
            self._next_catalogue = catalogue

    # Idle ------------------------------------------------------------------------------
    def user_activity(self) -> None:
        """Any touch or key press (the UI calls this from its event filter)."""
        self.context.touch()
        self.staff.touched()

    def continue_session(self) -> None:
        """The one-touch answer to the idle warning."""
        self.context.touch()
        self._clear_warning()

    def _clear_warning(self) -> None:
        if self._warning_shown:
            self._warning_shown = False
            self.idle_cleared.emit()

    def tick(self) -> None:
        """Called about once a second by the UI's timer (or a test)."""
        self.watchdog.pet()  # first: a tick that ends early still proves the thread lives
        if self._goodbye_deadline is not None and self.clock() >= self._goodbye_deadline:
            self.machine.fire(Trigger.GOODBYE_ELAPSED)
            return
        self.face.tick()
        self.staff.tick()
        status = self.context.idle.poll()
        if status.phase is IdlePhase.EXPIRED:
            self.machine.fire(Trigger.TIMED_OUT)
        elif status.phase is IdlePhase.WARNING:
            self._warning_shown = True
            self.idle_warning.emit(status.seconds_left)
        else:
            self._clear_warning()

    # Errors ------------------------------------------------------------------------------
    def _listener_failed(self, error: BaseException) -> None:
        # Posted, not called: the failing emit may be in the middle of a transition.
        self.dispatcher.post(self.recover, error)

    def recover(self, error: BaseException) -> None:
        """An unexpected error: log it (scrubbed), wipe, and start over."""
        log.error("unexpected_error", exc_info=(type(error), error, error.__traceback__))
        if self.machine.fire(Trigger.CRASHED) is None:
            self._end_session("crashed")


__all__ = ["KioskCore"]
