"""Five-point alignment to the 112×112 ArcFace template (the input SFace was trained on).

``cv2.FaceRecognizerSF.alignCrop`` estimates the similarity transform
(rotation, uniform scale, translation) from YuNet's five landmarks to the
template below and warps the face; it is the alignment OpenCV Zoo used to
publish SFace's accuracy, so it is used as is.  The recogniser object is only
a carrier for ``alignCrop`` (its ``feature()`` fails on the int8 file: the
forward pass runs in :mod:`kiosk.face.embed`).

Threading: one recogniser per thread (kept in a ``threading.local``).
"""

from __future__ import annotations

import threading
from typing import Any

import cv2
import numpy as np

from kiosk.face.detect import DetectedFace, as_bgr
from kiosk.face.errors import FaceError
from kiosk.face.models import SFACE

CHIP_SIZE = 112
TEMPLATE = np.array(
    [
        [38.2946, 51.6963],  # right eye (image left)
        [73.5318, 51.5014],  # left eye
        [56.0252, 71.7366],  # nose tip
        [41.5493, 92.3655],  # right mouth corner
        [70.7299, 92.2041],  # left mouth corner
    ],
    np.float32,
)
"""The ArcFace 5-point template in the 112×112 crop (same order as YuNet's landmarks)."""

TEMPLATE_EYE_DISTANCE = float(np.linalg.norm(TEMPLATE[0] - TEMPLATE[1]))  # 35.2 px

_local = threading.local()


def _recogniser() -> cv2.FaceRecognizerSF:
    recogniser = getattr(_local, "recogniser", None)
    if recogniser is None:
        path = SFACE.locate()
        try:
            recogniser = cv2.FaceRecognizerSF.create(str(path), "")
        except cv2.error as exc:
            raise FaceError("face.error.model_altered", f"{SFACE.name}: {exc}") from exc
        _local.recogniser = recogniser
    return recogniser


def prepare_alignment() -> None:
    """Create this thread's recogniser now (about 100 ms) rather than on the first face."""
    _recogniser()


def align(bgr: np.ndarray, face: DetectedFace) -> np.ndarray:
    """The face warped onto the ArcFace template: a 112×112×3 BGR uint8 array."""
    return _recogniser().alignCrop(as_bgr(bgr), face.as_yunet_row())


MESH_NOSE_TIP = 1
MESH_MOUTH_CORNERS = (61, 291)  # the person's right, then left mouth corner (FaceMesh)
MAX_LANDMARK_SHIFT = 0.25
"""Largest move, in inter-eye distances, of a refined point from YuNet's: beyond it the
mesh is taken to have slipped (a profile, an occluded face) and YuNet's points are kept."""


def refined_landmarks(bgr: np.ndarray, face: DetectedFace, mesh: Any) -> DetectedFace:
    """``face`` with its 5 landmarks taken from FaceMesh (eye-corner midpoints from the
    iris model, nose tip, mouth corners) instead of YuNet's.

    Why: YuNet's five points are a by-product of detection, a few pixels off on small or
    turned faces; the alignment to the 112-px template amplifies that.  On the LFW
    East-Asian set (docs/face.md) the refined points halve the false non-matches at a
    0.1 % false-match rate.  Falls back to YuNet's points when the mesh slipped.
    """
    from kiosk.face.landmarks import eye_centres

    try:
        points = mesh.landmarks(as_bgr(bgr), face.box)
    except (ValueError, cv2.error):
        return face
    left, right = eye_centres(points)
    candidate = np.array(
        [
            right[:2],
            left[:2],
            points[MESH_NOSE_TIP, :2],
            points[MESH_MOUTH_CORNERS[0], :2],
            points[MESH_MOUTH_CORNERS[1], :2],
        ],
        np.float32,
    )
    if not np.all(np.isfinite(candidate)):
        return face
    shift = np.linalg.norm(candidate - face.landmarks5, axis=1).max()
    if shift > MAX_LANDMARK_SHIFT * max(face.eye_distance, 1.0):
        return face
    return DetectedFace(face.box, candidate, face.score)
