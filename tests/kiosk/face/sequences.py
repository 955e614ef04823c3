"""Test sequences for liveness: genuine actions at the landmark level, attacks as images.

Genuine sequences start from the FaceMesh points of a real photo and move
them as a head does: the upper lids close onto the lower ones and reopen
(a blink), the 3D mesh turns about the vertical axis (FaceMesh gives depth),
the face grows (coming closer); with small jitter.  Photos of real blinks and
turns of one person are not available here, so the genuine side is synthetic
at the landmark level; docs/face.md says so.

Attacks are real images run through the real detector and FaceMesh: a
printed photo held up (hand shake: small shifts, rotations, scale wobble), a
still picture on a phone (a black bezel, screen lines, a brighter picture),
and the replay of another session's recorded landmarks against new challenges.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import cv2
import numpy as np

from kiosk.face.liveness import Challenge

FPS = 15.0
UPPER_LIDS = ((160, 144), (158, 153), (385, 380), (387, 373))  # (upper, lower) pairs


def jitter(points: np.ndarray, rng: np.random.Generator, pixels: float = 0.6) -> np.ndarray:
    moved = points.copy()
    moved[:, :2] += rng.normal(0, pixels, (points.shape[0], 2)) + rng.normal(0, pixels, 2)
    return moved


def blink(points: np.ndarray, closed: float) -> np.ndarray:
    """``closed`` 0 (open) .. 1 (shut): the upper lids move down onto the lower ones."""
    moved = points.copy()
    for upper, lower in UPPER_LIDS:
        moved[upper, :2] = points[upper, :2] + closed * 0.85 * (
            points[lower, :2] - points[upper, :2]
        )
    return moved


def turn(points: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate the 3D mesh about the vertical axis: + is the person's left."""
    theta = math.radians(degrees)
    centre = points.mean(axis=0)
    moved = points.copy()
    x, z = points[:, 0] - centre[0], points[:, 2] - centre[2]
    moved[:, 0] = centre[0] + x * math.cos(theta) - z * math.sin(theta)
    moved[:, 2] = centre[2] + x * math.sin(theta) + z * math.cos(theta)
    return moved


def grow(points: np.ndarray, factor: float) -> np.ndarray:
    centre = points[:, :2].mean(axis=0)
    moved = points.copy()
    moved[:, :2] = centre + (points[:, :2] - centre) * factor
    moved[:, 2] *= factor
    return moved


def action(points: np.ndarray, challenge: Challenge, seconds: float = 1.2) -> list[np.ndarray]:
    """The frames of one genuine action, starting and ending at rest."""
    frames = []
    count = int(seconds * FPS)
    for i in range(count):
        phase = i / (count - 1)
        if challenge is Challenge.BLINK:
            # Eyes close for about 0.25 s in the middle.
            closed = max(0.0, 1 - abs(phase - 0.5) / 0.12)
            frames.append(blink(points, min(closed, 1.0)))
        elif challenge in (Challenge.TURN_LEFT, Challenge.TURN_RIGHT):
            sign = 1 if challenge is Challenge.TURN_LEFT else -1
            frames.append(turn(points, sign * 28 * math.sin(math.pi * phase)))
        else:
            frames.append(grow(points, 1 + 0.35 * min(phase * 1.5, 1.0)))
    return frames


def genuine(
    points: np.ndarray,
    challenges: list[Challenge],
    rng: np.random.Generator,
    rest_s: float = 1.0,
) -> Iterator[tuple[float, np.ndarray]]:
    """(time, points) of a person doing ``challenges`` in order, resting between them."""
    t = 0.0
    frames: list[np.ndarray] = [points] * int(rest_s * FPS)
    scale = 1.0
    for challenge in challenges:
        done = action(grow(points, scale), challenge)
        if challenge is Challenge.MOVE_CLOSER:
            scale *= 1.35
        frames += done + [grow(points, scale)] * int(0.6 * FPS)
    for frame in frames:
        yield t, jitter(frame, rng)
        t += 1 / FPS


def printed_photo(
    image: np.ndarray, rng: np.random.Generator, seconds: float
) -> Iterator[np.ndarray]:
    """A photo held up to the camera: it shakes, tilts and wobbles, but nothing in it moves."""
    h, w = image.shape[:2]
    for i in range(int(seconds * FPS)):
        angle = 2.5 * math.sin(i / 5) + rng.normal(0, 0.4)
        scale = 1 + 0.03 * math.sin(i / 7) + rng.normal(0, 0.005)
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
        matrix[:, 2] += rng.normal(0, 3, 2)
        yield cv2.warpAffine(image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE)


def phone_screen(
    image: np.ndarray, rng: np.random.Generator, seconds: float
) -> Iterator[np.ndarray]:
    """A still picture on a phone: a bezel, scan lines, a brighter, bluer picture."""
    h, w = image.shape[:2]
    screen = cv2.resize(image, (int(w * 0.7), int(h * 0.7)))
    screen = np.clip(screen * 1.15 + np.array([12, 4, -6]), 0, 255).astype(np.uint8)
    screen[::3] = (screen[::3] * 0.85).astype(np.uint8)  # the display's lines
    frame = np.full_like(image, 30)
    y, x = (h - screen.shape[0]) // 2, (w - screen.shape[1]) // 2
    frame[y : y + screen.shape[0], x : x + screen.shape[1]] = screen
    yield from printed_photo(frame, rng, seconds)
