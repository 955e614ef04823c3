"""Taking the photo of a paper by itself: the camera is watched until the page is held still.

:class:`PaperScanner` runs the page finder of :mod:`kiosk.scan.pages` over each new
camera frame on a :class:`devices.camera.frames.FrameWorker` thread, reports the
guidance for every frame it looks at and, once the page has stayed put
(:class:`kiosk.scan.pages.PageTracker`), straightens, cleans up and encodes it and
reports the :class:`kiosk.scan.pages.CapturedPage`.  Frames are never stored or
written anywhere.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import cv2

from devices.camera.base import Camera, Frame
from devices.camera.frames import FrameWorker
from kiosk.scan.pages import (
    DEFAULT_MAX_BYTES,
    CapturedPage,
    PageDetection,
    PageTracker,
    encode_attachment,
    enhance,
    rectify,
)

log = logging.getLogger(__name__)


class PaperScanner:
    """Looks at the camera's latest frame on its own thread until the page is taken.

    ``on_progress(detection, frame_size)`` for every frame looked at, then
    ``on_captured(CapturedPage)`` once; both are called from the scanner's thread (the
    caller re-posts them to its own).  A stopped scanner reports nothing more once its
    current frame is done.
    """

    def __init__(
        self,
        camera: Camera,
        on_progress: Callable[[PageDetection, tuple[int, int]], None],
        on_captured: Callable[[CapturedPage], None],
        max_bytes: int = DEFAULT_MAX_BYTES,
        interval_s: float = 0.05,
        tracker: PageTracker | None = None,
    ) -> None:
        self.camera = camera
        self.on_progress = on_progress
        self.on_captured = on_captured
        self.max_bytes = max_bytes
        self.tracker = tracker or PageTracker()
        self._worker = FrameWorker(camera, self._look, name="paper-scanner", interval_s=interval_s)

    def start(self) -> None:
        self._worker.start()

    def stop(self, timeout_s: float = 0.0) -> bool:
        """Stop looking.  By default returns at once (it is called from the GUI thread, which
        must not wait for a photo being encoded); ``timeout_s`` waits for the thread (tests,
        shutdown).  ``True`` once the thread has ended."""
        return self._worker.stop(timeout_s)

    def _look(self, frame: Frame) -> bool:
        try:
            detection = self.tracker.update(frame.image)
            if self._worker.stopping:
                return True
            size = (int(frame.image.shape[1]), int(frame.image.shape[0]))
            self.on_progress(detection, size)
            if detection.steady and detection.corners is not None:
                started = time.perf_counter()
                page = enhance(rectify(frame.image, detection.corners))
                captured = encode_attachment(page, self.max_bytes)
                log.info(
                    "paper_captured",
                    extra={
                        "fields": {
                            "bytes": captured.size_bytes,
                            "width": captured.width,
                            "height": captured.height,
                            "ms": round((time.perf_counter() - started) * 1000, 1),
                        }
                    },
                )
                if not self._worker.stopping:
                    self.on_captured(captured)
                return True
        except (cv2.error, ValueError):
            log.warning("paper_scan_failed", exc_info=True)
            self.tracker.reset()
        return False
