"""1:1 verification against the chip photo, attempts and the staff fallback."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from devices.card.emulator.builder import build_dg2
from kiosk.face.errors import FaceError
from kiosk.face.verify import (
    FaceVerifier,
    StaffOverride,
    combine,
)
from tests.face_images import (
    camera_frame,
    largest_face,
    photo,
    photo_bytes,
    shared_detector,
    shared_sface,
    side_by_side,
)


@pytest.fixture(scope="module")
def verifier() -> FaceVerifier:
    return FaceVerifier(shared_detector(), shared_sface())


def live(name: str) -> tuple[np.ndarray, object]:
    """A 640x480 camera frame of a test photo and its face."""
    image = camera_frame(photo(name), largest_face(name).box)
    return image, shared_detector().detect(image)[0]


def test_the_chip_dg2_of_obama_matches_a_camera_frame_of_obama(verifier: FaceVerifier) -> None:
    reference = verifier.reference(build_dg2(photo_bytes("obama.jpg")))
    frame, face = live("obama2.jpg")
    decision = verifier.compare(reference, frame, face)
    assert decision.matched and decision.score >= decision.threshold == 0.42
    assert decision.embedder == "sface" and not decision.overridden
    assert {"align", "embed"} <= set(decision.timings_ms)


def test_biden_at_the_kiosk_does_not_match_obamas_card(verifier: FaceVerifier) -> None:
    reference = verifier.reference(photo_bytes("obama.jpg"))
    frame, face = live("biden.jpg")
    decision = verifier.compare(reference, frame, face)
    assert not decision.matched and decision.score < 0.3


def test_compare_detects_the_face_when_not_given(verifier: FaceVerifier) -> None:
    reference = verifier.reference(photo("obama3.jpg"))
    frame, _face = live("obama.jpg")
    decision = verifier.compare(reference, frame)
    assert decision.matched and "detect" in decision.timings_ms
    with pytest.raises(FaceError) as info:
        verifier.compare(reference, np.full((480, 640, 3), 100, np.uint8))
    assert info.value.message_key == "face.error.no_face"


def test_a_reference_with_two_people_is_refused(verifier: FaceVerifier) -> None:
    pair = side_by_side(photo("obama.jpg"), photo("biden.jpg"))
    _ok, jpeg = cv2.imencode(".jpg", pair)
    with pytest.raises(FaceError) as info:
        verifier.reference(jpeg.tobytes())
    assert info.value.message_key == "face.error.several_faces"


def test_best_of_takes_the_mean_of_the_two_best_frames(verifier: FaceVerifier) -> None:
    reference = verifier.reference(photo_bytes("obama.jpg"))
    frames = [live("obama2.jpg"), live("obama3.jpg"), live("biden.jpg")]
    decision = verifier.best_of(reference, frames)  # type: ignore[arg-type]
    assert decision.frames == 3 and len(decision.scores) == 3
    assert decision.score == pytest.approx((decision.scores[0] + decision.scores[1]) / 2, abs=1e-3)
    assert decision.matched
    assert verifier.compare_many(reference, frames[2:]).matched is False  # type: ignore[arg-type]


def test_combine_does_not_let_one_lucky_frame_decide() -> None:
    assert combine([0.9]) == 0.9
    assert combine([0.5, 0.1, 0.3]) == pytest.approx(0.4)
    with pytest.raises(ValueError):
        combine([])


def test_a_wiped_reference_is_zero_and_refused(verifier: FaceVerifier) -> None:
    reference = verifier.reference(photo_bytes("obama.jpg"))
    assert "array" not in repr(reference)  # a log line never carries the vector
    reference.wipe()
    assert not reference.embedding.any()
    frame, face = live("obama2.jpg")
    with pytest.raises(ValueError):
        verifier.compare(reference, frame, face)


def test_a_reference_from_another_embedder_is_refused(verifier: FaceVerifier) -> None:
    reference = verifier.reference(photo_bytes("obama.jpg"))
    reference.embedder = "dlib"
    frame, face = live("obama2.jpg")
    with pytest.raises(ValueError):
        verifier.compare(reference, frame, face)


def test_the_threshold_can_be_configured(verifier: FaceVerifier) -> None:
    strict = FaceVerifier(shared_detector(), shared_sface(), threshold=0.95)
    reference = strict.reference(photo_bytes("obama.jpg"))
    frame, face = live("obama2.jpg")
    decision = strict.compare(reference, frame, face)
    assert decision.threshold == 0.95 and not decision.matched


def test_a_staff_override_needs_who_and_why() -> None:
    override = StaffOverride("staff-007", "checked_card_by_eye")
    assert override.staff_id == "staff-007"
    with pytest.raises(ValueError):
        StaffOverride("", "no id")
    with pytest.raises(ValueError):
        StaffOverride("staff-007", " ")
