"""A simulated camera that plays still images or image sequences.

The demo shows a person in front of the kiosk (the demo card's portrait on a
room-like background, moving slightly as a live person would) and, when the
operator asks, a paper held up to it (recorded frames); tests feed their own
sequences.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from devices.camera.base import CameraState, CaptureThreadCamera
from kiosk.base.paths import ASSETS

if TYPE_CHECKING:
    import numpy as np

# OpenCV and numpy are imported by the functions that draw frames: they run when the
# camera starts (a citizen reaches a camera step), not when the kiosk starts.

DEMO_PORTRAIT = ASSETS / "images" / "demo-portrait.png"
DEMO_PAPER = ASSETS / "demo" / "paper"


def demo_sequence(size: tuple[int, int] = (640, 480), frames: int = 60) -> list[np.ndarray]:
    """A short loop: the demo portrait swaying gently in front of a plain wall."""
    import cv2
    import numpy as np

    width, height = size
    portrait = cv2.imread(str(DEMO_PORTRAIT), cv2.IMREAD_COLOR)
    if portrait is None:
        raise FileNotFoundError(DEMO_PORTRAIT)
    scale = height * 0.8 / portrait.shape[0]
    portrait = cv2.resize(portrait, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ph, pw = portrait.shape[:2]
    sequence = []
    for i in range(frames):
        frame = np.full((height, width, 3), (205, 200, 190), np.uint8)
        dx = int(12 * math.sin(2 * math.pi * i / frames))
        x = (width - pw) // 2 + dx
        y = height - ph
        frame[y : y + ph, x : x + pw] = portrait
        sequence.append(frame)
    return sequence


def demo_paper_sequence(
    fps: float = 30.0, step_s: float = 0.15, hold_s: float = 2.0
) -> list[np.ndarray]:
    """A paper brought in front of the camera, then held still (the demo's operator panel).

    The JPEGs in ``assets/demo/paper`` are played in name order, each for ``step_s`` at
    ``fps``, and the last one (the page held still) for ``hold_s``: long enough for the
    kiosk to take the photo by itself.  They are rendered by
    ``python -m tests.paper_scenes --write-demo``.
    """
    paths = sorted(DEMO_PAPER.glob("*.jpg"))
    if not paths:
        raise FileNotFoundError(DEMO_PAPER)
    *moving, held = [_read_image(path) for path in paths]
    sequence = [image for image in moving for _ in range(max(1, round(step_s * fps)))]
    return sequence + [held] * max(1, round(hold_s * fps))


def _read_image(path: Path) -> np.ndarray:
    import cv2

    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"not an image: {path}")
    return image


class SimulatedCamera(CaptureThreadCamera):
    """Implements :class:`devices.camera.base.Camera`; plays ``images`` in a loop."""

    def __init__(
        self,
        images: Sequence[np.ndarray] | None = None,
        fps: float = 30.0,
        loop: bool = True,
    ) -> None:
        super().__init__()
        self._images = list(images) if images is not None else None
        self._fps = fps
        self._loop = loop

    def show(self, images: Sequence[np.ndarray] | None) -> None:
        """Put something else in front of the camera (``None``: the demo person again)."""
        self._images = list(images) if images is not None else None
        self._index = 0

    @classmethod
    def from_files(cls, paths: Sequence[Path], fps: float = 30.0) -> SimulatedCamera:
        return cls([_read_image(path) for path in paths], fps)

    def _capture(self, stopped: threading.Event) -> None:
        demo = demo_sequence() if self._images is None else []
        if self._images is not None and not self._images:
            self._set_state(CameraState.UNAVAILABLE, stopped)
            return
        self._set_state(CameraState.RUNNING, stopped)
        period = 1.0 / self._fps
        self._index = 0
        while not stopped.is_set():
            images = self._images if self._images is not None else (demo or demo_sequence())
            if self._index >= len(images):
                if not self._loop:
                    break
                self._index = 0
            self._slot.put(images[self._index], stopped)
            self._index += 1
            stopped.wait(period)
