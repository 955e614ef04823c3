"""YuNet detection and 5-point alignment on real photos."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kiosk.face.align import TEMPLATE, align
from kiosk.face.errors import FaceError
from tests.face_images import DISTINCT_OBAMA, camera_frame, largest_face, photo, shared_detector


@pytest.mark.parametrize("name", [*DISTINCT_OBAMA, "biden.jpg"])
def test_each_portrait_has_exactly_one_face_with_five_points(name: str) -> None:
    faces = shared_detector().detect(photo(name))
    assert len(faces) == 1
    face = faces[0]
    assert face.landmarks5.shape == (5, 2) and face.landmarks5.dtype == np.float32
    assert face.score > 0.8
    right_eye, left_eye, nose, right_mouth, left_mouth = face.landmarks5
    # YuNet's order: the person's right eye first, which is on the image's left.
    assert right_eye[0] < left_eye[0] and right_mouth[0] < left_mouth[0]
    assert max(right_eye[1], left_eye[1]) < nose[1] < min(right_mouth[1], left_mouth[1])
    x, y, w, h = face.box
    assert x <= nose[0] <= x + w and y <= nose[1] <= y + h


def test_faces_come_largest_first() -> None:
    big = photo("obama.jpg")
    small = cv2.resize(photo("biden.jpg"), None, fx=0.25, fy=0.25)
    canvas = np.full((1200, 1600, 3), 128, np.uint8)
    canvas[: big.shape[0], : big.shape[1]] = big
    canvas[600 : 600 + small.shape[0], 1100 : 1100 + small.shape[1]] = small
    faces = shared_detector().detect(canvas)
    assert len(faces) == 2
    assert faces[0].area > faces[1].area and faces[0].box[0] < 1000


def test_camera_frame_greyscale_and_bgra_are_detected_in_frame_coordinates() -> None:
    frame = camera_frame(photo("obama2.jpg"), largest_face("obama2.jpg").box)
    colour = shared_detector().detect(frame)
    grey = shared_detector().detect(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    bgra = shared_detector().detect(cv2.cvtColor(frame, cv2.COLOR_BGR2BGRA))
    assert len(colour) == len(grey) == len(bgra) == 1
    cx, _cy = colour[0].centre
    assert abs(cx - 320) < 10  # camera_frame put the face in the middle
    assert np.allclose(colour[0].landmarks5, grey[0].landmarks5, atol=6)


def test_a_small_chip_photo_is_enlarged_before_detection() -> None:
    image = photo("obama.jpg")
    small = cv2.resize(image, (120, 150), interpolation=cv2.INTER_AREA)
    faces = shared_detector().detect(small)
    assert len(faces) == 1
    x, y, w, _h = faces[0].box
    assert 0 <= x < 120 and 0 <= y < 150 and 30 < w < 100  # the small image's pixels


def test_a_blank_frame_has_no_face_and_an_empty_one_is_refused() -> None:
    assert shared_detector().detect(np.full((480, 640, 3), 90, np.uint8)) == []
    with pytest.raises(FaceError) as info:
        shared_detector().detect(np.zeros((0, 0, 3), np.uint8))
    assert info.value.message_key == "face.error.corrupt_image"


def test_alignment_puts_the_eyes_on_the_arcface_template() -> None:
    chip = align(photo("obama3.jpg"), largest_face("obama3.jpg"))
    assert chip.shape == (112, 112, 3) and chip.dtype == np.uint8
    again = shared_detector().detect(chip)
    assert again, "the aligned chip still holds a face"
    assert np.abs(again[0].landmarks5[:2] - TEMPLATE[:2]).max() < 6
