"""Does the camera feed look live, or replayed?  A heuristic over timing and sensor noise.

A camera sensor never delivers the same frame twice: every frame carries fresh
photon and read noise, even where nothing moves (σ of 1–4 grey levels a pixel in
indoor light).  A feed that is *played* to the kiosk — a virtual camera or a capture
device replaying a video file, an injected still — betrays itself in two ways this
module measures on consecutive frames:

- **timing**: content that does not change at the rate frames are delivered.  A 15 or
  25 fps recording played to a 30 fps pipeline, or a still, repeats frames bit for bit
  under new timestamps; a live sensor cannot.  Measured as the share of consecutive
  frames (as seen by the face check, by capture time) that are identical.
- **sensor noise**: in the still parts of the picture (the stillest third of 16×16
  blocks of the frame difference), a live feed shows temporal noise; a decoded video
  shows almost none (the codec's skipped blocks repeat exactly, its quantiser removes
  the noise).  Measured as the standard deviation of the difference there and the share
  of pixels that did not change at all.

A feed is flagged *replayed* when, over at least ``min_pairs`` frame pairs, the repeat
share exceeds ``max_repeat_share``, or the still parts are both nearly noiseless and
nearly all unchanged.  Limits, honestly: a camera with strong temporal noise reduction
in bright light can approach the "noiseless" rule (the repeat rule still never fires on
a live sensor); a replay through a real camera (a screen held up to it) carries real
sensor noise and is the passive presentation-attack check's job
(:mod:`kiosk.face.pad`); a replayer that adds synthetic noise per frame defeats the
noise rule.  Measured on synthetic feeds only (tests/kiosk/face/test_feed.py,
docs/liveness.md).  Pure numpy, no state shared between threads.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

BLOCK = 16


@dataclass(frozen=True)
class FeedPolicy:
    """Thresholds of :class:`FeedMonitor`, each explained on its line."""

    # Frame pairs kept (about 2 s at the 10–15 frames a second the face check sees).
    window: int = 30
    # No verdict before this many pairs: a second of frames.
    min_pairs: int = 12
    # Identical consecutive frames: never on a live sensor; 50 % for a 15 fps video on a
    # 30 fps pipeline, 100 % for a still.  A quarter leaves room for a driver that hands
    # the same buffer twice now and then.
    max_repeat_share: float = 0.25
    # Temporal noise (σ of the frame difference, grey levels) in still areas: a live
    # sensor's difference has σ = √2 × its noise, 1.0–3.7 on our simulated sensors (noise
    # 1–4), 0.3–1.2 behind a webcam's temporal noise reduction (60–80 % blend); decoded
    # MPEG-4 / MJPEG replays of noiseless frames measure 0.0.  The rule sits well below
    # the live values, so that a denoising camera is not taken for a replay.
    min_still_noise: float = 0.2
    # Share of unchanged pixels in still areas: a live sensor 11–40 %, up to 90 % behind
    # strong noise reduction; a decoded replay 100 %.  Both rules must hold to flag.
    max_still_unchanged: float = 0.97


@dataclass(frozen=True)
class FeedVerdict:
    """What the monitor concludes so far (numbers only, safe to log)."""

    pairs: int
    repeat_share: float
    still_noise: float  # median over pairs that were not repeats
    still_unchanged: float
    replayed: bool
    reason: str = ""  # "repeated_frames" or "no_sensor_noise" when replayed


class FeedMonitor:
    """Feed it each new frame with its capture time; ask :attr:`verdict` (see module doc)."""

    def __init__(self, policy: FeedPolicy = FeedPolicy()) -> None:
        self.policy = policy
        self._previous: np.ndarray | None = None
        self._previous_at: float | None = None
        self._repeats: deque[bool] = deque(maxlen=policy.window)
        self._noise: deque[float] = deque(maxlen=policy.window)
        self._unchanged: deque[float] = deque(maxlen=policy.window)

    def add(self, bgr: np.ndarray, captured_at: float) -> FeedVerdict:
        """Look at one frame; a frame with the capture time of the previous one is the same
        frame seen twice by the caller, not a repeat of the camera, and is skipped."""
        if self._previous_at is not None and captured_at <= self._previous_at:
            return self.verdict
        grey = _grey(bgr)
        if self._previous is not None and self._previous.shape == grey.shape:
            same = bool(np.array_equal(grey, self._previous))
            self._repeats.append(same)
            if not same:
                noise, unchanged = still_noise(self._previous, grey)
                if noise == noise:  # not NaN: some block could be judged
                    self._noise.append(noise)
                    self._unchanged.append(unchanged)
        self._previous, self._previous_at = grey, captured_at
        return self.verdict

    @property
    def verdict(self) -> FeedVerdict:
        pairs = len(self._repeats)
        repeat_share = float(np.mean(self._repeats)) if pairs else 0.0
        noise = float(np.median(self._noise)) if self._noise else float("nan")
        unchanged = float(np.median(self._unchanged)) if self._unchanged else float("nan")
        policy = self.policy
        reason = ""
        if pairs >= policy.min_pairs:
            if repeat_share > policy.max_repeat_share:
                reason = "repeated_frames"
            elif (
                len(self._noise) >= policy.min_pairs // 2
                and noise < policy.min_still_noise
                and unchanged > policy.max_still_unchanged
            ):
                reason = "no_sensor_noise"
        return FeedVerdict(pairs, repeat_share, noise, unchanged, bool(reason), reason)


def _grey(bgr: np.ndarray) -> np.ndarray:
    """Every second pixel of the grey image: full-resolution noise, a quarter of the work."""
    grey = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    return np.ascontiguousarray(grey[::2, ::2])


def still_noise(previous: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """(σ of the difference, share of unchanged pixels) in the stillest third of blocks."""
    diff = current.astype(np.int16) - previous.astype(np.int16)
    height = diff.shape[0] - diff.shape[0] % BLOCK
    width = diff.shape[1] - diff.shape[1] % BLOCK
    if height == 0 or width == 0:
        return float(np.std(diff)), float(np.mean(diff == 0))
    blocks = _blocks(diff[:height, :width])
    # Clipped blocks (black or blown-out) carry no noise on any sensor: not evidence.
    level = np.mean(_blocks(previous[:height, :width].astype(np.int16)), axis=1)
    usable = (level > 8) & (level < 247)
    if not np.any(usable):
        return float("nan"), float("nan")
    blocks = blocks[usable]
    activity = np.mean(np.abs(blocks), axis=1)
    keep = max(1, len(blocks) // 3)
    still = blocks[np.argsort(activity, kind="stable")[:keep]]
    return float(np.std(np.clip(still, -20, 20))), float(np.mean(still == 0))


def _blocks(array: np.ndarray) -> np.ndarray:
    height, width = array.shape
    return (
        array.reshape(height // BLOCK, BLOCK, width // BLOCK, BLOCK)
        .swapaxes(1, 2)
        .reshape(-1, BLOCK * BLOCK)
    )
