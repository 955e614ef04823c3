"""The real camera: ``cv2.VideoCapture`` on its own thread.

The capture thread reads as fast as the camera delivers and keeps only the
newest frame.  If the camera stops delivering (unplugged, taken by another
program), the state becomes UNAVAILABLE and the thread tries to reopen it
every ``reopen_s`` seconds.
"""

from __future__ import annotations

import logging
import threading

import cv2

from devices.camera.base import CameraState, CaptureThreadCamera, Frame

log = logging.getLogger(__name__)


class OpenCvCamera(CaptureThreadCamera):
    def __init__(
        self, index: int | str = 0, width: int = 640, height: int = 480, reopen_s: float = 2.0
    ) -> None:
        """``index``: a camera number, or a video file or stream URL (tests, IP cameras)."""
        super().__init__()
        self.index = index
        self.width = width
        self.height = height
        self.reopen_s = reopen_s

    def _set_state(self, state: CameraState, stopped: threading.Event | None = None) -> None:
        if state is not self._state:
            log.info("camera_state", extra={"fields": {"state": state.value}})
        super()._set_state(state, stopped)

    def _open(self) -> cv2.VideoCapture | None:
        capture = cv2.VideoCapture(self.index)
        if not capture.isOpened():
            capture.release()
            return None
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        return capture

    def _capture(self, stopped: threading.Event) -> None:
        capture = None
        failures = 0
        try:
            while not stopped.is_set():
                if capture is None:
                    capture = self._open()
                    if capture is None:
                        self._set_state(CameraState.UNAVAILABLE, stopped)
                        stopped.wait(self.reopen_s)
                        continue
                ok, image = capture.read()
                if not ok or image is None:
                    failures += 1
                    if failures >= 10:
                        # Unplugged or taken by another program: say so, then try again.
                        capture.release()
                        capture = None
                        failures = 0
                        self._slot.clear()
                        self._set_state(CameraState.UNAVAILABLE, stopped)
                    continue
                failures = 0
                self._slot.put(image, stopped)
                self._set_state(CameraState.RUNNING, stopped)
        finally:
            if capture is not None:
                capture.release()


__all__ = ["Frame", "OpenCvCamera"]
