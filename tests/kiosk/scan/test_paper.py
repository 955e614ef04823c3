"""The paper scanner takes the photo by itself, and the demo's recorded frames still work."""

from __future__ import annotations

import threading
import time

import numpy as np

from devices.camera.simulator import DEMO_PAPER, SimulatedCamera, demo_paper_sequence
from kiosk.scan.pages import CapturedPage, PageTracker, find_page
from kiosk.scan.paper import PaperScanner
from tests.paper_scenes import DEMO_SIZE, demo_page_corners, page_sequence


def scan(camera: SimulatedCamera, timeout: float = 30) -> tuple[list[CapturedPage], list[str]]:
    """Run a scanner over ``camera`` until it takes a photo (or ``timeout`` passes)."""
    done = threading.Event()
    taken: list[CapturedPage] = []
    guidance: list[str] = []
    scanner = PaperScanner(
        camera,
        lambda detection, _size: guidance.append(detection.guidance_key),
        lambda page: (taken.append(page), done.set()),
    )
    camera.start()
    scanner.start()
    try:
        done.wait(timeout)
    finally:
        assert scanner.stop(timeout_s=20)  # the thread has ended
        camera.stop()
        camera.join()
    return taken, guidance


def test_the_scanner_takes_the_picture_by_itself_from_the_camera() -> None:
    # Then held still for 10 s (the camera loops): five still frames in a row must be seen,
    # which a loaded machine may take more than the sequence's own half second to do.
    frames = page_sequence(frames=24)
    taken, guidance = scan(SimulatedCamera(frames + [frames[-1]] * 300, fps=30))
    assert len(taken) == 1
    assert taken[0].height > taken[0].width
    assert len(taken[0].jpeg) <= 500_000
    assert "capture.guide.good" in guidance


def test_a_capture_cancelled_during_a_frame_reports_no_photo() -> None:
    held = demo_paper_sequence(hold_s=0.1)[-1]
    camera = SimulatedCamera([held], fps=30)
    taken: list[CapturedPage] = []
    progress: list[str] = []
    stopped = threading.Event()

    def on_progress(detection, _size) -> None:
        progress.append(detection.guidance_key)
        scanner.stop()  # the citizen pressed "cancel" while this frame was looked at
        stopped.set()

    # One good frame is enough to take the photo: only the cancel can prevent it.
    scanner = PaperScanner(camera, on_progress, taken.append, tracker=PageTracker(steady_frames=1))
    camera.start()
    scanner.start()
    try:
        assert stopped.wait(30)
        assert scanner.stop(timeout_s=20)
        time.sleep(0.2)  # several frames later
    finally:
        camera.stop()
        camera.join()
    assert progress == ["capture.guide.good"]
    assert taken == []


def test_the_demo_paper_frames_are_small_and_show_a_page_being_held_still() -> None:
    files = sorted(DEMO_PAPER.glob("*.jpg"))
    assert len(files) >= 2
    assert sum(f.stat().st_size for f in files) < 400_000  # kept in the repository
    sequence = demo_paper_sequence(fps=30, step_s=0.1, hold_s=1.0)
    assert len(sequence) == 3 * (len(files) - 1) + 30
    # The page comes in cut by the frame's edge, and is found whole once held still.
    assert find_page(sequence[0]).guidance_key == "capture.guide.whole_page"
    held = find_page(sequence[-1])
    assert held.guidance_key == "capture.guide.good"
    assert sequence[-1].shape[:2] == (DEMO_SIZE[1], DEMO_SIZE[0])
    truth = demo_page_corners(DEMO_SIZE, angle_deg=6.0, scale=0.85)  # where it settles
    assert held.corners is not None
    assert float(np.abs(held.corners - truth).max()) < 0.01 * float(np.hypot(*DEMO_SIZE))


def test_the_demo_camera_shown_a_paper_gets_it_photographed() -> None:
    taken, guidance = scan(SimulatedCamera(demo_paper_sequence(), fps=30))
    assert len(taken) == 1
    assert taken[0].height > taken[0].width
    assert guidance[-1] == "capture.guide.good"
