"""The face journey: attempts, the engine, the worker, the staff fallback (no Qt).

:class:`FaceJourney` is the flow's face step; :class:`FaceStep` the check it runs, used
on the core thread.  Entering the step starts a
:class:`kiosk.face.check.FaceCheckWorker` over the camera; its progress is
re-posted to the core thread and published as ``progress`` (what the screen
shows).  A match ends the step; a non-match, a failed challenge or a camera
that shows nothing costs one attempt, and after ``face.attempts`` of them the
citizen is handed to a staff member, who may confirm them by eye
(:meth:`FaceStep.staff_override`, the hook the staff screen will use).

The chip photo's embedding is computed once per session on the worker thread
and wiped with the session; frames never leave the worker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kiosk.base.events import Dispatcher, Signal
from kiosk.face.check import FINAL_PHASES, FaceCheckWorker, FaceProgress, Phase
from kiosk.face.errors import FaceError
from kiosk.journeys.base import Journey, JourneyContext
from kiosk.runtime.config import FaceSettings
from kiosk.runtime.flow import Step, Transition, Trigger

log = logging.getLogger(__name__)

NO_FRAMES_S = 6.0  # the camera sent nothing for this long: say so
CAMERA_KEYS = frozenset({"face.error.camera_unplugged", "face.error.camera_no_frames"})

_ENGINES: dict[FaceSettings, Any] = {}
_ENGINES_LOCK = threading.Lock()


def shared_engine(settings: FaceSettings) -> Any:
    """The engine for ``settings``, loaded once per process (models checked by sha256)."""
    from kiosk.face.engine import load_engine

    with _ENGINES_LOCK:
        engine = _ENGINES.get(settings)
        if engine is None:
            engine = _ENGINES[settings] = load_engine(settings)
        return engine


@dataclass(frozen=True)
class FaceOutcome:
    """What the dossier records of the face step (no image, no embedding)."""

    result: str  # matched | staff_override | not_checked
    attempts: int
    score: float | None = None
    threshold: float | None = None
    embedder: str = ""
    staff_id: str = ""
    reason: str = ""

    def as_content(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None)}


class _ReferenceHolder:
    """The session's chip-photo embedding: made on the worker thread, wiped by the core."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reference: Any = None

    def get(self, engine: Any, photo: bytes) -> Any:
        with self.lock:
            if self.reference is None:
                self.reference = engine.reference(photo)
            return self.reference

    def wipe(self) -> None:
        with self.lock:
            if self.reference is not None:
                self.reference.wipe()
                self.reference = None


class FaceStep:
    def __init__(
        self,
        settings: FaceSettings,
        camera: Any,
        dispatcher: Dispatcher,
        clock: Callable[[], float] = time.monotonic,
        engine_loader: Callable[[FaceSettings], Any] = shared_engine,
    ) -> None:
        self.settings = settings
        self.camera = camera
        self.dispatcher = dispatcher
        self.clock = clock
        self.engine_loader = engine_loader
        self.engine: Any = None
        self.engine_error: str | None = None
        self.progress: FaceProgress | None = None
        self.attempts = 0
        self.outcome: FaceOutcome | None = None
        self._worker: FaceCheckWorker | None = None
        self._photo: bytes | None = None
        self._reference = _ReferenceHolder()
        self._started_at: float | None = None
        self._loading = False
        self._loader: threading.Thread | None = None
        self._stopped: list[FaceCheckWorker] = []  # stopping workers, joined at shutdown
        self.changed = Signal("face_changed")  # (FaceProgress | None)
        self.finished = Signal("face_finished")  # (matched: bool, message key or None)

    # Engine ---------------------------------------------------------------------
    def preload(self) -> None:
        """Load (and check) the models off the core thread, so the first citizen waits for
        nothing; a bad model file is logged for the technician at once."""
        if self.engine is not None or self._loading:
            return
        self._loading = True
        self._loader = threading.Thread(target=self._load, name="face-engine", daemon=True)
        self._loader.start()

    def _load(self) -> None:
        try:
            engine = self.engine_loader(self.settings)
        except FaceError as exc:
            log.error("face_models_unusable", extra={"fields": {"detail": exc.detail}})
            self.dispatcher.post(self._loaded, None, exc.message_key)
        except Exception:
            log.exception("face_engine_failed")
            self.dispatcher.post(self._loaded, None, "face.error.internal")
        else:
            self.dispatcher.post(self._loaded, engine, None)

    def _loaded(self, engine: Any, error_key: str | None) -> None:
        self._loading = False
        self.engine, self.engine_error = engine, error_key
        if engine is not None:
            log.info("face_engine_ready", extra={"fields": engine.describe()})
        if self._photo is not None and self._worker is None and self.progress is None:
            self._start_attempt()

    # The step ---------------------------------------------------------------------
    def enter(self, photo: bytes | None) -> None:
        """The session entered the face step with the chip photo."""
        self._photo = photo
        self.progress = None
        if self.remaining == 0:
            # Back from the staff without their confirmation: only they can go on.
            self.progress = FaceProgress(Phase.ERROR, reason="face.result.staff")
            self.changed.emit(self.progress)
            return
        if self.engine is None and self.engine_error is None:
            self.preload()  # starts the attempt once loaded
            return
        self._start_attempt()

    def retry(self) -> None:
        """ "Try again" after a failed attempt (while attempts remain)."""
        if self._worker is None and self.attempts < self.settings.attempts and self._photo:
            self._start_attempt()

    def _start_attempt(self) -> None:
        if self._photo is None:
            return
        if self.engine is None:
            self._fail(self.engine_error or "face.error.internal", final=True)
            return
        if not self._photo:
            self._fail("face.error.no_face", final=True)
            return
        engine, photo, holder = self.engine, self._photo, self._reference
        self.camera.start()
        self._started_at = self.clock()
        self.progress = FaceProgress(Phase.POSITION, "face.guide.no_face")
        self.changed.emit(self.progress)

        def make_check() -> Any:
            return engine.new_check(holder.get(engine, photo))

        worker = FaceCheckWorker(
            self.camera,
            make_check,
            lambda progress: self.dispatcher.post(self._on_progress, worker, progress),
            lock=getattr(engine, "lock", None),
        )
        self._worker = worker
        worker.start()

    def _on_progress(self, worker: FaceCheckWorker, progress: FaceProgress) -> None:
        if worker is not self._worker:
            return  # a late report from a stopped attempt
        self.progress = progress
        self._started_at = None
        self.changed.emit(progress)
        if progress.phase not in FINAL_PHASES:
            return
        self._stop_worker()
        if progress.phase is Phase.MATCHED:
            self.attempts += 1
            self.outcome = FaceOutcome(
                "matched",
                self.attempts,
                progress.score,
                progress.threshold,
                self.engine.describe()["embedder"] if self.engine else "",
            )
            log.info(
                "face_matched",
                extra={"fields": {"attempt": self.attempts, "ms": progress.timings_ms}},
            )
            self.finished.emit(True, None)
            return
        if progress.phase is Phase.NOT_MATCHED:
            self._fail("face.result.not_matched", phase=Phase.NOT_MATCHED)
        elif progress.phase is Phase.NOT_LIVE:
            self._fail("face.result.not_live", phase=Phase.NOT_LIVE)
        elif progress.reason.startswith("face.error."):
            # A chip photo that cannot be used, a broken model: no point retrying.
            self._fail(progress.reason, final=True)
        else:
            self._fail("face.result.no_face", phase=Phase.NOT_LIVE)

    def _fail(self, key: str, *, phase: Phase = Phase.ERROR, final: bool = False) -> None:
        """One attempt lost; after the last one (or a hopeless error) the staff are called."""
        self._stop_worker()
        self.attempts += 1
        log.info(
            "face_attempt_failed",
            extra={"fields": {"attempt": self.attempts, "reason": key.split(".")[-1]}},
        )
        if final or self.attempts >= self.settings.attempts:
            self.progress = FaceProgress(Phase.ERROR, reason=key)
            self.changed.emit(self.progress)
            self.finished.emit(False, key)
        else:
            self.progress = FaceProgress(phase, reason=key)
            self.changed.emit(self.progress)

    def tick(self) -> None:
        """About once a second: a camera that delivers nothing is a failed attempt."""
        if (
            self._worker is not None
            and self._started_at is not None
            and self.clock() - self._started_at > NO_FRAMES_S
        ):
            self._fail("face.error.camera_no_frames", final=True)

    def camera_lost(self) -> None:
        if self._worker is not None:
            self._fail("face.error.camera_unplugged", final=True)

    def staff_override(self, staff_id: str, reason: str) -> FaceOutcome:
        """A staff member checked the person against the card by eye (the staff screen's hook)."""
        from kiosk.face.verify import StaffOverride

        checked = StaffOverride(staff_id, reason)  # ValueError without id or reason
        self.outcome = FaceOutcome(
            "staff_override", self.attempts, staff_id=checked.staff_id, reason=checked.reason
        )
        log.info("face_staff_override", extra={"fields": {"attempts": self.attempts}})
        return self.outcome

    @property
    def remaining(self) -> int:
        return max(self.settings.attempts - self.attempts, 0)

    # Leaving ---------------------------------------------------------------------------
    def _stop_worker(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._stopped = [w for w in self._stopped if w.is_alive()] + [self._worker]
            self._worker = None
        self._started_at = None
        self.camera.stop()

    def leave(self) -> None:
        """The session left the face step (matched, cancelled, staff): stop looking."""
        self._stop_worker()

    def shutdown(self, timeout: float = 10.0) -> None:
        """The kiosk stops: let the model loading and the last frame finish (native code
        must not be running when the interpreter exits)."""
        self._stop_worker()
        for thread in [self._loader, *self._stopped]:
            if thread is not None:
                thread.join(timeout)

    def wipe(self) -> None:
        """The session ended: forget the photo, the embedding, the attempts."""
        self._stop_worker()
        self._reference.wipe()
        self._photo = None
        self.progress = None
        self.attempts = 0
        self.outcome = None


class FaceJourney(Journey):
    """The face step in the flow: enters with the chip photo, fires matched or rejected.

    The check itself is :class:`FaceStep` (attempts, engine, worker); the outcome the
    dossier records goes to the session (``session.face_check``).
    """

    steps = frozenset({Step.FACE_CHECK})

    def __init__(self, context: JourneyContext, step: FaceStep | None = None) -> None:
        super().__init__(context)
        self.check = step or FaceStep(
            context.config.face, context.devices.camera, context.dispatcher
        )
        self.check.finished.connect(self._on_finished)
        camera_signal = getattr(context.devices.camera, "state_changed", None)
        if camera_signal is not None:
            camera_signal.connect(lambda s: context.dispatcher.post(self._on_camera_state, s))

    # What the screen shows ---------------------------------------------------------------
    @property
    def changed(self) -> Signal:
        return self.check.changed

    @property
    def progress(self) -> FaceProgress | None:
        return self.check.progress

    @property
    def remaining(self) -> int:
        return self.check.remaining

    # Flow hooks --------------------------------------------------------------------------
    def entered(self, transition: Transition) -> None:
        if self.check.outcome is None:
            identity = self.session.identity
            photo = identity.photo if identity is not None else None
            self.check.enter(bytes(photo) if photo else b"")

    def left(self, transition: Transition) -> None:
        self.check.leave()
        self.session.face_check = self.outcome()  # what the dossier will record

    def wiped(self) -> None:
        self.check.wipe()

    def tick(self) -> None:
        if self.active:
            self.check.tick()

    # The citizen's and the operator's actions ---------------------------------------------
    def retry(self) -> None:
        """ "Try again" on the face-check screen."""
        if self.active:
            self.context.touch()
            self.check.retry()

    def confirmed(self) -> None:
        """Skip the face step as passed (tests, and the demo operator's panel only)."""
        self.context.fire(Trigger.FACE_MATCHED)

    def staff_override(self, staff_id: str, reason: str) -> None:
        """A staff member checked the citizen against the card by eye."""
        self.session.face_check = self.check.staff_override(staff_id, reason)

    def outcome(self) -> FaceOutcome:
        """What the dossier records of this session's face check."""
        return self.check.outcome or FaceOutcome("not_checked", self.check.attempts)

    def _on_finished(self, matched: bool, key: str | None) -> None:
        if not self.active:
            return
        if matched:
            self.context.machine.fire(Trigger.FACE_MATCHED)
            return
        self.session.error_key = (
            key if key and key.startswith("face.error.") else "face.result.staff"
        )
        self.context.machine.fire(Trigger.FACE_REJECTED)

    def _on_camera_state(self, state: object) -> None:
        if str(state) == "unavailable" and self.active:
            self.check.camera_lost()
