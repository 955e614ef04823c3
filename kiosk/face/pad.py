"""A passive presentation-attack check: is the face in the frame printed or on a screen?

Beside the challenges (:mod:`kiosk.face.liveness`), which a printed photo or a replayed
video can sometimes answer, this looks at the *texture* of the face region of the frames
kept for the decision.  A face re-photographed from paper or from a display carries the
medium's periodic structure: the halftone dot screen of a print, the pixel and RGB
sub-pixel grid of a screen, and the moiré they make with the camera's own pixel grid.
Those are narrow peaks in the 2-D spectrum; live skin, hair and sensor noise give a
smooth, broad spectrum.

The measure (one number, higher = more attack-like): in the face region, taken from the
frame at the camera's own sampling (no resizing, so the camera's grid and any JPEG
block grid stay where they are), the image minus its Gaussian blur (σ 2 px) is windowed
(Hann), its power spectrum smoothed over 3×3 bins and divided by the median power at
the same spatial frequency (radius); the score is the largest such ratio in dB between
0.08 and 0.5 cycles a pixel, leaving out the two axes (edges of eyes and mouth) and the
multiples of 1/16 cycle a pixel (JPEG blocks of an MJPEG camera, 16 px in subsampled
colour).  It is taken on the
luma and on both chroma channels (sub-pixel stripes show mostly in colour).

The threshold (:attr:`PadPolicy.max_peak_db`) was set on synthetic live frames and
measured on synthetic attacks the tests make (tests/kiosk/face/attacks.py); both the
numbers and their limits are in docs/liveness.md.  What it cannot see: a print whose
screen is finer than the camera resolves (no pattern survives the optics), a matte
photographic print, a mask.  It is one more cost for the attacker, not an ISO/IEC
30107-3 evaluated PAD.  Pure numpy/OpenCV, no state: safe from any thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.face.detect import DetectedFace, as_bgr

MIN_SIDE = 48
"""Smallest face region (pixels) the measure is taken on; smaller faces are not judged."""


@dataclass(frozen=True)
class PadPolicy:
    # Peak over the local spectrum level, in dB.  Synthetic live frames made from the
    # registry's photos (faces of 90 px and more, sensor noise, optics blur, MJPEG or
    # not) peak at 6.4–15.4 dB; halftone prints and screens re-photographed at 10–53 dB,
    # most above 20.  Live renders of enlarged 250-px JPEG photos (LFW) exceed it 16 % of
    # the time: their source's JPEG grid is itself a periodic pattern.  Real cameras and
    # real attacks are unmeasured (docs/liveness.md): a deployment checks its BPCER.
    max_peak_db: float = 16.0
    # Share of the kept frames that must look like an attack (a single frame with a
    # patterned shirt collar in the region is not enough).
    min_attack_share: float = 0.5
    # Face region: this fraction of the detector box's width, centred on the face.
    region: float = 0.8


@dataclass(frozen=True)
class PadResult:
    """One frame's measure (numbers only, safe to log)."""

    peak_db: float  # max of the three channels; NaN when the face is too small
    luma_db: float
    chroma_db: float
    attack: bool


def face_region(bgr: np.ndarray, face: DetectedFace, fraction: float = 0.8) -> np.ndarray | None:
    """The square around the face centre, ``fraction`` of the box width, in frame pixels."""
    image = as_bgr(bgr)
    x, y, w, h = face.box
    side = round(float(w) * fraction) & ~1
    if side < MIN_SIDE:
        return None
    cx, cy = x + w / 2, y + h / 2
    left, top = round(float(cx) - side / 2), round(float(cy) - side / 2)
    if left < 0 or top < 0 or left + side > image.shape[1] or top + side > image.shape[0]:
        left = min(max(left, 0), image.shape[1] - side)
        top = min(max(top, 0), image.shape[0] - side)
        if left < 0 or top < 0:
            return None
    return image[top : top + side, left : left + side]


def spectral_peak_db(channel: np.ndarray) -> float:
    """The largest local spectral peak in dB (see the module doc) of one channel."""
    data = channel.astype(np.float32)
    high = data - cv2.GaussianBlur(data, (0, 0), 2.0)
    size = high.shape[0]
    window = np.outer(np.hanning(size), np.hanning(size)).astype(np.float32)
    power = np.abs(np.fft.fftshift(np.fft.fft2(high * window))) ** 2
    power = cv2.blur(power.astype(np.float32), (3, 3)).astype(np.float64) + 1e-12
    freqs = (np.arange(size) - size // 2) / size
    fy, fx = np.meshgrid(freqs, freqs, indexing="ij")
    radius = np.hypot(fx, fy)
    bin_width = 1.0 / size
    mask = (radius >= 0.08) & (radius <= 0.5)
    mask &= (np.abs(fx) > 1.5 * bin_width) & (np.abs(fy) > 1.5 * bin_width)
    for axis in (fx, fy):  # JPEG's 8x8 blocks, 16x16 in 4:2:0 chroma: k/16 cycle a pixel
        nearest = np.round(axis * 16) / 16
        mask &= ~((np.abs(axis - nearest) <= 1.5 * bin_width) & (nearest != 0))
    if not np.any(mask):
        return float("nan")
    rings = np.minimum((radius / bin_width).astype(np.int64), size)
    log_power = np.log(power)
    baseline = np.full(size + 1, np.nan)
    for ring in np.unique(rings[mask]):
        baseline[ring] = np.median(log_power[mask & (rings == ring)])
    prominence = log_power[mask] - baseline[rings[mask]]
    return float(np.max(prominence) * 10 / np.log(10))


def measure(bgr: np.ndarray, face: DetectedFace, policy: PadPolicy = PadPolicy()) -> PadResult:
    """The measure on one frame's face."""
    region = face_region(bgr, face, policy.region)
    if region is None:
        nan = float("nan")
        return PadResult(nan, nan, nan, False)
    ycrcb = cv2.cvtColor(region, cv2.COLOR_BGR2YCrCb)
    luma = spectral_peak_db(ycrcb[:, :, 0])
    chroma = max(spectral_peak_db(ycrcb[:, :, 1]), spectral_peak_db(ycrcb[:, :, 2]))
    peak = max(luma, chroma)
    return PadResult(peak, luma, chroma, bool(peak > policy.max_peak_db))


def looks_presented(
    frames: Sequence[tuple[np.ndarray, DetectedFace]], policy: PadPolicy = PadPolicy()
) -> tuple[bool, list[PadResult]]:
    """(attack?, each frame's result): an attack when at least ``min_attack_share`` of the
    judged frames look like one."""
    results = [measure(frame, face, policy) for frame, face in frames]
    judged = [r for r in results if r.peak_db == r.peak_db]
    if not judged:
        return False, results
    share = sum(r.attack for r in judged) / len(judged)
    return share >= policy.min_attack_share, results
