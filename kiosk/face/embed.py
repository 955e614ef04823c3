"""Face embeddings: a face becomes a unit-length vector; similar vectors, same person.

Every embedder speaks one convention: cosine similarity of L2-normalised
vectors, *higher is more alike*, and a match is ``score >= threshold``.

- :class:`OnnxEmbedder` runs an ONNX file with ``cv2.dnn`` on the 112×112
  ArcFace-aligned crop.  :func:`sface` is the default: OpenCV Zoo's SFace int8
  (RGB, raw 0–255, no mean, input named ``data``: docs/face.md and
  shared FACE.md); :meth:`OnnxEmbedder.custom` loads a deployment's own file,
  checked by sha256 like every model.
- :class:`DlibEmbedder` is dlib's ResNet (a second backend, for comparison and
  for sites that calibrated it); dlib is imported only when it is built.

Thresholds (:data:`DEFAULT_THRESHOLDS`) and the data behind them are in
docs/face.md.  dlib publishes its threshold as a Euclidean distance of 0.6 on
its raw descriptors, which are *not* unit length (norm 1.36–1.41 on the
test photos, :data:`DLIB_DESCRIPTOR_NORM`).  For two vectors of norm ``n``,
``d² = 2·n²·(1 − cos)``, so distance 0.6 is cosine ``1 − 0.6² / (2·1.39²)
= 0.907``.  (Taking the vectors as unit length would give 0.82 and accept
Obama against Biden, cosine 0.81–0.83: the norm matters.)

Threading: a ``cv2.dnn`` net and dlib's models hold per-call buffers, so one
embedder belongs to one thread.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from kiosk.face.align import CHIP_SIZE, align, prepare_alignment
from kiosk.face.detect import DetectedFace, as_bgr
from kiosk.face.errors import FaceError
from kiosk.face.models import DLIB_RESNET, DLIB_SHAPE5, SFACE, ModelFile

DLIB_DISTANCE = 0.6
"""dlib's published Euclidean-distance tolerance (same person when below)."""

DLIB_DESCRIPTOR_NORM = 1.39
"""Typical length of dlib's raw descriptor (measured: 1.36–1.41 on the test photos)."""

DEFAULT_THRESHOLDS: dict[str, float] = {
    "sface": 0.42,
    "dlib": round(1.0 - (DLIB_DISTANCE / DLIB_DESCRIPTOR_NORM) ** 2 / 2.0, 3),  # 0.907
}
"""Cosine thresholds per embedder; the data behind them is in docs/face.md.

SFace: OpenCV publishes 0.363 (its LFW operating point); a 1:1 identity check
wants fewer false matches, so 0.42 (a usual 1:1 start is 0.40–0.45): above every
impostor pair measured here (63 pairs, highest 0.34; East-Asian pairs up to
0.33) and well below every genuine pair (3 pairs, lowest 0.74).  Far too few
pairs to show a 0.1 % false-match rate: a deployment calibrates with
``kiosk face evaluate``.  dlib: its published 0.6 distance, converted (above).
"""


class Embedder(Protocol):
    """Turns a detected face into an L2-normalised float32 vector.

    ``crop`` + ``embed_crop`` split :meth:`embed` so callers can time
    alignment and the network separately.
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
    (``""``: the first one).
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
        return align(bgr_frame, face)

    def embed_crop(self, crop: np.ndarray) -> np.ndarray:
        blob = cv2.dnn.blobFromImage(
            as_bgr(crop), self.scale, self.input_size, self.mean, swapRB=self.swap_rb
        )
        if self.input_name:
            self._net.setInput(blob, self.input_name)
        else:
            self._net.setInput(blob)
        return normalised(self._net.forward())

    def embed(self, bgr_frame: np.ndarray, face: DetectedFace) -> np.ndarray:
        return self.embed_crop(self.crop(bgr_frame, face))


def sface(threshold: float | None = None) -> OnnxEmbedder:
    """OpenCV Zoo's SFace int8: RGB, raw 0–255, no mean, graph input ``data``.

    The file keeps 29 unused graph inputs, so the input must be named.
    """
    return OnnxEmbedder(
        SFACE,
        "sface",
        DEFAULT_THRESHOLDS["sface"] if threshold is None else threshold,
        input_name="data",
    )


SFaceEmbedder = sface
"""The default embedder (an :class:`OnnxEmbedder` set up for SFace)."""


class DlibEmbedder:
    """dlib's ResNet: its 5-point shape predictor aligns a 150×150 chip, then 128-D.

    dlib's predictor was trained on its own detector's boxes, which are
    tighter than YuNet's: :func:`dlib_box` converts.  About 90 ms an embedding
    on this hardware (single-threaded).
    """

    def __init__(
        self,
        threshold: float | None = None,
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
        self.threshold = DEFAULT_THRESHOLDS["dlib"] if threshold is None else float(threshold)

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


def make_embedder(name: str, threshold: float | None = None) -> Embedder:
    """``"sface"`` (default) or ``"dlib"``; ``threshold`` None uses the calibrated default."""
    if name == "sface":
        return sface(threshold)
    if name == "dlib":
        return DlibEmbedder(threshold)
    raise ValueError(f"unknown embedder {name!r} (sface or dlib)")
