"""The reference photo: decode the chip's portrait and find the one face in it.

A chip's DG2 (ICAO 9303-10 §4.7.2) wraps the portrait in a biometric
template and an ISO/IEC 19794-5 face record header.  Rather than trusting
every length in those headers, the image is located by its own signature, as
field readers do (and as :func:`devices.card.mrtd.lds.parse_dg2` does):
JPEG ``FF D8 FF``, a JP2 file ``00 00 00 0C 6A 50 20 20 …``, a raw JPEG 2000
codestream ``FF 4F FF 51``, or PNG (technicians' test photos).  The same
function therefore takes a whole DG2, a bare 19794-5 record or a plain image.

OpenCV decodes JPEG 2000 through OpenJPEG (Qt cannot: the card layer
converts for display, this module decodes for comparison).

Nothing here writes the photo anywhere; callers zero the decoded array once
the reference embedding is computed (:meth:`kiosk.face.verify.FaceVerifier.reference`).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from kiosk.face.align import TEMPLATE_EYE_DISTANCE
from kiosk.face.detect import DetectedFace, FaceDetector, as_bgr
from kiosk.face.errors import FaceError

JPEG_SOI = b"\xff\xd8\xff"
JPEG_EOI = b"\xff\xd9"
JPEG_SOS = b"\xff\xda"
JP2_SIGNATURE = b"\x00\x00\x00\x0cjP  \r\n\x87\n"
J2K_CODESTREAM = b"\xff\x4f\xff\x51"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SIGNATURES = (JPEG_SOI, JP2_SIGNATURE, J2K_CODESTREAM, PNG_SIGNATURE)

MAX_BYTES = 16 * 1024 * 1024
"""Larger than any chip photo or test image: refused before decoding."""

MIN_EYE_DISTANCE_PX = TEMPLATE_EYE_DISTANCE / 2  # 17.6 px
"""Smallest usable face: half the 112-px template's inter-eye distance (35.2 px).

Alignment then enlarges the face at most twice; below that the crop is
mostly interpolation and the embedding stops being reliable.  ICAO portraits
have 90 px or more, CCCD chip photos about 60–100 px.
"""

MIN_IMAGE_SIDE_PX = 64
"""An image smaller than this (either side) cannot hold a usable face."""

SIMILAR_FACE_RATIO = 0.5
"""A second face counts in a reference photo when its box is at least half as wide."""


UNSUPPORTED_SIGNATURES = (
    (b"BM", "BMP"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"\x00\x00\x01\x00", "ICO"),
)
"""Image formats a technician's camera or editor may write (often under a ``.jpg`` name)
that a chip never holds: named as such, not reported as a damaged file."""


def unsupported_format(data: bytes) -> str | None:
    """The name of a known image format the kiosk does not read (``None`` for anything else).

    Judged on the first bytes only, as a chip photo or test image starts with its own
    signature: BMP, GIF, TIFF, ICO, WebP (``RIFF…WEBP``), HEIF/HEIC and AVIF (an ISO
    base-media ``ftyp`` box).
    """
    head = bytes(data[:16])
    for signature, name in UNSUPPORTED_SIGNATURES:
        if head.startswith(signature):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return "AVIF"
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "HEIF"
    return None


def find_image(data: bytes) -> bytes:
    """The embedded image, from its signature to the end.

    ``face.error.unsupported_format`` (detail: the format's name) for a BMP, GIF, TIFF,
    WebP, HEIF… file; ``face.error.corrupt_image`` when no image signature is found.
    """
    other = unsupported_format(data)
    if other is not None:
        raise FaceError("face.error.unsupported_format", other)
    starts = [i for i in (data.find(sig) for sig in SIGNATURES) if i >= 0]
    if not starts:
        raise FaceError("face.error.corrupt_image", "no JPEG, JPEG 2000 or PNG signature")
    return data[min(starts) :]


def decode_portrait(data: bytes) -> np.ndarray:
    """A DG2, ISO 19794-5 record, JPEG, JPEG 2000 or PNG, decoded to a BGR uint8 array."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError("decode_portrait takes bytes")
    data = bytes(data)
    if len(data) > MAX_BYTES:
        raise FaceError("face.error.corrupt_image", f"{len(data)} bytes is not a portrait")
    image = find_image(data)
    if image.startswith(JPEG_SOI):
        # A cut-off JPEG must not decode as a half-grey face: the last scan must be
        # closed by an end-of-image marker (neither marker can occur inside the
        # entropy-coded data, where FF is always stuffed).
        if image.rfind(JPEG_EOI) < image.rfind(JPEG_SOS):
            raise FaceError("face.error.corrupt_image", "JPEG is truncated (no EOI)")
    decoded = cv2.imdecode(np.frombuffer(image, np.uint8), cv2.IMREAD_COLOR)
    if decoded is None or decoded.size == 0:
        raise FaceError("face.error.corrupt_image", f"{len(image)}-byte image does not decode")
    return decoded


def portrait_face(
    bgr: np.ndarray, detector: FaceDetector, faces: Sequence[DetectedFace] | None = None
) -> DetectedFace:
    """The one face of a reference photo, or the ``FaceError`` a technician can act on.

    ``face.error.photo_too_small`` when the image or the face is smaller than
    :data:`MIN_IMAGE_SIDE_PX` / :data:`MIN_EYE_DISTANCE_PX`;
    ``face.error.no_face``; ``face.error.several_faces`` when a second face is
    at least :data:`SIMILAR_FACE_RATIO` as wide as the first.
    """
    image = as_bgr(bgr)
    height, width = image.shape[:2]
    found = list(detector.detect(image) if faces is None else faces)
    if min(height, width) < MIN_IMAGE_SIDE_PX:
        raise FaceError("face.error.photo_too_small", f"image is {width}x{height} px")
    if not found:
        raise FaceError("face.error.no_face", f"no face in a {width}x{height} image")
    first = found[0]
    similar = [f for f in found[1:] if f.box[2] >= SIMILAR_FACE_RATIO * first.box[2]]
    if similar:
        raise FaceError("face.error.several_faces", f"{1 + len(similar)} faces of similar size")
    if first.eye_distance < MIN_EYE_DISTANCE_PX:
        raise FaceError(
            "face.error.photo_too_small",
            f"eyes {first.eye_distance:.1f} px apart, need {MIN_EYE_DISTANCE_PX:.1f}",
        )
    return first
