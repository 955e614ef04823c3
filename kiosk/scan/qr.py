"""Scanning the QR code on the front of the ID card with the camera.

A :class:`devices.camera.frames.FrameWorker` looks at the camera's latest frame about
ten times a second and reports the first code it reads through ``on_found`` (from its
own thread: the core re-posts it).  Frames are never stored; the thread ends when a
code is found or :meth:`QrScanner.stop` is called.

The decoder is zxing-cpp.  On 54 synthetic 640x480 frames of a card held at the
camera (blur, tilt, glare, small, a finger over the code: ``benchmarks/qr_decode.py``)
it read 45 in 1-2 ms each; OpenCV's default detector read 5 and its Aruco-based
one 23, in 12-24 ms, and neither read a frame zxing-cpp missed, so they are not in
the chain (``FALLBACKS``; the benchmark reports what each would add).  OpenCV's
Aruco-based detector stands in only if zxing-cpp is not installed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from devices.camera.base import Camera, Frame
from devices.camera.frames import FrameWorker

if TYPE_CHECKING:  # OpenCV and numpy load with the first scan, not with the kiosk
    import numpy as np

log = logging.getLogger(__name__)


def _gray(image: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image


def decode_zxing(image: np.ndarray) -> str | None:
    """zxing-cpp: finds the code at any angle, small or partly covered (ISO 18004)."""
    import zxingcpp

    found = zxingcpp.read_barcodes(_gray(image), formats=zxingcpp.BarcodeFormat.QRCode)
    return next((code.text for code in found if code.valid and code.text), None)


def decode_opencv(image: np.ndarray) -> str | None:
    """OpenCV's default QR detector."""
    import cv2

    text, _points, _straight = cv2.QRCodeDetector().detectAndDecode(image)
    return text or None


def decode_opencv_aruco(image: np.ndarray) -> str | None:
    """OpenCV's Aruco-based QR detector (finds finder patterns more tolerantly)."""
    import cv2

    text, _points, _straight = cv2.QRCodeDetectorAruco().detectAndDecode(image)
    return text or None


DECODERS: dict[str, Callable[[np.ndarray], str | None]] = {
    "zxing": decode_zxing,
    "opencv": decode_opencv,
    "opencv_aruco": decode_opencv_aruco,
}
# Tried after zxing-cpp when it reads nothing: none, as measured (see the module's text).
FALLBACKS: tuple[str, ...] = ()


@functools.cache
def _chain() -> tuple[str, ...]:
    try:
        import zxingcpp  # noqa: F401
    except ImportError:  # the package is declared; a broken install still scans
        return ("opencv_aruco", "opencv")
    return ("zxing", *FALLBACKS)


def decode_qr(image: np.ndarray) -> str | None:
    """The text of the QR code in ``image`` (BGR or grey), or None."""
    for name in _chain():
        text = DECODERS[name](image)
        if text:
            return text
    return None


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
        try:
            text = decode_qr(frame.image)
        except Exception as exc:  # cv2.error, or zxing-cpp on a frame it cannot take
            log.warning("qr_decode_failed", extra={"fields": {"error": type(exc).__name__}})
            return False
        if not text:
            return False
        if not self._worker.stopping:
            self.on_found(text)
        return True
