"""1:1 verification: is the person at the kiosk the person on the chip photo?

:class:`FaceVerifier` embeds the chip photo once (:meth:`FaceVerifier.reference`,
keeping the vector, never the image) and compares camera frames with it.
Several quality-gated frames of one attempt are combined by
:meth:`FaceVerifier.best_of`: the *mean of the two best* scores.  Why not the
maximum: each extra frame is one more chance for an impostor's lucky frame,
so the maximum raises the false-match rate with the number of frames; the
mean of the top two still forgives one poor frame (a blink, motion) yet needs
two frames to agree.  Frames of one attempt are strongly correlated, so the
single-image threshold applies (docs/face.md).

Attempts and the staff fallback belong to the session's face step
(:mod:`kiosk.journeys.face`, ``face.attempts``); :class:`StaffOverride` is what a staff
member who checked the card by eye records.

Nothing here logs or stores an image, a vector or a name.  Threading: a
verifier holds a detector and an embedder, so it belongs to one thread.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from kiosk.face.chip_photo import decode_portrait, portrait_face
from kiosk.face.detect import DetectedFace, FaceDetector, as_bgr
from kiosk.face.embed import Embedder, cosine
from kiosk.face.errors import FaceError


@dataclass(eq=False)
class Reference:
    """The chip photo's embedding (no image), computed once per session."""

    embedding: np.ndarray = field(repr=False)
    embedder: str
    eye_distance_px: float = 0.0
    timings_ms: dict[str, float] = field(default_factory=dict)
    wiped: bool = False

    def wipe(self) -> None:
        """Zero the vector in place (the session ends); later comparisons are refused."""
        self.embedding.fill(0)
        self.wiped = True


@dataclass(frozen=True)
class StaffOverride:
    """A staff member confirmed the citizen by eye; ``reason`` is chosen from a list."""

    staff_id: str
    reason: str

    def __post_init__(self) -> None:
        if not self.staff_id.strip() or not self.reason.strip():
            raise ValueError("a staff override needs a staff id and a reason")


@dataclass(frozen=True)
class Decision:
    """The outcome of comparing live frames with the reference (no image, no vector)."""

    score: float
    threshold: float
    matched: bool
    embedder: str = ""
    frames: int = 1
    scores: tuple[float, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    override: StaffOverride | None = None

    @property
    def overridden(self) -> bool:
        return self.override is not None


class FaceVerifier:
    """Compares faces with a reference; ``threshold`` None uses the embedder's."""

    def __init__(
        self, detector: FaceDetector, embedder: Embedder, threshold: float | None = None
    ) -> None:
        self.detector = detector
        self.embedder = embedder
        self.threshold = float(embedder.threshold if threshold is None else threshold)

    def reference(self, photo: bytes | bytearray | np.ndarray) -> Reference:
        """Embed the chip photo (DG2, JPEG, JPEG 2000, PNG bytes, or a BGR array).

        Raises ``FaceError`` (corrupt_image, photo_too_small, no_face,
        several_faces).  The decoded image is zeroed before returning.
        """
        timings: dict[str, float] = {}
        started = time.perf_counter()
        if isinstance(photo, bytes | bytearray | memoryview):
            image = decode_portrait(bytes(photo))
            owned = True
            timings["decode"] = _ms(started)
        else:
            image = as_bgr(photo)
            owned = False
        try:
            mark = time.perf_counter()
            face = portrait_face(image, self.detector)
            timings["detect"] = _ms(mark)
            embedding = self._embed(image, face, timings)
        finally:
            if owned:
                image.fill(0)
        return Reference(embedding, self.embedder.name, face.eye_distance, timings)

    def compare(
        self, reference: Reference, frame_bgr: np.ndarray, face: DetectedFace | None = None
    ) -> Decision:
        """One frame against the reference; ``face`` None detects (the largest face)."""
        self._check(reference)
        timings: dict[str, float] = {}
        if face is None:
            mark = time.perf_counter()
            faces = self.detector.detect(frame_bgr)
            timings["detect"] = _ms(mark)
            if not faces:
                raise FaceError("face.error.no_face", "no face in the probe frame")
            face = faces[0]
        embedding = self._embed(frame_bgr, face, timings)
        score = cosine(reference.embedding, embedding)
        embedding.fill(0)
        return self._decision([score], timings)

    def best_of(
        self, reference: Reference, frames_with_faces: Iterable[tuple[np.ndarray, DetectedFace]]
    ) -> Decision:
        """Several quality-gated frames of one attempt: the mean of the two best scores."""
        self._check(reference)
        timings: dict[str, float] = {}
        scores = []
        for frame, face in frames_with_faces:
            embedding = self._embed(frame, face, timings)
            scores.append(cosine(reference.embedding, embedding))
            embedding.fill(0)
        if not scores:
            raise FaceError("face.error.no_face", "no frame to compare")
        return self._decision(scores, timings)

    compare_many = best_of  # the name kiosk.face.check.FaceCheck calls

    def _embed(
        self, image: np.ndarray, face: DetectedFace, timings: dict[str, float]
    ) -> np.ndarray:
        mark = time.perf_counter()
        crop = self.embedder.crop(image, face)
        timings["align"] = timings.get("align", 0.0) + _ms(mark)
        mark = time.perf_counter()
        embedding = self.embedder.embed_crop(crop)
        timings["embed"] = timings.get("embed", 0.0) + _ms(mark)
        crop.fill(0)
        return embedding

    def _check(self, reference: Reference) -> None:
        if reference.wiped:
            raise ValueError("this reference has been wiped")
        if reference.embedder != self.embedder.name:
            raise ValueError(
                f"reference made by {reference.embedder!r}, verifier uses {self.embedder.name!r}"
            )

    def _decision(self, scores: Sequence[float], timings: dict[str, float]) -> Decision:
        score = combine(scores)
        return Decision(
            score=score,
            threshold=self.threshold,
            matched=score >= self.threshold,
            embedder=self.embedder.name,
            frames=len(scores),
            scores=tuple(round(s, 4) for s in sorted(scores, reverse=True)),
            timings_ms={k: round(v, 2) for k, v in timings.items()},
        )


def combine(scores: Sequence[float]) -> float:
    """Mean of the two best scores (the only score when there is one); see the module doc."""
    if not scores:
        raise ValueError("no scores")
    best = sorted(scores, reverse=True)[:2]
    return float(sum(best) / len(best))


def _ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000
