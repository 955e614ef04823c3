"""Embedders: SFace (default, mesh-aligned + mirror), dlib (benchmark only), a deployment's
own ONNX file; cosine convention."""

from __future__ import annotations

import hashlib
import shutil
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from kiosk.face.align import refined_landmarks
from kiosk.face.detect import DetectedFace
from kiosk.face.embed import (
    DEFAULT_THRESHOLDS,
    DLIB_DESCRIPTOR_NORM,
    DLIB_PUBLISHED_THRESHOLD,
    OnnxEmbedder,
    cosine,
    make_embedder,
    sface_plain,
)
from kiosk.face.errors import FaceError
from kiosk.face.models import SFACE, YUNET, ModelFile, forget_checks
from tests.face_images import (
    DISTINCT_OBAMA,
    largest_face,
    photo,
    shared_dlib,
    shared_sface,
)


def embedding(embedder, name: str) -> np.ndarray:  # type: ignore[no-untyped-def]
    return embedder.embed(photo(name), largest_face(name))


def test_sface_gives_a_unit_float32_vector_of_128() -> None:
    vector = embedding(shared_sface(), "obama.jpg")
    assert vector.shape == (128,) and vector.dtype == np.float32
    assert abs(float(np.linalg.norm(vector)) - 1.0) < 1e-5


@pytest.mark.parametrize("first,second", list(combinations(DISTINCT_OBAMA, 2)))
def test_sface_matches_two_different_photos_of_obama(first: str, second: str) -> None:
    embedder = shared_sface()
    score = cosine(embedding(embedder, first), embedding(embedder, second))
    assert score >= embedder.threshold
    assert score > 0.65  # margin: measured 0.74-0.79


@pytest.mark.parametrize("name", DISTINCT_OBAMA)
def test_sface_does_not_take_biden_for_obama(name: str) -> None:
    embedder = shared_sface()
    score = cosine(embedding(embedder, name), embedding(embedder, "biden.jpg"))
    assert score < embedder.threshold
    assert score < 0.3  # measured 0.10-0.24


def test_dlib_matches_obama_and_rejects_biden_in_the_same_convention() -> None:
    embedder = shared_dlib()
    assert embedder.name == "dlib" and embedder.threshold == DLIB_PUBLISHED_THRESHOLD
    obama = [embedding(embedder, n) for n in DISTINCT_OBAMA]
    biden = embedding(embedder, "biden.jpg")
    assert all(cosine(a, b) >= embedder.threshold for a, b in combinations(obama, 2))
    assert all(cosine(a, biden) < embedder.threshold for a in obama)


def test_dlib_threshold_is_its_0_6_distance_on_raw_descriptors() -> None:
    # d^2 = 2 n^2 (1 - cos) for two descriptors of length n.
    cos = DLIB_PUBLISHED_THRESHOLD
    distance = DLIB_DESCRIPTOR_NORM * np.sqrt(2 * (1 - cos))
    assert abs(distance - 0.6) < 0.002


def test_cosine_is_symmetric_scale_free_and_checks_sizes() -> None:
    a, b = np.array([1.0, 0.0, 1.0]), np.array([2.0, 0.0, 2.0])
    assert cosine(a, b) == pytest.approx(1.0)
    assert cosine(a, -b) == pytest.approx(-1.0)
    assert cosine(a, np.zeros(3)) == 0.0
    with pytest.raises(ValueError):
        cosine(a, np.ones(4))


def test_make_embedder_knows_the_calibrated_sface_only() -> None:
    assert make_embedder("sface").threshold == DEFAULT_THRESHOLDS["sface"] == 0.42
    assert make_embedder("sface", threshold=0.5).threshold == 0.5
    for name in ("facenet", "dlib"):
        with pytest.raises(ValueError, match="no threshold measured"):
            make_embedder(name)


def test_the_kiosk_pipeline_adds_the_mirror_and_aligns_on_the_mesh() -> None:
    kiosk, plain = shared_sface(), sface_plain()
    assert kiosk.mirror and kiosk.landmarker is not None
    assert not plain.mirror and plain.landmarker is None
    a, b = embedding(kiosk, "obama2.jpg"), embedding(plain, "obama2.jpg")
    assert 0.8 < cosine(a, b) < 0.9999  # the same face, not the same vector


def test_refined_landmarks_move_a_little_and_fall_back_when_the_mesh_slipped() -> None:
    face = largest_face("obama2.jpg")
    mesh = shared_sface().landmarker
    refined = refined_landmarks(photo("obama2.jpg"), face, mesh)
    shift = np.linalg.norm(refined.landmarks5 - face.landmarks5, axis=1)
    assert 0 < shift.max() < 0.25 * face.eye_distance
    shifted = face.landmarks5 + np.float32([face.eye_distance, 0])
    wrong = DetectedFace(face.box, shifted, face.score)
    assert refined_landmarks(photo("obama2.jpg"), wrong, mesh) is wrong


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_custom_model_file_checked_by_sha256_gives_the_same_vectors(tmp_path: Path) -> None:
    copy = tmp_path / "site-model.onnx"
    shutil.copyfile(SFACE.locate(), copy)
    custom = OnnxEmbedder.custom(copy, _sha256(copy), threshold=0.5, input_name="data")
    assert custom.name == "custom" and custom.threshold == 0.5
    reference = embedding(sface_plain(), "obama2.jpg")  # a custom file is run as is
    assert cosine(embedding(custom, "obama2.jpg"), reference) > 0.9999


def test_an_altered_model_file_is_refused(tmp_path: Path) -> None:
    original = SFACE.locate()
    copy = tmp_path / "sface.onnx"
    shutil.copyfile(original, copy)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    forget_checks()
    try:
        with pytest.raises(FaceError) as info:
            OnnxEmbedder.custom(copy, _sha256(original), threshold=0.4, input_name="data")
        assert info.value.message_key == "face.error.model_altered"
        altered_detector = ModelFile.custom("YuNet copy", copy, YUNET.sha256)
        with pytest.raises(FaceError) as info:
            altered_detector.locate()
        assert info.value.message_key == "face.error.model_altered"
    finally:
        forget_checks()


def test_a_missing_custom_model_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FaceError) as info:
        OnnxEmbedder.custom(tmp_path / "absent.onnx", "0" * 64, threshold=0.4)
    assert info.value.message_key == "face.error.model_missing"
