"""Face detection with OpenCV Zoo's YuNet (``cv2.FaceDetectorYN``): boxes and 5 landmarks.

YuNet takes any input size (:meth:`FaceDetector.detect` sets it per frame), so
camera frames, chip photos and technicians' test images all go through the
same call.  Small images (a chip photo can be 240 px wide) are enlarged
before detection: YuNet's smallest anchors miss faces under about 20 px, and
enlarging costs nothing next to a missed reference.  Very large images are
shrunk first; a kiosk never needs a face smaller than a tenth of the frame.

Threading: a ``cv2.FaceDetectorYN`` keeps per-call state (its input size and
network buffers), so one :class:`FaceDetector` belongs to one thread.  Create
one per worker thread; creating one costs about 10 ms.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from kiosk.face.errors import FaceError
from kiosk.face.models import YUNET, ModelFile

LANDMARK_NAMES = ("right_eye", "left_eye", "nose", "right_mouth", "left_mouth")
"""YuNet's landmark order: the person's right eye first (on the image's left side)."""


@dataclass(frozen=True, eq=False)
class DetectedFace:
    """One face in frame coordinates (pixels of the image given to :meth:`FaceDetector.detect`).

    ``box`` is (x, y, width, height); ``landmarks5`` is a float32 (5, 2) array
    in :data:`LANDMARK_NAMES` order; ``score`` is YuNet's confidence (0..1).
    """

    box: tuple[float, float, float, float]
    landmarks5: np.ndarray
    score: float

    @property
    def area(self) -> float:
        return self.box[2] * self.box[3]

    @property
    def centre(self) -> tuple[float, float]:
        x, y, w, h = self.box
        return (x + w / 2, y + h / 2)

    @property
    def eye_distance(self) -> float:
        """Distance between the two eye landmarks in pixels (the face's scale)."""
        return float(np.linalg.norm(self.landmarks5[0] - self.landmarks5[1]))

    def as_yunet_row(self) -> np.ndarray:
        """The 15-float row ``cv2.FaceRecognizerSF.alignCrop`` expects."""
        return np.concatenate(
            [np.asarray(self.box, np.float32), self.landmarks5.reshape(-1), [self.score]]
        ).astype(np.float32)

    def scaled(self, factor: float) -> DetectedFace:
        """The same face in an image resized by ``factor``."""
        x, y, w, h = self.box
        return DetectedFace(
            (x * factor, y * factor, w * factor, h * factor),
            (self.landmarks5 * factor).astype(np.float32),
            self.score,
        )


def as_bgr(image: np.ndarray) -> np.ndarray:
    """A 3-channel uint8 BGR view of a BGR, BGRA or greyscale image."""
    if image is None or not isinstance(image, np.ndarray) or image.size == 0:
        raise FaceError("face.error.corrupt_image", "empty image")
    if image.dtype != np.uint8:
        raise FaceError("face.error.corrupt_image", f"image dtype {image.dtype}, want uint8")
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 1):
        return cv2.cvtColor(image.reshape(image.shape[:2]), cv2.COLOR_GRAY2BGR)
    if image.ndim == 3 and image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    raise FaceError("face.error.corrupt_image", f"image shape {image.shape}")


class FaceDetector:
    """YuNet behind a plain call: ``detect(bgr) -> [DetectedFace]``, largest face first.

    ``upscale_below``: images whose shorter side is under this many pixels
    are enlarged (bicubic) to it before detection; ``downscale_above``:
    images whose longer side is over this are shrunk to it.  Coordinates are
    always returned in the caller's image.  One instance per thread (see the
    module docstring).
    """

    def __init__(
        self,
        model: ModelFile = YUNET,
        score_threshold: float = 0.7,
        nms_threshold: float = 0.3,
        top_k: int = 50,
        upscale_below: int = 320,
        downscale_above: int = 1280,
    ) -> None:
        path = model.locate()
        try:
            self._net = cv2.FaceDetectorYN.create(
                str(path), "", (320, 320), score_threshold, nms_threshold, top_k
            )
        except cv2.error as exc:
            raise FaceError("face.error.model_altered", f"{model.name}: {exc}") from exc
        self._size: tuple[int, int] = (320, 320)
        self.upscale_below = upscale_below
        self.downscale_above = downscale_above

    def detect(self, bgr: np.ndarray) -> list[DetectedFace]:
        """Every face found, sorted by box area, largest first (empty list: none)."""
        image = as_bgr(bgr)
        height, width = image.shape[:2]
        factor = 1.0
        if min(height, width) < self.upscale_below:
            factor = self.upscale_below / min(height, width)
        elif max(height, width) > self.downscale_above:
            factor = self.downscale_above / max(height, width)
        if factor != 1.0:
            size = (max(1, round(width * factor)), max(1, round(height * factor)))
            interpolation = cv2.INTER_CUBIC if factor > 1 else cv2.INTER_AREA
            image = cv2.resize(image, size, interpolation=interpolation)
        size = (int(image.shape[1]), int(image.shape[0]))
        if size != self._size:
            self._net.setInputSize(size)
            self._size = size
        _, rows = self._net.detect(image)
        if rows is None:
            return []
        faces = [
            DetectedFace(
                (float(r[0]), float(r[1]), float(r[2]), float(r[3])),
                np.asarray(r[4:14], np.float32).reshape(5, 2),
                float(r[14]),
            )
            for r in rows
        ]
        if factor != 1.0:
            faces = [face.scaled(1.0 / factor) for face in faces]
        faces.sort(key=lambda face: -face.area)
        return faces
