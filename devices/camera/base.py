"""The camera interface: a capture thread with latest-frame semantics.

Consumers never get a queue of frames: they ask for :meth:`Camera.latest`
when they are ready (the preview at about 30 Hz, the face pipeline when it
is free), so a slow consumer can never build a backlog.  Frames live in
memory only and are dropped on :meth:`Camera.stop`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import numpy as np

from kiosk.events import Signal


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

    def put(self, image: np.ndarray) -> None:
        with self._lock:
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

    Subclasses implement :meth:`_run`, which loops until ``self._stop`` is set
    and puts frames into ``self._slot``.
    """

    def __init__(self) -> None:
        self._slot = LatestFrameSlot()
        self._state = CameraState.STOPPED
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.state_changed = Signal("state_changed")

    def _set_state(self, state: CameraState) -> None:
        if state is not self._state:
            self._state = state
            self.state_changed.emit(state)

    def state(self) -> CameraState:
        return self._state

    def latest(self) -> Frame | None:
        return self._slot.get()

    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._set_state(CameraState.STARTING)
        self._thread = threading.Thread(target=self._run, name="camera", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop capturing and drop the last frame (frames never outlive their use)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(3.0)
            self._thread = None
        self._slot.clear()
        self._set_state(CameraState.STOPPED)

    def _run(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError
