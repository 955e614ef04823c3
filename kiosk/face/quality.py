"""Is this camera frame good enough to compare?  One short instruction if not.

:func:`assess` looks at YuNet's faces in one frame and returns a
:class:`Quality`: ``ok``, the one ``face.guide.*`` key to show, and the
measurements behind it.  Checks run in priority order and the first failing
one speaks: no face > several people > distance > centring > head pose >
light > sharpness (a citizen fixes one thing at a time, the biggest first).

All thresholds sit in :class:`QualityPolicy`; the defaults are for a kiosk
camera at 640×480 with the citizen about 50–70 cm away.  Pose comes from the
5 landmarks only (no 3-D model): good to about ±10°, enough to ask someone
to look at the camera, not a measurement.

Pure numpy/OpenCV, no state: safe from any thread.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from kiosk.face.detect import DetectedFace, as_bgr

NO_FACE = "face.guide.no_face"
ONE_PERSON = "face.guide.one_person"
MOVE_CLOSER = "face.guide.move_closer"
MOVE_BACK = "face.guide.move_back"
CENTRE = "face.guide.centre"
LOOK_AT_CAMERA = "face.guide.look_at_camera"
HOLD_STILL = "face.guide.hold_still"
MORE_LIGHT = "face.guide.more_light"
TOO_BRIGHT = "face.guide.too_bright"
GOOD = "face.guide.good"

DEFAULT_OVAL = (0.5, 0.45, 0.22, 0.36)
"""The on-screen oval (cx, cy, rx, ry) as fractions of frame width and height."""

NOSE_DEPTH_PER_EYE_DISTANCE = 0.5
"""Nose tip in front of the eye plane, in inter-eye distances (adult average ≈ 32/63 mm)."""
NOSE_DEPTH_PER_EYE_MOUTH = 0.43
"""The same depth in eye-line-to-mouth-line distances (1.16 inter-eye distances)."""
FRONTAL_NOSE_HEIGHT = 0.55
"""Nose tip between eye line (0) and mouth line (1) on a frontal face, as YuNet places it.

Measured on the frontal test photos (0.54–0.57); the ArcFace template's 0.494
would read every frontal face as 8° chin-down.
"""


@dataclass(frozen=True)
class QualityPolicy:
    """Thresholds for :func:`assess`; every default is explained on its line."""

    # Distance: face width as a fraction of the frame width.  At 640 px wide, 0.22 is
    # a 140-px face (eyes ~55 px apart: well above the 35-px template, no upscaling);
    # above 0.60 the chin and forehead leave the frame and the lens distorts.
    min_face_width: float = 0.22
    max_face_width: float = 0.60
    # A second face counts only when at least this fraction of the main face's width
    # and this fraction of the frame width: someone waiting further back in the queue
    # (a small face) does not block the citizen at the kiosk.
    other_face_ratio: float = 0.6
    other_face_min_width: float = 0.12
    # Centring: face centre's distance from the oval's centre in oval radii (1 = on
    # the oval's edge).
    max_centre_offset: float = 0.45
    # Pose (degrees, 5-landmark estimates, ±10°): SFace loses little up to ~25° of yaw;
    # the slightly turned test portraits read 16–17°.
    max_yaw_deg: float = 25.0
    max_pitch_deg: float = 20.0
    max_roll_deg: float = 25.0
    # Light on the face (grey levels 0..255): mean, and the share of crushed/clipped
    # pixels (a face half in shadow or lit by a window behind the camera).
    min_brightness: float = 60.0
    max_brightness: float = 205.0
    max_dark_fraction: float = 0.35  # pixels <= 15
    max_clipped_fraction: float = 0.25  # pixels >= 250
    # Sharpness: variance of the Laplacian on the inner face resized to 112 px wide.
    # Sharp faces in 640x480 frames made from the test photos measure 67–291; a
    # Gaussian blur of sigma 2 px drops them to 8–42, sigma 3 px to 5–20.
    min_sharpness: float = 25.0


@dataclass(frozen=True)
class Quality:
    """One frame's verdict; no image, no personal data (safe to log)."""

    ok: bool
    guidance_key: str
    faces_counted: int = 0
    face_width: float | None = None  # fraction of frame width
    eye_distance_px: float | None = None
    centre_offset: float | None = None  # in oval radii
    yaw_deg: float | None = None  # + = the person turned to their left (nose to image right)
    pitch_deg: float | None = None  # + = chin down
    roll_deg: float | None = None
    brightness: float | None = None
    dark_fraction: float | None = None
    clipped_fraction: float | None = None
    sharpness: float | None = None


def pose(face: DetectedFace) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees estimated from the 5 landmarks.

    Yaw: turning by θ moves the nose tip sideways by depth·sinθ while the eye
    distance shrinks by cosθ, so the nose offset over the eye distance is
    depth·tanθ.  Pitch: the same along the eye-to-mouth axis, from the
    frontal nose height.  Roll: the angle of the eye line.
    """
    p = face.landmarks5.astype(np.float64)
    eye_a, eye_b, nose, mouth_a, mouth_b = p
    eyes = (eye_a + eye_b) / 2
    mouth = (mouth_a + mouth_b) / 2
    eye_vec = eye_b - eye_a
    eye_distance = float(np.linalg.norm(eye_vec)) or 1.0
    roll = math.degrees(math.atan2(eye_vec[1], eye_vec[0]))
    # Project onto the face's own axes so a tilted head does not read as a turn.
    x_axis = eye_vec / eye_distance
    y_axis = np.array([-x_axis[1], x_axis[0]])
    sideways = float(np.dot(nose - eyes, x_axis)) / eye_distance
    yaw = math.degrees(math.atan(sideways / NOSE_DEPTH_PER_EYE_DISTANCE))
    eye_mouth = float(np.dot(mouth - eyes, y_axis)) or 1.0
    height = float(np.dot(nose - eyes, y_axis)) / eye_mouth
    pitch = math.degrees(math.atan((height - FRONTAL_NOSE_HEIGHT) / NOSE_DEPTH_PER_EYE_MOUTH))
    return yaw, pitch, roll


def face_patch(grey: np.ndarray, face: DetectedFace) -> np.ndarray:
    """The inner face (eyes to mouth, cheeks in) of a greyscale frame; hair and background out."""
    x, y, w, h = face.box
    left, right = int(max(0, x + 0.15 * w)), int(min(grey.shape[1], x + 0.85 * w))
    top, bottom = int(max(0, y + 0.2 * h)), int(min(grey.shape[0], y + 0.9 * h))
    if right - left < 4 or bottom - top < 4:
        return grey[0:0, 0:0]
    return grey[top:bottom, left:right]


def sharpness(patch: np.ndarray) -> float:
    """Variance of the Laplacian on the patch resized to 112 px wide (scale-independent)."""
    if patch.size == 0:
        return 0.0
    height = max(8, round(patch.shape[0] * 112 / patch.shape[1]))
    resized = cv2.resize(patch, (112, height), interpolation=cv2.INTER_AREA)
    return float(cv2.Laplacian(resized, cv2.CV_64F).var())


def counted_faces(
    faces: Sequence[DetectedFace], frame_width: int, policy: QualityPolicy
) -> list[DetectedFace]:
    """The faces that count: the largest, and others big enough to be at the kiosk."""
    if not faces:
        return []
    main = max(faces, key=lambda f: f.area)
    others = [
        f
        for f in faces
        if f is not main
        and f.box[2] >= policy.other_face_ratio * main.box[2]
        and f.box[2] >= policy.other_face_min_width * frame_width
    ]
    return [main, *others]


def assess(
    frame_bgr: np.ndarray,
    faces: Sequence[DetectedFace],
    oval: tuple[float, float, float, float] = DEFAULT_OVAL,
    policy: QualityPolicy = QualityPolicy(),
) -> Quality:
    """Judge one frame; see the module docstring for the order of the checks."""
    frame = as_bgr(frame_bgr)
    height, width = frame.shape[:2]
    counted = counted_faces(faces, width, policy)
    if not counted:
        return Quality(False, NO_FACE)
    if len(counted) > 1:
        return Quality(False, ONE_PERSON, faces_counted=len(counted))
    face = counted[0]
    cx, cy, rx, ry = oval
    fx, fy = face.centre
    offset = math.hypot((fx / width - cx) / rx, (fy / height - cy) / ry)
    yaw, pitch, roll = pose(face)
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    patch = face_patch(grey, face)
    if patch.size:
        brightness = float(patch.mean())
        dark = float(np.count_nonzero(patch <= 15)) / patch.size
        clipped = float(np.count_nonzero(patch >= 250)) / patch.size
    else:
        brightness, dark, clipped = 0.0, 1.0, 0.0
    metrics = Quality(
        False,
        "",
        faces_counted=1,
        face_width=face.box[2] / width,
        eye_distance_px=face.eye_distance,
        centre_offset=offset,
        yaw_deg=yaw,
        pitch_deg=pitch,
        roll_deg=roll,
        brightness=brightness,
        dark_fraction=dark,
        clipped_fraction=clipped,
        sharpness=sharpness(patch),
    )
    return _verdict(metrics, policy)


def _verdict(q: Quality, policy: QualityPolicy) -> Quality:
    assert q.face_width is not None and q.centre_offset is not None
    assert q.yaw_deg is not None and q.pitch_deg is not None and q.roll_deg is not None
    assert q.brightness is not None and q.dark_fraction is not None
    assert q.clipped_fraction is not None and q.sharpness is not None
    checks = (
        (q.face_width < policy.min_face_width, MOVE_CLOSER),
        (q.face_width > policy.max_face_width, MOVE_BACK),
        (q.centre_offset > policy.max_centre_offset, CENTRE),
        (
            abs(q.yaw_deg) > policy.max_yaw_deg
            or abs(q.pitch_deg) > policy.max_pitch_deg
            or abs(q.roll_deg) > policy.max_roll_deg,
            LOOK_AT_CAMERA,
        ),
        (
            q.brightness < policy.min_brightness or q.dark_fraction > policy.max_dark_fraction,
            MORE_LIGHT,
        ),
        (
            q.brightness > policy.max_brightness
            or q.clipped_fraction > policy.max_clipped_fraction,
            TOO_BRIGHT,
        ),
        (q.sharpness < policy.min_sharpness, HOLD_STILL),
    )
    for failed, key in checks:
        if failed:
            return _with(q, False, key)
    return _with(q, True, GOOD)


def _with(q: Quality, ok: bool, key: str) -> Quality:
    return replace(q, ok=ok, guidance_key=key)
