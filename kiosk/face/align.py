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
