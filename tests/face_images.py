"""Test photos for the face stack, read in memory from registry archives (never extracted).

Several photos of one person ship only in the ``face_recognition`` 1.3.0
sdist (``tests/test_images/``: three of Barack Obama, two crops of the first,
one of Joe Biden).  ``make venv`` keeps that archive in
``<venv>/face-data/``; tests that need it are skipped with the reason when it
is missing.  Optional extra identities (for ``benchmarks/face.py``) come from
wheels kept in the same folder: insightface's ``t1.jpg`` (six people) and Tom
Hanks crop, scikit-image's astronaut and cameraman.
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

FACE_DATA = Path(sys.prefix) / "face-data"
ARCHIVE = FACE_DATA / "face_recognition-1.3.0.tar.gz"
PHOTOS = (
    "obama.jpg",
    "obama2.jpg",
    "obama3.jpg",
    "biden.jpg",
    "obama_partial_face.jpg",
    "obama_partial_face2.jpg",
)
DISTINCT_OBAMA = ("obama.jpg", "obama2.jpg", "obama3.jpg")
"""Three different photos (the partial faces are crops of obama.jpg: same photo)."""


MISSING = f"face test photos missing: {ARCHIVE} (make venv puts the archive there)"


def photo_bytes(name: str) -> bytes:
    """One test photo's file bytes; skips the calling test when the archive is missing."""
    if not ARCHIVE.is_file():
        import pytest

        pytest.skip(MISSING)
    return load_photo_bytes(name)


@cache
def load_photo_bytes(name: str) -> bytes:
    """One test photo's file bytes (``FileNotFoundError`` when the archive is missing)."""
    if not ARCHIVE.is_file():
        raise FileNotFoundError(MISSING)
    with tarfile.open(ARCHIVE) as archive:
        member = archive.extractfile(f"face_recognition-1.3.0/tests/test_images/{name}")
        if member is None:
            raise FileNotFoundError(name)
        return member.read()


def photo(name: str) -> np.ndarray:
    """One test photo decoded to BGR (a fresh copy each call: callers may modify it)."""
    image = cv2.imdecode(np.frombuffer(photo_bytes(name), np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, name
    return image


def _zip_member(pattern: str, member: str) -> bytes | None:
    for wheel in sorted(FACE_DATA.glob(pattern)):
        with zipfile.ZipFile(wheel) as archive:
            if member in archive.namelist():
                return archive.read(member)
    return None


def extra_photos() -> dict[str, bytes]:
    """Whatever extra single photos are available (name -> file bytes); may be empty."""
    found = {}
    for pattern, member, name in (
        ("insightface-*.whl", "insightface/data/images/t1.jpg", "insightface_t1.jpg"),
        ("insightface-*.whl", "insightface/data/images/Tom_Hanks_54745.png", "tom_hanks.png"),
        ("scikit_image-*.whl", "skimage/data/astronaut.png", "astronaut.png"),
        ("scikit_image-*.whl", "skimage/data/camera.png", "cameraman.png"),
    ):
        data = _zip_member(pattern, member)
        if data is not None:
            found[name] = data
    return found


def camera_frame(
    image: np.ndarray,
    box: tuple[float, float, float, float],
    face_width: float = 0.35,
    centre: tuple[float, float] = (0.5, 0.45),
    size: tuple[int, int] = (640, 480),
) -> np.ndarray:
    """A synthetic camera frame: ``image`` scaled so the face in ``box`` is ``face_width``
    of the frame width, its centre at ``centre`` (fractions); edges replicated."""
    x, y, w, h = box
    scale = face_width * size[0] / w
    cx, cy = (x + w / 2) * scale, (y + h / 2) * scale
    matrix = np.float32(
        [[scale, 0, centre[0] * size[0] - cx], [0, scale, centre[1] * size[1] - cy]]
    )
    return cv2.warpAffine(
        image, matrix, size, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE
    )


def side_by_side(left: np.ndarray, right: np.ndarray, height: int = 400) -> np.ndarray:
    """Two photos scaled to one height and pasted next to each other."""
    parts = [
        cv2.resize(p, (round(p.shape[1] * height / p.shape[0]), height)) for p in (left, right)
    ]
    return np.hstack(parts)


@cache
def shared_detector() -> Any:
    """One detector for the whole test process (tests run on one thread)."""
    from kiosk.face.detect import FaceDetector

    return FaceDetector()


@cache
def shared_sface() -> Any:
    from kiosk.face.embed import sface

    return sface()


@cache
def shared_dlib() -> Any:
    from kiosk.face.embed import DlibEmbedder

    return DlibEmbedder()


@cache
def largest_face(name: str) -> Any:
    """The largest detected face of a test photo."""
    faces = shared_detector().detect(photo(name))
    assert faces, name
    return faces[0]
