"""Scanning the QR code on the front of the ID card with the camera.

A :class:`devices.camera.frames.FrameWorker` looks at the camera's latest frame about
ten times a second with OpenCV's QR detector, and reports the first code it reads
through ``on_found`` (from its own thread: the core re-posts it).  Frames are
never stored; the thread ends when a code is found or :meth:`QrScanner.stop` is called.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from devices.camera.base import Camera, Frame
from devices.camera.frames import FrameWorker

if TYPE_CHECKING:  # OpenCV and numpy load with the first scan, not with the kiosk
    import numpy as np

log = logging.getLogger(__name__)


def decode_qr(image: np.ndarray) -> str | None:
    import cv2

    text, _points, _straight = cv2.QRCodeDetector().detectAndDecode(image)
    return text or None


def qr_frame(text: str, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """A camera frame showing ``text`` as a QR code (for the demo and tests)."""
    import cv2
    import numpy as np

    code = cv2.QRCodeEncoder.create().encode(text)
    scale = max(1, (min(size) * 2 // 3) // code.shape[0])
    code = cv2.resize(code, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    frame = np.full((size[1], size[0], 3), 235, np.uint8)
    y = (size[1] - code.shape[0]) // 2
    x = (size[0] - code.shape[1]) // 2
    frame[y : y + code.shape[0], x : x + code.shape[1]] = cv2.cvtColor(code, cv2.COLOR_GRAY2BGR)
    return frame


class QrScanner:
    """Looks for the card's QR code on its own thread; ``on_found(text)`` once, from it."""

    def __init__(
        self, camera: Camera, on_found: Callable[[str], None], interval_s: float = 0.1
    ) -> None:
        self.camera = camera
        self.on_found = on_found
        self._worker = FrameWorker(camera, self._look, name="qr-scanner", interval_s=interval_s)

    def start(self) -> None:
        self._worker.start()

    def stop(self, timeout_s: float = 0.0) -> bool:
        """Stop looking.  By default returns at once (it is called from the GUI thread);
        ``timeout_s`` waits for the thread (tests, shutdown).  ``True`` once it has ended."""
        return self._worker.stop(timeout_s)

    def _look(self, frame: Frame) -> bool:
        import cv2

        try:
            text = decode_qr(frame.image)
        except cv2.error:
            log.warning("qr_decode_failed")
            return False
        if not text:
            return False
        if not self._worker.stopping:
            self.on_found(text)
        return True
