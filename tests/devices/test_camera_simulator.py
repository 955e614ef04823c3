import time
from pathlib import Path

import numpy as np
import pytest

from devices.camera.base import CameraState
from devices.camera.simulator import SimulatedCamera, demo_sequence
from tests.helpers import wait_until


def test_demo_sequence_is_a_moving_person() -> None:
    frames = demo_sequence((320, 240), frames=8)
    assert len(frames) == 8
    assert frames[0].shape == (240, 320, 3) and frames[0].dtype == np.uint8
    assert not np.array_equal(frames[0], frames[2])


def test_latest_frame_semantics_never_builds_a_backlog() -> None:
    images = [np.full((10, 10, 3), i, np.uint8) for i in range(5)]
    camera = SimulatedCamera(images, fps=200)
    states: list[CameraState] = []
    camera.state_changed.connect(states.append)
    camera.start()
    assert wait_until(lambda: (camera.latest() or None) is not None and camera.latest().seq > 20)
    first = camera.latest()
    # Always the newest, never a queue to drain (waited for: a loaded machine may hold
    # the capture thread back for a while).
    assert wait_until(lambda: camera.latest().seq > first.seq)
    camera.stop()
    assert camera.latest() is None  # frames are dropped when the camera stops
    assert states == [CameraState.STARTING, CameraState.RUNNING, CameraState.STOPPED]
    camera.join()


def test_a_camera_that_delivers_nothing_says_so() -> None:
    camera = SimulatedCamera([], fps=30)
    camera.start()
    assert wait_until(lambda: camera.state() is CameraState.UNAVAILABLE)
    assert camera.latest() is None
    camera.stop()


def test_from_files_rejects_what_is_not_an_image(tmp_path: Path) -> None:
    bad = tmp_path / "frame.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(ValueError, match="not an image"):
        SimulatedCamera.from_files([bad])


def test_stop_returns_at_once_and_no_frame_survives_it() -> None:
    images = [np.full((10, 10, 3), 7, np.uint8)]
    camera = SimulatedCamera(images, fps=1000)
    camera.start()
    assert wait_until(lambda: camera.latest() is not None)
    started = time.monotonic()
    camera.stop()
    assert time.monotonic() - started < 0.5  # never blocks the GUI thread
    camera.join()
    time.sleep(0.02)
    assert camera.latest() is None


def test_a_failing_capture_is_reported_not_silent() -> None:
    class Broken(SimulatedCamera):
        def _capture(self, stopped) -> None:
            raise RuntimeError("driver crashed")

    camera = Broken()
    camera.start()
    assert wait_until(lambda: camera.state() is CameraState.UNAVAILABLE)
    camera.stop()
