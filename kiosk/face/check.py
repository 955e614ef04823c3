"""One face check, frame by frame: quality guidance, liveness challenges, the decision (no Qt).

:class:`FaceCheck` is a pure state machine fed one camera frame at a time
(:meth:`FaceCheck.feed`) with an injected clock; :class:`FaceCheckWorker` runs
it on its own thread over a camera's *latest* frame, so detection and
embedding never run on the GUI thread and never build a backlog (a slow
machine simply looks at fewer frames).

The steps of one attempt:

1. *Position*: every frame is detected and assessed (one face, big enough,
   centred, frontal, sharp, lit); the citizen sees one short instruction.
2. *Challenges*: random challenges (blink, turn the head, move closer),
   judged from FaceMesh landmarks over time (:mod:`kiosk.face.liveness`).
   Good frontal frames seen along the way are kept (a few, in memory).
3. *Decision*: the kept frames are looked at for print and screen texture
   (:mod:`kiosk.face.pad`: an attack fails the attempt as not live), then embedded
   and compared with the chip photo's embedding; the best frames decide
   (:class:`kiosk.face.verify`).

All along, frames that come with their capture time are watched for a replayed feed
(:mod:`kiosk.face.feed`: repeated frames, no sensor noise): one fails the attempt.

Frames are never written anywhere; the kept frames and embeddings are
dropped when the attempt ends (:meth:`FaceCheck.wipe`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from devices.camera.base import Frame
from devices.camera.frames import FrameWorker
from kiosk.face.errors import FaceError

if TYPE_CHECKING:  # OpenCV loads with the face engine, not with the kiosk
    from kiosk.face.feed import FeedMonitor
    from kiosk.face.pad import PadPolicy

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # only named in annotations: numpy loads with the face models
    import numpy as np


class Phase(StrEnum):
    POSITION = "position"  # getting the face into the oval
    CHALLENGE = "challenge"  # doing what the kiosk asks
    DECIDING = "deciding"  # comparing with the chip photo
    MATCHED = "matched"
    NOT_MATCHED = "not_matched"
    NOT_LIVE = "not_live"  # a challenge was not done (or a photo was shown)
    ERROR = "error"


FINAL_PHASES = frozenset({Phase.MATCHED, Phase.NOT_MATCHED, Phase.NOT_LIVE, Phase.ERROR})


@dataclass(frozen=True)
class FaceProgress:
    """What the face-check screen shows; no image, no personal data."""

    phase: Phase
    guidance_key: str = ""  # face.guide.* (position) or face.challenge.* (challenge)
    progress: float = 0.0  # 0..1 over the whole attempt
    box: tuple[float, float, float, float] | None = None  # the face, frame coordinates
    frame_size: tuple[int, int] | None = None  # (width, height)
    score: float | None = None
    threshold: float | None = None
    reason: str = ""  # why an attempt failed (liveness reason, error key)
    timings_ms: dict[str, float] = field(default_factory=dict)


class Detector(Protocol):
    def detect(self, frame: np.ndarray) -> Sequence[Any]: ...


class Landmarker(Protocol):
    def landmarks(self, frame: np.ndarray, box: tuple[float, float, float, float]) -> Any: ...


class Verifier(Protocol):
    def compare_many(self, reference: Any, frames: Sequence[tuple[np.ndarray, Any]]) -> Any: ...


@dataclass(frozen=True)
class CheckPolicy:
    steady_frames: int = 3  # good frames in a row before the challenges start
    keep_frames: int = 3  # good frontal frames kept for the decision
    position_timeout_s: float = 30.0  # no usable face for this long: the attempt fails


class FaceCheck:
    """One attempt; see the module docstring.

    ``assess(frame, faces)`` returns an object with ``ok``, ``guidance_key``
    and (optionally) ``sharpness``; ``liveness`` is a fresh
    :class:`kiosk.face.liveness.LivenessCheck` for this attempt.
    """

    def __init__(
        self,
        detector: Detector,
        assess: Callable[[np.ndarray, Sequence[Any]], Any],
        landmarker: Landmarker,
        liveness: Any,
        verifier: Verifier,
        reference: Any,
        policy: CheckPolicy = CheckPolicy(),
        *,
        feed: FeedMonitor | None = None,
        presentation: PadPolicy | None = None,
    ) -> None:
        self.feed_monitor = feed
        self.presentation = presentation
        self.detector = detector
        self.assess = assess
        self.landmarker = landmarker
        self.liveness = liveness
        self.verifier = verifier
        self.reference = reference
        self.policy = policy
        self.phase = Phase.POSITION
        self._steady = 0
        self._kept: list[tuple[float, np.ndarray, Any]] = []
        self._started: float | None = None
        self._last_seen: float | None = None
        self.result: FaceProgress | None = None

    def feed(self, frame: np.ndarray, now: float, captured_at: float | None = None) -> FaceProgress:
        """Look at one frame; returns what to show (final once :attr:`done`).

        ``captured_at`` (the camera's capture time) lets the feed be watched for replay.
        """
        if self.result is not None:
            return self.result
        if self._started is None:
            self._started = now
        if self.feed_monitor is not None and captured_at is not None:
            verdict = self.feed_monitor.add(frame, captured_at)
            if verdict.replayed:
                log.warning(
                    "face_feed_replayed",
                    extra={"fields": {"reason": verdict.reason, "pairs": verdict.pairs}},
                )
                return self._finish(Phase.NOT_LIVE, reason="replayed_feed")
        size = (int(frame.shape[1]), int(frame.shape[0]))
        faces = list(self.detector.detect(frame))
        quality = self.assess(frame, faces)
        box = _box(faces[0]) if faces else None
        if faces:
            self._last_seen = now
        if self.phase is Phase.POSITION:
            if quality.ok:
                self._steady += 1
                self._keep(frame, faces[0], quality)
            else:
                self._steady = 0
            if self._steady >= self.policy.steady_frames:
                self.phase = Phase.CHALLENGE
            elif now - (self._last_seen or self._started) > self.policy.position_timeout_s:
                return self._finish(Phase.ERROR, reason="face.guide.no_face")
            else:
                return FaceProgress(
                    Phase.POSITION, quality.guidance_key, 0.1 * self._steady, box, size
                )
        # Challenges: landmarks over time (a lost face is judged by the liveness check).
        points = self.landmarker.landmarks(frame, box) if box is not None else None
        state = self.liveness.update(now, points)
        if quality.ok and faces:
            self._keep(frame, faces[0], quality)
        if state.failed:
            return self._finish(Phase.NOT_LIVE, reason=state.reason or "liveness")
        if not state.passed:
            guidance = state.prompt_key or quality.guidance_key
            return FaceProgress(Phase.CHALLENGE, guidance, 0.3 + 0.6 * state.progress, box, size)
        return self._decide(box, size)

    def _keep(self, frame: np.ndarray, face: Any, quality: Any) -> None:
        """Keep the sharpest good frames (copies: the camera reuses nothing, but be safe)."""
        sharpness = float(getattr(quality, "sharpness", 0.0) or 0.0)
        self._kept.append((sharpness, frame.copy(), face))
        self._kept.sort(key=lambda item: -item[0])
        for _sharpness, dropped, _face in self._kept[self.policy.keep_frames :]:
            dropped.fill(0)
        del self._kept[self.policy.keep_frames :]

    def _decide(
        self, box: tuple[float, float, float, float] | None, size: tuple[int, int]
    ) -> FaceProgress:
        if not self._kept:
            return self._finish(Phase.ERROR, reason="face.guide.no_face")
        if self.presentation is not None:
            from kiosk.face.pad import looks_presented

            attack, results = looks_presented(
                [(frame, face) for _s, frame, face in self._kept], self.presentation
            )
            if attack:
                peaks = [round(r.peak_db, 1) for r in results]
                log.warning("face_presentation_attack", extra={"fields": {"peak_db": peaks}})
                return self._finish(Phase.NOT_LIVE, reason="presentation_attack")
        started = time.perf_counter()
        decision = self.verifier.compare_many(
            self.reference, [(frame, face) for _s, frame, face in self._kept]
        )
        timings = dict(getattr(decision, "timings_ms", {}) or {})
        timings["decision_ms"] = (time.perf_counter() - started) * 1000
        phase = Phase.MATCHED if decision.matched else Phase.NOT_MATCHED
        return self._finish(
            phase,
            box=box,
            size=size,
            score=float(decision.score),
            threshold=float(decision.threshold),
            timings=timings,
        )

    def _finish(
        self,
        phase: Phase,
        *,
        reason: str = "",
        box: tuple[float, float, float, float] | None = None,
        size: tuple[int, int] | None = None,
        score: float | None = None,
        threshold: float | None = None,
        timings: dict[str, float] | None = None,
    ) -> FaceProgress:
        self.phase = phase
        self.result = FaceProgress(
            phase, "", 1.0, box, size, score, threshold, reason, timings or {}
        )
        self.wipe()
        return self.result

    @property
    def done(self) -> bool:
        return self.result is not None

    def wipe(self) -> None:
        """Zero and drop the kept frames (the reference belongs to the session)."""
        for _sharpness, frame, _face in self._kept:
            frame.fill(0)
        self._kept.clear()


def _box(face: Any) -> tuple[float, float, float, float]:
    box = face.box
    return (float(box[0]), float(box[1]), float(box[2]), float(box[3]))


class FaceCheckWorker:
    """Runs :class:`FaceCheck` attempts on a thread over a camera's latest frame.

    ``make_check()`` builds a fresh attempt (fresh random challenges) on the worker's
    thread; ``on_progress(FaceProgress)`` is called from the worker thread (the core
    re-posts it to its own thread).  :meth:`stop` ends the thread without waiting for it
    (:meth:`join` waits); the current attempt's frames are wiped.  The thread is a
    :class:`devices.camera.frames.FrameWorker`: an unexpected error is logged and
    reported as ``face.error.internal``.
    """

    def __init__(
        self,
        camera: Any,
        make_check: Callable[[], FaceCheck],
        on_progress: Callable[[FaceProgress], None],
        clock: Callable[[], float] = time.monotonic,
        idle_s: float = 0.005,
        lock: threading.Lock | None = None,
    ) -> None:
        self.camera = camera
        # The networks are shared by successive attempts: a stopping worker may still be
        # inside one frame when the next starts, so the frames take turns.
        self.lock = lock or threading.Lock()
        self.make_check = make_check
        self.on_progress = on_progress
        self.clock = clock
        self.idle_s = idle_s
        self._check: FaceCheck | None = None  # the worker thread's only
        self._frames = FrameWorker(
            camera,
            self._look,
            name="face-check",
            interval_s=idle_s,
            on_start=self._begin,
            on_end=self._end,
        )

    def start(self) -> None:
        self._frames.start()

    def stop(self) -> None:
        self._frames.stop(timeout_s=0)

    def join(self, timeout: float = 3.0) -> None:
        self._frames.join(timeout)

    def is_alive(self) -> bool:
        return self._frames.is_alive()

    def _begin(self) -> bool:
        try:
            with self.lock:
                self._check = self.make_check()
        except FaceError as exc:
            self.on_progress(FaceProgress(Phase.ERROR, reason=exc.message_key))
            return True
        return False

    def _look(self, frame: Frame) -> bool:
        assert self._check is not None
        try:
            with self.lock:
                if self._frames.stopping:
                    return True
                progress = self._check.feed(frame.image, self.clock(), frame.captured_at)
        except FaceError as exc:
            progress = FaceProgress(Phase.ERROR, reason=exc.message_key)
        self.on_progress(progress)
        return progress.phase in FINAL_PHASES

    def _end(self, error: Exception | None) -> None:
        if error is not None:
            self.on_progress(FaceProgress(Phase.ERROR, reason="face.error.internal"))
        if self._check is not None:
            self._check.wipe()
