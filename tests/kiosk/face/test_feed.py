"""A replayed camera feed is told from a live one by timing and sensor noise.

All feeds are synthetic (no camera here): a textured scene with a person-sized moving
blob, either "captured live" (fresh sensor noise on every frame, σ 1–4 grey levels,
also with a camera's temporal noise reduction), or "replayed" (a still injected over
and over, a recording played at 15 fps into a 30 fps pipeline, and recordings that went
through a real video codec, MPEG-4 Part 2 and Motion-JPEG, via OpenCV's writer and
reader).  The printout of ``-s`` gives the measured numbers quoted in docs/liveness.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.face.feed import FeedMonitor, FeedPolicy

SIZE = (320, 240)
FPS = 30.0


def scene(t: float, seed: int = 1) -> np.ndarray:
    """A room-like background and a moving face-sized blob, noiseless."""
    rng = np.random.default_rng(seed)
    width, height = SIZE
    base = rng.integers(60, 200, (height // 8, width // 8, 3)).astype(np.uint8)
    frame = cv2.resize(base, SIZE, interpolation=cv2.INTER_CUBIC)
    frame = cv2.GaussianBlur(frame, (0, 0), 2)
    centre = (int(width / 2 + 20 * np.sin(t * 1.3)), int(height / 2 + 6 * np.sin(t * 0.7)))
    cv2.ellipse(frame, centre, (45, 60), 0, 0, 360, (120, 150, 190), -1, cv2.LINE_AA)
    cv2.circle(frame, (centre[0] - 16, centre[1] - 12), 5, (40, 40, 40), -1, cv2.LINE_AA)
    cv2.circle(frame, (centre[0] + 16, centre[1] - 12), 5, (40, 40, 40), -1, cv2.LINE_AA)
    return frame


def live(sigma: float, frames: int = 40, reduction: float = 0.0, seed: int = 3) -> Iterator:
    """A sensor: noise σ (signal-dependent part included), optional temporal noise reduction
    (each output frame blends ``reduction`` of the previous output, as webcams do)."""
    rng = np.random.default_rng(seed)
    previous = None
    for i in range(frames):
        clean = scene(i / FPS).astype(np.float32)
        noisy = clean + rng.normal(0, 1, clean.shape) * sigma * np.sqrt(0.5 + clean / 255)
        if previous is not None and reduction:
            noisy = reduction * previous + (1 - reduction) * noisy
        previous = noisy
        yield np.clip(np.round(noisy), 0, 255).astype(np.uint8), i / FPS


def still(frames: int = 40) -> Iterator:
    image = scene(0.0)
    for i in range(frames):
        yield image, i / FPS


def low_rate(source_fps: float = 15.0, frames: int = 40) -> Iterator:
    """A clean recording at ``source_fps`` delivered at 30 fps: frames repeat."""
    for i in range(frames):
        t = i / FPS
        yield scene(int(t * source_fps) / source_fps), t


def codec(tmp_path: Path, fourcc: str, frames: int = 40) -> Iterator:
    """A clean recording encoded and decoded by a real codec, delivered at its own rate."""
    path = tmp_path / f"replay-{fourcc}.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), FPS, SIZE)
    assert writer.isOpened(), fourcc
    for i in range(frames):
        writer.write(scene(i / FPS))
    writer.release()
    capture = cv2.VideoCapture(str(path))
    i = 0
    while True:
        ok, image = capture.read()
        if not ok:
            break
        yield image, i / FPS
        i += 1
    capture.release()


def run(feed: Iterator) -> object:
    monitor = FeedMonitor()
    verdict = None
    for image, at in feed:
        verdict = monitor.add(image, at)
    return verdict


@pytest.mark.parametrize("sigma", [1.0, 2.0, 4.0])
@pytest.mark.parametrize("reduction", [0.0, 0.6, 0.8])
def test_a_live_sensor_is_not_flagged(sigma: float, reduction: float) -> None:
    verdict = run(live(sigma, reduction=reduction))
    print(f"\nlive σ={sigma} TNR={reduction}: {verdict}")
    assert verdict.pairs >= FeedPolicy().min_pairs
    assert verdict.repeat_share == 0.0
    assert not verdict.replayed


@pytest.mark.parametrize(
    "name,make,reason",
    [
        ("still", lambda _p: still(), "repeated_frames"),
        ("15 fps replay", lambda _p: low_rate(), "repeated_frames"),
        ("MPEG-4 replay", lambda p: codec(p, "mp4v"), "no_sensor_noise"),
        # Slow motion survives JPEG quantisation as identical frames half of the time.
        ("MJPEG replay", lambda p: codec(p, "MJPG"), None),
    ],
)
def test_a_replayed_feed_is_flagged(tmp_path: Path, name: str, make, reason: str | None) -> None:
    verdict = run(make(tmp_path))
    print(f"\n{name}: {verdict}")
    assert verdict.replayed and verdict.reason == (reason or verdict.reason)
    assert verdict.still_noise != verdict.still_noise or verdict.still_noise < 0.5


def test_no_verdict_before_a_second_of_frames() -> None:
    monitor = FeedMonitor()
    image = scene(0.0)
    for i in range(FeedPolicy().min_pairs):
        verdict = monitor.add(image, i / FPS)
    assert not verdict.replayed  # 11 pairs: not yet
    assert monitor.add(image, 1.0).replayed


def test_the_same_frame_seen_twice_by_the_checker_is_not_a_repeat() -> None:
    monitor = FeedMonitor()
    for image, at in live(2.0, frames=20):
        monitor.add(image, at)
        monitor.add(image, at)  # the worker looked again before a new frame came
    assert monitor.verdict.repeat_share == 0.0 and not monitor.verdict.replayed


def test_a_clipped_dark_background_is_no_evidence() -> None:
    """A sensor shows no noise where the picture is black: those blocks are not judged."""
    monitor = FeedMonitor()
    for image, at in live(2.0):
        dark = image.copy()
        dark[:, : SIZE[0] // 2] = 0
        monitor.add(dark, at)
    assert not monitor.verdict.replayed
