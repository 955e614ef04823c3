"""The reference photo: DG2 / 19794-5 / JPEG / JPEG 2000 / PNG, and its one face."""

from __future__ import annotations

import os

import cv2
import numpy as np
import pytest

from devices.card.emulator.builder import build_dg2, face_record
from devices.card.mrtd.tlv import tlv
from kiosk.face.chip_photo import MIN_EYE_DISTANCE_PX, decode_portrait, portrait_face
from kiosk.face.errors import FaceError
from tests.face_images import photo, photo_bytes, shared_detector, side_by_side


def encode(image: np.ndarray, ext: str) -> bytes:
    ok, data = cv2.imencode(ext, image)
    assert ok
    return data.tobytes()


def chip_portrait() -> np.ndarray:
    """A chip-sized portrait (CCCD photos are about 480 px tall)."""
    image = photo("obama.jpg")
    return cv2.resize(image, (384, 480), interpolation=cv2.INTER_AREA)


def dg2_around(image: bytes, width: int, height: int) -> bytes:
    """A DG2 (ICAO 9303-10 §4.7.2) holding ``image`` in a 19794-5 record."""
    record = face_record(image, width, height)
    header = tlv(0xA1, tlv(0x80, b"\x01\x01") + tlv(0x87, b"\x01\x01") + tlv(0x88, b"\x00\x08"))
    return tlv(0x75, tlv(0x7F61, tlv(0x02, b"\x01") + tlv(0x7F60, header + tlv(0x5F2E, record))))


def assert_key(key: str, call, *args) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FaceError) as info:
        call(*args)
    assert info.value.message_key == key


def test_a_jpeg_dg2_from_the_card_emulator_decodes() -> None:
    portrait = chip_portrait()
    decoded = decode_portrait(build_dg2(encode(portrait, ".png")))
    assert decoded.shape == portrait.shape
    assert float(np.abs(decoded.astype(int) - portrait).mean()) < 4  # JPEG q90


def test_a_jpeg_2000_dg2_and_a_bare_codestream_decode() -> None:
    portrait = chip_portrait()
    jp2 = encode(portrait, ".jp2")
    assert jp2.startswith(b"\x00\x00\x00\x0cjP  ")
    from_dg2 = decode_portrait(dg2_around(jp2, 384, 480))
    assert from_dg2.shape == portrait.shape
    codestream = jp2[jp2.index(b"jp2c") + 4 :]
    assert codestream.startswith(b"\xff\x4f\xff\x51")
    from_codestream = decode_portrait(b"FAC\x00010\x00" + bytes(40) + codestream)
    assert np.array_equal(from_dg2, from_codestream)


@pytest.mark.parametrize("ext", [".jpg", ".png", ".jp2"])
def test_plain_image_files_decode(ext: str) -> None:
    assert decode_portrait(encode(chip_portrait(), ext)).shape == (480, 384, 3)


def test_a_greyscale_photo_decodes_to_three_channels() -> None:
    grey = cv2.cvtColor(chip_portrait(), cv2.COLOR_BGR2GRAY)
    assert decode_portrait(encode(grey, ".jpg")).shape == (480, 384, 3)


@pytest.mark.parametrize("ext", [".jpg", ".png", ".jp2"])
def test_a_truncated_file_is_a_corrupt_image(ext: str) -> None:
    data = encode(chip_portrait(), ext)
    assert_key("face.error.corrupt_image", decode_portrait, data[: len(data) * 2 // 3])


def test_a_truncated_jpeg_in_a_dg2_is_a_corrupt_image() -> None:
    dg2 = build_dg2(photo_bytes("obama.jpg"))
    assert_key("face.error.corrupt_image", decode_portrait, dg2[: len(dg2) - 500])


@pytest.mark.parametrize(
    "data",
    [b"", os.urandom(4096), b"\xff\xd8\xff" + os.urandom(4096), b"FAC\x00010\x00" + bytes(64)],
    ids=["empty", "random", "jpeg-header-then-noise", "record-without-image"],
)
def test_bytes_that_are_no_image_are_a_corrupt_image(data: bytes) -> None:
    assert_key("face.error.corrupt_image", decode_portrait, data)


def test_the_portrait_face_of_a_chip_photo_is_found() -> None:
    face = portrait_face(chip_portrait(), shared_detector())
    assert face.eye_distance > 2 * MIN_EYE_DISTANCE_PX


def test_two_people_side_by_side_are_several_faces() -> None:
    pair = side_by_side(photo("obama.jpg"), photo("biden.jpg"))
    assert_key("face.error.several_faces", portrait_face, pair, shared_detector())


def test_a_small_face_far_behind_does_not_count_as_a_second_person() -> None:
    canvas = chip_portrait().copy()
    small = cv2.resize(photo("biden.jpg"), (50, 114))
    canvas[360:474, 10:60] = small
    assert len(shared_detector().detect(canvas)) == 2
    face = portrait_face(canvas, shared_detector())
    assert face.box[0] > 60


def test_a_picture_without_a_face_is_no_face() -> None:
    landscape = np.zeros((480, 640, 3), np.uint8)
    landscape[:240] = (200, 150, 90)
    landscape[240:] = (40, 120, 40)
    assert_key("face.error.no_face", portrait_face, landscape, shared_detector())


def test_a_tiny_40_pixel_photo_is_too_small() -> None:
    tiny = cv2.resize(chip_portrait(), (32, 40), interpolation=cv2.INTER_AREA)
    data = encode(tiny, ".jpg")
    assert_key(
        "face.error.photo_too_small", portrait_face, decode_portrait(data), shared_detector()
    )


def test_a_face_too_small_to_compare_is_refused_even_in_a_large_image() -> None:
    canvas = np.full((600, 800, 3), 200, np.uint8)
    small = cv2.resize(photo("obama.jpg"), (64, 80), interpolation=cv2.INTER_AREA)
    canvas[260:340, 360:424] = small
    faces = shared_detector().detect(canvas)
    assert faces and faces[0].eye_distance < MIN_EYE_DISTANCE_PX
    assert_key("face.error.photo_too_small", portrait_face, canvas, shared_detector())
