"""Frame quality: the one instruction a citizen sees, in priority order."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kiosk.face.detect import DetectedFace
from kiosk.face.quality import QualityPolicy, assess, pose
from tests.face_images import camera_frame, largest_face, photo, shared_detector


def frame(name: str = "obama.jpg", **placement: object) -> np.ndarray:
    return camera_frame(photo(name), largest_face(name).box, **placement)  # type: ignore[arg-type]


def guidance(image: np.ndarray) -> str:
    return assess(image, shared_detector().detect(image)).guidance_key


@pytest.mark.parametrize("name", ["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"])
def test_a_well_placed_sharp_face_is_good(name: str) -> None:
    quality = assess(frame(name), shared_detector().detect(frame(name)))
    assert quality.ok and quality.guidance_key == "face.guide.good"
    assert quality.faces_counted == 1
    assert 0.3 < quality.face_width < 0.4  # type: ignore[operator]
    assert quality.centre_offset < 0.1  # type: ignore[operator]
    assert abs(quality.pitch_deg) < 8 and abs(quality.roll_deg) < 12  # type: ignore[arg-type]


def test_an_empty_frame_asks_to_look_at_the_camera() -> None:
    quality = assess(np.full((480, 640, 3), 120, np.uint8), [])
    assert not quality.ok and quality.guidance_key == "face.guide.no_face"


def test_two_people_at_the_kiosk_are_asked_to_come_one_at_a_time() -> None:
    left, right = frame("obama.jpg"), frame("biden.jpg")
    both = np.hstack([left[:, 160:480], right[:, 160:480]])
    assert guidance(both) == "face.guide.one_person"


def test_someone_small_waiting_behind_does_not_block() -> None:
    image = frame("obama.jpg", centre=(0.4, 0.45))
    small = cv2.resize(photo("biden.jpg"), None, fx=0.07, fy=0.07)
    h, w = small.shape[:2]
    image[20 : 20 + h, 640 - w - 10 : 630] = small
    faces = shared_detector().detect(image)
    assert len(faces) == 2
    quality = assess(image, faces)
    assert quality.faces_counted == 1 and quality.guidance_key != "face.guide.one_person"


@pytest.mark.parametrize(
    "placement,key",
    [
        ({"face_width": 0.15}, "face.guide.move_closer"),
        ({"face_width": 0.75}, "face.guide.move_back"),
        ({"centre": (0.18, 0.45)}, "face.guide.centre"),
        ({"centre": (0.5, 0.85), "face_width": 0.25}, "face.guide.centre"),
    ],
)
def test_distance_and_centring_guidance(placement: dict, key: str) -> None:
    assert guidance(frame(**placement)) == key


def test_a_dark_face_asks_for_light_and_an_overexposed_one_for_less() -> None:
    image = frame()
    assert guidance((image * 0.25).astype(np.uint8)) == "face.guide.more_light"
    bright = cv2.convertScaleAbs(image, alpha=1.8, beta=90)
    assert guidance(bright) == "face.guide.too_bright"


def test_a_blurred_face_asks_to_hold_still() -> None:
    assert guidance(cv2.GaussianBlur(frame(), (0, 0), 3)) == "face.guide.hold_still"


def test_the_biggest_problem_speaks_first() -> None:
    small_dark_blurred = cv2.GaussianBlur(
        (frame(face_width=0.15) * 0.25).astype(np.uint8), (0, 0), 3
    )
    assert guidance(small_dark_blurred) == "face.guide.move_closer"
    dark_blurred = cv2.GaussianBlur((frame() * 0.25).astype(np.uint8), (0, 0), 3)
    assert guidance(dark_blurred) == "face.guide.more_light"


def _turned(face: DetectedFace, nose_shift: float) -> DetectedFace:
    points = face.landmarks5.copy()
    points[2, 0] += nose_shift * face.eye_distance
    return DetectedFace(face.box, points, face.score)


def test_a_turned_head_is_asked_to_look_at_the_camera() -> None:
    image = frame()
    face = shared_detector().detect(image)[0]
    turned = _turned(face, 0.4)  # nose 0.4 eye distances sideways: about 39 degrees
    yaw, _pitch, _roll = pose(turned)
    assert yaw > 30
    assert assess(image, [turned]).guidance_key == "face.guide.look_at_camera"
    assert pose(_turned(face, -0.4))[0] < -30


def test_a_tilted_head_reads_as_roll_not_as_a_turn() -> None:
    image = frame()
    rotated = cv2.warpAffine(image, cv2.getRotationMatrix2D((320, 216), 15, 1.0), (640, 480))
    face = shared_detector().detect(rotated)[0]
    yaw, _pitch, roll = pose(face)
    assert abs(abs(roll) - 15) < 6 and abs(yaw) < 15


def test_the_policy_is_configurable() -> None:
    image = frame(face_width=0.3)
    strict = QualityPolicy(min_face_width=0.4)
    assert assess(image, shared_detector().detect(image), policy=strict).guidance_key == (
        "face.guide.move_closer"
    )
