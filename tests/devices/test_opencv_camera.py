"""The real OpenCV adapter, fed a real video file (no camera on this machine)."""

from pathlib import Path

import cv2
import numpy as np

from devices.camera.base import CameraState
from devices.camera.opencv import OpenCvCamera
from tests.helpers import wait_until


def test_frames_flow_from_a_capture_source_and_stop_drops_them(tmp_path: Path) -> None:
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), 30, (160, 120))
    for i in range(90):
        writer.write(np.full((120, 160, 3), i * 2, np.uint8))
    writer.release()
    # A file is a recorded feed: the kiosk refuses it unless a technician allows it.
    camera = OpenCvCamera(str(path), reopen_s=0.1, allow_virtual=True)
    camera.start()
    assert wait_until(lambda: camera.latest() is not None)
    assert camera.latest().image.shape == (120, 160, 3)
    camera.stop()
    assert camera.latest() is None and camera.state() is CameraState.STOPPED


def test_a_missing_camera_is_reported_unavailable(tmp_path: Path) -> None:
    camera = OpenCvCamera(str(tmp_path / "no-such-device"), reopen_s=0.1)
    states = []
    camera.state_changed.connect(states.append)
    camera.start()
    assert wait_until(lambda: camera.state() is CameraState.UNAVAILABLE)
    assert camera.latest() is None
    camera.stop()
    assert CameraState.UNAVAILABLE in states
