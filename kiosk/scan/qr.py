"""Scanning the QR code on the front of the ID card with the camera.

A small background thread looks at the camera's latest frame about ten
times a second with OpenCV's QR detector, and reports the first code it reads
through ``on_found`` (from its own thread: the core re-posts it).  Frames are
never stored; the thread ends when a code is found or :meth:`stop` is called.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import cv2
import numpy as np

from devices.camera.base import Camera, new_frames

log = logging.getLogger(__name__)


def decode_qr(image: np.ndarray) -> str | None:
    text, _points, _straight = cv2.QRCodeDetector().detectAndDecode(image)
    return text or None


def qr_frame(text: str, size: tuple[int, int] = (640, 480)) -> np.ndarray:
    """A camera frame showing ``text`` as a QR code (for the demo and tests)."""
    code = cv2.QRCodeEncoder.create().encode(text)
    scale = max(1, (min(size) * 2 // 3) // code.shape[0])
    code = cv2.resize(code, None, fx=scale, fy=scale, interpolation=cv2.INTER_NEAREST)
    frame = np.full((size[1], size[0], 3), 235, np.uint8)
    y = (size[1] - code.shape[0]) // 2
    x = (size[0] - code.shape[1]) // 2
    frame[y : y + code.shape[0], x : x + code.shape[1]] = cv2.cvtColor(code, cv2.COLOR_GRAY2BGR)
    return frame


class QrScanner:
    def __init__(
        self, camera: Camera, on_found: Callable[[str], None], interval_s: float = 0.1
    ) -> None:
        self.camera = camera
        self.on_found = on_found
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="qr-scanner", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        for frame in new_frames(self.camera, self._stop, self.interval_s):
            try:
                text = decode_qr(frame.image)
            except cv2.error:
                log.warning("qr_decode_failed")
                continue
            if text:
                self._stop.set()
                self.on_found(text)
                return
