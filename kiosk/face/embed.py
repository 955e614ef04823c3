"""Face embeddings: a face becomes a unit-length vector; similar vectors, same person.

Every embedder speaks one convention: cosine similarity of L2-normalised
vectors, *higher is more alike*, and a match is ``score >= threshold``.

- :class:`OnnxEmbedder` runs an ONNX file with ``cv2.dnn`` on the 112×112
  ArcFace-aligned crop.  :func:`sface` is the default: OpenCV Zoo's SFace int8
  (RGB, raw 0–255, no mean, input named ``data``: docs/face.md and shared FACE.md),
  aligned on FaceMesh's refined points and fed the crop and its mirror image (the two
  vectors added), the two changes that measurably lowered false non-matches on
  East-Asian faces (docs/face.md, "What was tried").  :meth:`OnnxEmbedder.custom`
  loads a deployment's own file, checked by sha256 like every model, run as is.
- :class:`DlibEmbedder` is dlib's ResNet, kept for the benchmark's comparison only: it
  has no threshold meeting a 0.1 % false-match rate on East-Asian faces with a usable
  false non-match rate (it refused 28 % of genuine pairs there), so the configuration
  no longer offers it.

Every embedder the configuration accepts has a :class:`Calibration` in
:data:`CALIBRATIONS`: a threshold measured on East-Asian faces for a false-match rate of
at most 0.1 %, with the data and the command named.  A test keeps
``kiosk.runtime.config.FACE_EMBEDDERS`` and this table in step.

Threading: a ``cv2.dnn`` net, a FaceMesh and dlib's models hold per-call buffers, so
one embedder belongs to one thread.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from kiosk.face.align import CHIP_SIZE, align, prepare_alignment, refined_landmarks
from kiosk.face.detect import DetectedFace, as_bgr
from kiosk.face.errors import FaceError
from kiosk.face.models import DLIB_RESNET, DLIB_SHAPE5, SFACE, ModelFile

MAX_CALIBRATED_FMR = 0.001
"""The false-match rate every selectable embedder's threshold must hold (e-gate practice)."""


@dataclass(frozen=True)
class Calibration:
    """A threshold and the measurement behind it (docs/face.md gives the whole table)."""

    threshold: float
    target_fmr: float  # the false-match rate the threshold was set for
    data: str  # where the faces came from
    people: int
    impostor_pairs: int
    fmr: float  # measured at ``threshold`` on that data
    fnmr: float
    fnmr_ci95: tuple[float, float]  # people resampled (kiosk.face.stats)
    command: str


CALIBRATIONS: dict[str, Calibration] = {
    "sface": Calibration(
        threshold=0.42,
        target_fmr=0.001,
        data="LFW, its 87 East-Asian people with 2+ photos (benchmarks/face_sets.py)",
        people=87,
        impostor_pairs=106_276,
        fmr=0.00096,  # 102 of 106,276 impostor pairs
        fnmr=0.0035,  # 12 of 3,470 genuine pairs
        fnmr_ci95=(0.0003, 0.0172),
        command="python -m benchmarks.face --lfw DIR",
    ),
}
"""Measured thresholds of the built-in embedders; only these (and 'custom', with its own
threshold) can be selected.  The highest of the three sets' 0.1 % thresholds was taken
(East-Asian 0.419, Southeast-Asian 0.394, both 0.406), so the false-match rate holds on
each; the figures are re-measured by the command and printed in docs/face.md."""

DEFAULT_THRESHOLDS: dict[str, float] = {name: c.threshold for name, c in CALIBRATIONS.items()}
"""Cosine thresholds per selectable embedder (from :data:`CALIBRATIONS`)."""

DLIB_DISTANCE = 0.6
"""dlib's published Euclidean-distance tolerance (same person when below)."""

DLIB_DESCRIPTOR_NORM = 1.39
"""Typical length of dlib's raw descriptor (measured: 1.36–1.41 on the test photos)."""

DLIB_PUBLISHED_THRESHOLD = round(1.0 - (DLIB_DISTANCE / DLIB_DESCRIPTOR_NORM) ** 2 / 2.0, 3)
"""dlib's published 0.6 distance as a cosine on its raw descriptors: for two vectors of
norm ``n``, ``d² = 2·n²·(1 − cos)``, so 0.907.  On the LFW East-Asian set it accepts
a third of the impostor pairs (32 %, docs/face.md): not a threshold for a kiosk."""


class Embedder(Protocol):
    """Turns a detected face into an L2-normalised float32 vector.

    ``crop`` + ``embed_crop`` split :meth:`embed` so callers can time
    alignment and the network separately.  ``threshold`` is NaN for a custom model
    that has not been calibrated yet (``kiosk face evaluate`` says what it would be).
    """

    name: str
    threshold: float

    def embed(self, bgr_frame: np.ndarray, face: DetectedFace) -> np.ndarray: ...

    def crop(self, bgr_frame: np.ndarray, face: DetectedFace) -> np.ndarray: ...

    def embed_crop(self, crop: np.ndarray) -> np.ndarray: ...


def normalised(vector: np.ndarray) -> np.ndarray:
    """``vector / |vector|`` as float32 (``FaceError`` for an all-zero vector)."""
    flat = np.asarray(vector, np.float32).reshape(-1)
    norm = float(np.linalg.norm(flat))
    if not math.isfinite(norm) or norm == 0.0:
        raise FaceError("face.error.internal", "the embedding is zero or not finite")
    return flat / norm


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors (normalised here, so any length works)."""
    a = np.asarray(a, np.float32).reshape(-1)
    b = np.asarray(b, np.float32).reshape(-1)
    if a.shape != b.shape:
        raise ValueError(f"embeddings of different sizes: {a.shape} vs {b.shape}")
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
    if denominator == 0.0:
        return 0.0
    return float(np.dot(a, b) / denominator)


class OnnxEmbedder:
    """An ONNX embedding network run with ``cv2.dnn`` on the ArcFace-aligned crop.

    ``input_size`` is (width, height) of the network input (the 112×112
    crop is resized when it differs); ``swap_rb`` feeds RGB; each pixel
    becomes ``(value - mean) * scale``; ``input_name`` names the graph input
    (``""``: the first one).  ``landmarker`` (a :class:`kiosk.face.landmarks.FaceMesh`)
    refines the five alignment points; ``mirror`` adds the vector of the mirrored crop.
    """

    def __init__(
        self,
        model: ModelFile,
        name: str,
        threshold: float,
        input_size: tuple[int, int] = (CHIP_SIZE, CHIP_SIZE),
        swap_rb: bool = True,
        mean: tuple[float, float, float] = (0.0, 0.0, 0.0),
        scale: float = 1.0,
        input_name: str = "",
        *,
        landmarker: Any = None,
        mirror: bool = False,
    ) -> None:
        path = model.locate()
        try:
            self._net = cv2.dnn.readNetFromONNX(str(path))
        except cv2.error as exc:
            raise FaceError("face.error.model_altered", f"{model.name}: {exc}") from exc
        self.model = model
        self.name = name
        self.threshold = float(threshold)
        self.input_size = (int(input_size[0]), int(input_size[1]))
        self.swap_rb = swap_rb
        self.mean = tuple(float(m) for m in mean)
        self.scale = float(scale)
        self.input_name = input_name
        self.landmarker = landmarker
        self.mirror = mirror
        prepare_alignment()  # load alignCrop's carrier now, not on the first face

    @classmethod
    def custom(
        cls,
        path: Path | str,
        sha256: str,
        threshold: float,
        input_size: tuple[int, int] = (CHIP_SIZE, CHIP_SIZE),
        swap_rb: bool = True,
        mean: tuple[float, float, float] = (0.0, 0.0, 0.0),
        scale: float = 1.0,
        input_name: str = "",
        name: str = "custom",
    ) -> OnnxEmbedder:
        """A deployment's own model file, refused (``face.error.model_altered``) unless
        its sha256 matches; ``threshold`` must come from its own calibration."""
        model = ModelFile.custom(f"custom embedder ({Path(path).name})", Path(path), sha256)
        return cls(model, name, threshold, input_size, swap_rb, mean, scale, input_name)

    def crop(self, bgr_frame: np.ndarray, face: DetectedFace) -> np.ndarray:
        if self.landmarker is not None:
            face = refined_landmarks(bgr_frame, face, self.landmarker)
        return align(bgr_frame, face)

    def _forward(self, crop: np.ndarray) -> np.ndarray:
        blob = cv2.dnn.blobFromImage(
            as_bgr(crop), self.scale, self.input_size, self.mean, swapRB=self.swap_rb
        )
        if self.input_name:
            self._net.setInput(blob, self.input_name)
        else:
            self._net.setInput(blob)
        return np.asarray(self._net.forward(), np.float32).reshape(-1)

    def embed_crop(self, crop: np.ndarray) -> np.ndarray:
        vector = normalised(self._forward(crop))
        if self.mirror:
            flipped = np.ascontiguousarray(as_bgr(crop)[:, ::-1])
            vector = normalised(vector + normalised(self._forward(flipped)))
            flipped.fill(0)
        return vector

    def embed(self, bgr_frame: np.ndarray, face: DetectedFace) -> np.ndarray:
        return self.embed_crop(self.crop(bgr_frame, face))


def sface(threshold: float | None = None, landmarker: Any = None) -> OnnxEmbedder:
    """OpenCV Zoo's SFace int8 as calibrated: FaceMesh-refined alignment, mirror added.

    RGB, raw 0–255, no mean, graph input ``data`` (the file keeps 29 unused graph
    inputs, so the input must be named).  ``landmarker``: this thread's FaceMesh (one is
    made when not given: about 30 ms).
    """
    if landmarker is None:
        from kiosk.face.landmarks import FaceMesh

        landmarker = FaceMesh()
    return OnnxEmbedder(
        SFACE,
        "sface",
        DEFAULT_THRESHOLDS["sface"] if threshold is None else threshold,
        input_name="data",
        landmarker=landmarker,
        mirror=True,
    )


def sface_plain(threshold: float = math.nan) -> OnnxEmbedder:
    """SFace as OpenCV Zoo runs it (YuNet's points, one crop): the benchmark's baseline."""
    return OnnxEmbedder(SFACE, "sface-plain", threshold, input_name="data")


SFaceEmbedder = sface
"""The default embedder (an :class:`OnnxEmbedder` set up for SFace)."""


class DlibEmbedder:
    """dlib's ResNet: its 5-point shape predictor aligns a 150×150 chip, then 128-D.

    dlib's predictor was trained on its own detector's boxes, which are
    tighter than YuNet's: :func:`dlib_box` converts.  About 90 ms an embedding
    on this hardware (single-threaded).  Not selectable in the configuration (no
    threshold meets FMR 0.1 % on East-Asian faces with a usable FNMR); the benchmark
    compares it at its published threshold unless given another.
    """

    def __init__(
        self,
        threshold: float = DLIB_PUBLISHED_THRESHOLD,
        resnet: ModelFile = DLIB_RESNET,
        shape5: ModelFile = DLIB_SHAPE5,
    ) -> None:
        resnet_path, shape_path = resnet.locate(), shape5.locate()
        try:
            import dlib  # lazy: only sites that pick this backend pay for it
        except ImportError as exc:
            raise FaceError("face.error.model_missing", "dlib is not installed") from exc
        self._dlib: Any = dlib
        try:
            self._shape = dlib.shape_predictor(str(shape_path))
            self._net = dlib.face_recognition_model_v1(str(resnet_path))
        except RuntimeError as exc:
            raise FaceError("face.error.model_altered", f"dlib model: {exc}") from exc
        self.name = "dlib"
        self.threshold = float(threshold)

    def landmarks(self, rgb: np.ndarray, rect: Any) -> Any:
        return self._shape(rgb, rect)

    def crop(self, bgr_frame: np.ndarray, face: DetectedFace) -> np.ndarray:
        rgb = np.ascontiguousarray(cv2.cvtColor(as_bgr(bgr_frame), cv2.COLOR_BGR2RGB))
        left, top, right, bottom = dlib_box(face)
        rect = self._dlib.rectangle(left, top, right, bottom)
        shape = self._shape(rgb, rect)
        return self.chip(rgb, shape)

    def chip(self, rgb: np.ndarray, shape: Any) -> np.ndarray:
        """The 150×150 RGB chip dlib's ResNet expects (its own 0.25 padding)."""
        return np.asarray(self._dlib.get_face_chip(rgb, shape, size=150, padding=0.25))

    def embed_crop(self, crop: np.ndarray) -> np.ndarray:
        """``crop``: an RGB chip from :meth:`crop` (dlib works in RGB)."""
        return normalised(np.asarray(self._net.compute_face_descriptor(crop)))

    def embed(self, bgr_frame: np.ndarray, face: DetectedFace) -> np.ndarray:
        return self.embed_crop(self.crop(bgr_frame, face))


def dlib_box(face: DetectedFace) -> tuple[int, int, int, int]:
    """A dlib-detector-like square (left, top, right, bottom) from YuNet's landmarks.

    dlib's frontal detector frames eyebrows to lower lip, about 2.3 inter-eye
    distances wide, centred a little below the eyes; built from the
    landmarks, so it does not depend on how tall YuNet's box is.
    """
    points = face.landmarks5
    eyes = (points[0] + points[1]) / 2
    mouth = (points[3] + points[4]) / 2
    side = 2.3 * max(face.eye_distance, 1.0)
    cx, cy = float(eyes[0] + mouth[0]) / 2, float(eyes[1] * 0.6 + mouth[1] * 0.4)
    half = side / 2
    return (round(cx - half), round(cy - half), round(cx + half), round(cy + half))


def make_embedder(name: str, threshold: float | None = None, landmarker: Any = None) -> Embedder:
    """A calibrated built-in embedder by name; ``threshold`` None uses its calibration.

    ``ValueError`` for any name without a measured threshold in :data:`CALIBRATIONS`
    (dlib included): a matcher nobody measured on East-Asian faces is not offered.
    """
    if name not in CALIBRATIONS:
        raise ValueError(
            f"embedder {name!r} has no threshold measured on East-Asian faces for "
            f"FMR <= {MAX_CALIBRATED_FMR:.1%}; calibrated: {', '.join(CALIBRATIONS)}"
        )
    if name == "sface":
        return sface(threshold, landmarker)
    raise ValueError(f"embedder {name!r} is calibrated but not built here")  # pragma: no cover
