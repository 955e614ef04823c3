"""The camera interface: a capture thread with latest-frame semantics.

Consumers never get a queue of frames: they ask for :meth:`Camera.latest`
when they are ready (the preview at about 30 Hz, the face pipeline when it
is free), so a slow consumer can never build a backlog (the threads that look
at every new frame run in :class:`devices.camera.frames.FrameWorker`).  Frames
live in memory only and are dropped on :meth:`Camera.stop`.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from kiosk.base.events import Signal

if TYPE_CHECKING:  # only named in annotations: numpy loads with the first frame
    import numpy as np

log = logging.getLogger(__name__)


class CameraState(StrEnum):
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    UNAVAILABLE = "unavailable"  # unplugged, busy or delivering nothing


@dataclass(frozen=True)
class Frame:
    """One BGR image (``uint8``, H×W×3) with its sequence number and capture time."""

    image: np.ndarray
    seq: int
    captured_at: float


class Camera(Protocol):
    state_changed: Signal  # (CameraState)

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def state(self) -> CameraState: ...

    def latest(self) -> Frame | None: ...


class LatestFrameSlot:
    """Holds the newest frame only; written by the capture thread, read by anyone."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: Frame | None = None
        self._seq = 0

    def put(self, image: np.ndarray, stopped: threading.Event | None = None) -> None:
        """Store ``image`` unless ``stopped`` is set (checked under the lock, so a
        capture thread that is being stopped can never write after :meth:`clear`)."""
        with self._lock:
            if stopped is not None and stopped.is_set():
                return
            self._seq += 1
            self._frame = Frame(image, self._seq, time.monotonic())

    def get(self) -> Frame | None:
        with self._lock:
            return self._frame

    def clear(self) -> None:
        with self._lock:
            self._frame = None


class CaptureThreadCamera:
    """State, latest-frame slot and the capture thread shared by the cameras.

    Subclasses implement :meth:`_capture`, which loops until ``stopped`` is
    set and stores frames with ``self._slot.put(image, stopped)``.  Every
    start gets its own stop event, so :meth:`stop` returns at once (it never
    waits on the capture thread from the GUI thread) and a slow old thread can
    neither write a frame after the stop nor be mistaken for a new one.
    """

    def __init__(self) -> None:
        self._slot = LatestFrameSlot()
        self._state = CameraState.STOPPED
        self._stopped = threading.Event()
        self._stopped.set()
        self._thread: threading.Thread | None = None
        self._state_lock = threading.Lock()
        self.state_changed = Signal("state_changed")

    def _set_state(self, state: CameraState, stopped: threading.Event | None = None) -> None:
        with self._state_lock:
            if stopped is not None and stopped.is_set():
                return  # an old capture thread reporting after its stop
            if state is self._state:
                return
            self._state = state
        self.state_changed.emit(state)

    def state(self) -> CameraState:
        return self._state

    def latest(self) -> Frame | None:
        return self._slot.get()

    def start(self) -> None:
        if not self._stopped.is_set():
            return
        stopped = threading.Event()
        self._stopped = stopped
        self._set_state(CameraState.STARTING)
        self._thread = threading.Thread(
            target=self._run, args=(stopped,), name="camera", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop capturing and drop the last frame; returns without waiting."""
        self._stopped.set()
        self._slot.clear()
        self._set_state(CameraState.STOPPED)

    def join(self, timeout: float = 3.0) -> None:
        """Wait for the capture thread to end (tests and shutdown, never the GUI)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, stopped: threading.Event) -> None:
        try:
            self._capture(stopped)
        except Exception:
            # A capture thread must never die silently: say the camera is gone.
            log.exception("camera_failed")
            self._set_state(CameraState.UNAVAILABLE, stopped)

    def _capture(self, stopped: threading.Event) -> None:  # pragma: no cover - abstract
        raise NotImplementedError
