"""Photographing a paper: the page is found, straightened, size-capped, with guidance."""

from __future__ import annotations

import hashlib
import threading

import cv2
import numpy as np
import pytest

from devices.camera.simulator import SimulatedCamera
from kiosk.document_scan import (
    A4_RATIO,
    PageTracker,
    PaperScanner,
    demo_page_scene,
    encode_attachment,
    enhance,
    find_page,
    page_sequence,
    rectify,
)


@pytest.mark.parametrize(
    ("angle", "offset", "scale"),
    [
        (0.0, (0.0, 0.0), 0.9),
        (6.0, (0.0, 0.0), 0.9),
        (-10.0, (0.1, 0.0), 0.85),
        (12, (-0.1, 0), 0.85),
    ],
)
def test_the_page_is_found_where_it_is(
    angle: float, offset: tuple[float, float], scale: float
) -> None:
    frame, truth = demo_page_scene(angle_deg=angle, offset=offset, scale=scale, seed=3)
    found = find_page(frame)
    assert found.guidance_key == "capture.guide.good"
    assert found.corners is not None
    diagonal = np.hypot(*frame.shape[:2])
    assert float(np.abs(found.corners - truth).max()) < 0.02 * diagonal


def text_rows_are_level(page: np.ndarray) -> float:
    """How peaky the dark-pixel profile per row is (straight lines of text: high)."""
    gray = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY)
    dark = (gray < 128).astype(np.float32)
    rows = dark.mean(axis=1)
    return float(rows.std() / max(rows.mean(), 1e-6))


def test_the_straightened_page_is_a4_portrait_with_level_text() -> None:
    frame, _truth = demo_page_scene(angle_deg=12, seed=5)
    found = find_page(frame)
    page = rectify(frame, found.corners)
    height, width = page.shape[:2]
    assert height > width
    assert abs(height / width - A4_RATIO) < 0.01
    # The tilted frame's rows mix text and gaps; the straightened page's rows do not.
    tilted = frame[:, 380:900]
    assert text_rows_are_level(page) > 1.5 * text_rows_are_level(tilted)
    # Sideways pages come out portrait too.
    turned = cv2.rotate(frame, cv2.ROTATE_90_CLOCKWISE)
    assert rectify(turned, find_page(turned).corners).shape[0] > width


@pytest.mark.parametrize(
    ("scene", "key"),
    [
        ({"scale": 0.4}, "capture.guide.move_closer"),
        ({"offset": (0.0, 0.12)}, "capture.guide.whole_page"),
        ({"brightness": 0.25}, "capture.guide.more_light"),
        ({"blur": 6}, "capture.guide.hold_still"),
    ],
)
def test_guidance_says_what_is_wrong(scene: dict, key: str) -> None:
    frame, _truth = demo_page_scene(**scene)
    assert find_page(frame).guidance_key == key


def test_no_page_in_front_of_the_camera() -> None:
    rng = np.random.default_rng(1)
    desk = np.clip(rng.normal(90, 12, (720, 1280, 3)), 0, 255).astype(np.uint8)
    assert find_page(desk).guidance_key == "capture.guide.no_page"


def test_the_tracker_waits_until_the_page_is_held_still() -> None:
    tracker = PageTracker(steady_frames=5)
    steady_at = [i for i, f in enumerate(page_sequence(frames=30)) if tracker.update(f)[1]]
    # The page moves for the first 15 frames: no picture before it stops.
    assert steady_at and steady_at[0] >= 15 + 4


def test_the_attachment_fits_the_cap_and_keeps_the_red_stamp() -> None:
    frame, _truth = demo_page_scene(size=(4000, 3000), seed=9)
    page = enhance(rectify(frame, find_page(frame).corners, long_side_px=3000))
    page = np.clip(page + np.random.default_rng(2).normal(0, 8, page.shape), 0, 255)
    captured = encode_attachment(page.astype(np.uint8), max_bytes=300_000)
    assert len(captured.jpeg) <= 300_000
    assert captured.sha256 == hashlib.sha256(captured.jpeg).hexdigest()
    decoded = cv2.imdecode(np.frombuffer(captured.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape[:2] == (captured.height, captured.width)
    b, g, r = (decoded[:, :, i].astype(int) for i in range(3))
    assert int(((r > 150) & (g < 110) & (b < 110)).sum()) > 500  # the stamp is still red
    with pytest.raises(ValueError):
        encode_attachment(page.astype(np.uint8), max_bytes=500)


def test_the_scanner_takes_the_picture_by_itself_from_the_camera() -> None:
    camera = SimulatedCamera(page_sequence(frames=30), fps=30)
    done = threading.Event()
    taken = []
    guidance = []
    scanner = PaperScanner(
        camera,
        lambda detection, _size: guidance.append(detection.guidance_key),
        lambda page: (taken.append(page), done.set()),
        interval_s=0.02,
    )
    camera.start()
    scanner.start()
    try:
        assert done.wait(10)
    finally:
        scanner.stop()
        camera.stop()
    assert taken[0].height > taken[0].width
    assert "capture.guide.good" in guidance
