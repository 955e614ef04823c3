"""Measure a matcher on labelled photos: ``kiosk face evaluate DIR`` and the benchmark.

``DIR`` holds one folder per person (consented volunteers, staff, or a public set), each
with two or more photos (JPEG, PNG, JPEG 2000, or DG2 files read from their own cards).
Every pair of photos of one person is a *genuine* pair, every pair across people an
*impostor* pair (terms and intervals: :mod:`kiosk.face.stats`).

What is reported, for the embedder's threshold and for each target false-match rate
(0.1 % and 0.01 % by default): the threshold that reaches the target on these pairs,
the FNMR there with two 95 % intervals (Clopper–Pearson at that threshold; a bootstrap
over people that also varies the threshold), the number of pairs, and whether there
were enough impostor pairs to see the target at all (3 / target, the rule of three).

Photos that cannot be used are counted by reason (``face.error.*``), and a photo in a
format the kiosk does not read (a BMP or GIF saved as ``.jpg``) is named by format.
People are counted, never named; embeddings are zeroed once the scores are computed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kiosk.face.chip_photo import decode_portrait, portrait_face
from kiosk.face.detect import DetectedFace, FaceDetector
from kiosk.face.embed import Embedder
from kiosk.face.errors import FaceError
from kiosk.face.stats import (
    OperatingPoint,
    ScoredPairs,
    count_at,
    operating_point,
    threshold_for_fmr,
)

IMAGE_SUFFIXES = frozenset(
    {".jpg", ".jpeg", ".png", ".jp2", ".j2k", ".jpx", ".dg2", ".bin", ".bmp", ".gif", ".webp"}
)
"""Files looked at (BMP, GIF and WebP too, so that they are reported rather than ignored)."""

TARGET_FMRS = (0.001, 0.0001)
"""The false-match rates every report gives the FNMR at (0.1 %: e-gate practice; 0.01 %)."""

FacePicker = Callable[[np.ndarray, FaceDetector], DetectedFace]


def centre_face(image: np.ndarray, detector: FaceDetector) -> DetectedFace:
    """The face nearest the image centre (public sets such as LFW centre their person and
    keep bystanders); ``face.error.no_face`` / ``photo_too_small`` as for a chip photo."""
    faces = detector.detect(image)
    if not faces:
        raise FaceError("face.error.no_face", "no face")
    height, width = image.shape[:2]
    chosen = min(
        faces, key=lambda f: (f.centre[0] - width / 2) ** 2 + (f.centre[1] - height / 2) ** 2
    )
    return portrait_face(image, detector, [chosen])


@dataclass(frozen=True)
class Row:
    """Error rates at one threshold."""

    threshold: float
    false_matches: int
    fmr: float
    false_non_matches: int
    fnmr: float


@dataclass
class Evaluation:
    """Everything ``kiosk face evaluate`` reports (names of people are never kept)."""

    embedder: str
    identities: int
    images: int
    skipped: dict[str, int]  # error key -> how many images
    pairs: ScoredPairs = field(repr=False)
    target_fmr: float
    threshold: float | None  # for the target FMR (None: no impostor pairs)
    rows: list[Row]
    points: list[OperatingPoint] = field(default_factory=list)
    formats: dict[str, int] = field(default_factory=dict)  # unsupported format -> images

    @property
    def genuine(self) -> np.ndarray:
        return self.pairs.genuine

    @property
    def impostor(self) -> np.ndarray:
        return self.pairs.impostor

    @property
    def impostor_pairs_needed(self) -> int:
        return pairs_needed(self.target_fmr)

    @property
    def enough(self) -> bool:
        return len(self.impostor) >= self.impostor_pairs_needed

    def at(self, threshold: float) -> Row:
        return rates(self.genuine, self.impostor, threshold)

    def point(self, target_fmr: float) -> OperatingPoint | None:
        return next((p for p in self.points if p.target_fmr == target_fmr), None)


def pairs_needed(target_fmr: float) -> int:
    """Impostor pairs needed to bound the FMR below ``target_fmr`` (95 %, rule of three)."""
    if not 0 < target_fmr < 1:
        raise ValueError("the target FMR is a fraction between 0 and 1")
    return math.ceil(3.0 / target_fmr)


def rates(genuine: np.ndarray, impostor: np.ndarray, threshold: float) -> Row:
    false_non_matches, false_matches = count_at(genuine, impostor, threshold)
    return Row(
        threshold,
        false_matches,
        false_matches / len(impostor) if len(impostor) else math.nan,
        false_non_matches,
        false_non_matches / len(genuine) if len(genuine) else math.nan,
    )


@dataclass
class Embedded:
    """The embeddings of a folder of people, with what could not be used."""

    vectors: list[np.ndarray]
    labels: list[int]
    people: int
    images: int
    skipped: dict[str, int]
    formats: dict[str, int]

    def wipe(self) -> None:
        for vector in self.vectors:
            vector.fill(0)


def embed_folders(
    root: Path,
    detector: FaceDetector,
    embedder: Embedder,
    on_progress: Callable[[int], None] | None = None,
    pick: FacePicker | None = None,
    only: Sequence[str] | None = None,
) -> Embedded:
    """Embed every photo under ``root/<person>/`` (``only``: these folder names).

    ``pick`` chooses the face (default: the chip-photo rules, one face only).
    """
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder")
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    if only is not None:
        wanted = set(only)
        folders = [p for p in folders if p.name in wanted]
        missing = wanted - {p.name for p in folders}
        if missing:
            raise FileNotFoundError(f"{len(missing)} of the set's people are not in {root}")
    result = Embedded([], [], 0, 0, {}, {})
    for person in folders:
        label, found = result.people, False
        for path in sorted(person.iterdir()):
            if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
                continue
            result.images += 1
            try:
                image = decode_portrait(path.read_bytes())
                face = pick(image, detector) if pick else portrait_face(image, detector)
                result.vectors.append(embedder.embed(image, face))
                result.labels.append(label)
                found = True
                image.fill(0)
            except FaceError as exc:
                result.skipped[exc.message_key] = result.skipped.get(exc.message_key, 0) + 1
                if exc.message_key == "face.error.unsupported_format":
                    result.formats[exc.detail] = result.formats.get(exc.detail, 0) + 1
            if on_progress is not None:
                on_progress(result.images)
        if found:
            result.people += 1
    return result


def evaluate_pairs(
    pairs: ScoredPairs,
    embedder: str,
    target_fmr: float = TARGET_FMRS[0],
    thresholds: Sequence[float] = (),
    identities: int = 0,
    images: int = 0,
    skipped: dict[str, int] | None = None,
    formats: dict[str, int] | None = None,
    targets: Sequence[float] = TARGET_FMRS,
    draws: int = 1000,
) -> Evaluation:
    """The report for given pairs (``thresholds``: extra rows besides the targets')."""
    pairs_needed(target_fmr)  # validates the target
    best = threshold_for_fmr(pairs.impostor, target_fmr)
    all_targets = sorted({target_fmr, *targets}, reverse=True)
    points = [operating_point(pairs, t, draws) for t in all_targets]
    wanted = {round(t, 4) for t in thresholds} | {p.threshold for p in points if p.threshold}
    return Evaluation(
        embedder=embedder,
        identities=identities or pairs.people,
        images=images,
        skipped=dict(skipped or {}),
        pairs=pairs,
        target_fmr=target_fmr,
        threshold=best,
        rows=[rates(pairs.genuine, pairs.impostor, t) for t in sorted(wanted)],
        points=points,
        formats=dict(formats or {}),
    )


def evaluate_scores(
    genuine: np.ndarray,
    impostor: np.ndarray,
    embedder: str,
    target_fmr: float,
    thresholds: Sequence[float] = (),
    identities: int = 0,
    images: int = 0,
    skipped: dict[str, int] | None = None,
) -> Evaluation:
    """The report for bare score lists (no people known: intervals by pair counts only)."""
    genuine = np.asarray(genuine, np.float64)
    impostor = np.asarray(impostor, np.float64)
    pairs = ScoredPairs(
        genuine,
        impostor,
        np.zeros(len(genuine), np.int64),
        np.zeros((len(impostor), 2), np.int64),
        0,
    )
    return evaluate_pairs(
        pairs, embedder, target_fmr, thresholds, identities, images, skipped, draws=0
    )


def evaluate_folder(
    root: Path,
    detector: FaceDetector,
    embedder: Embedder,
    target_fmr: float = TARGET_FMRS[0],
    thresholds: Sequence[float] = (),
    pick: FacePicker | None = None,
    draws: int = 1000,
) -> Evaluation:
    """Embed ``root/<person>/*`` and report genuine/impostor statistics and thresholds."""
    embedded = embed_folders(root, detector, embedder, pick=pick)
    try:
        vectors = np.stack(embedded.vectors) if embedded.vectors else np.empty((0, 1))
        pairs = ScoredPairs.from_embeddings(vectors, embedded.labels)
    finally:
        embedded.wipe()
    return evaluate_pairs(
        pairs,
        embedder.name,
        target_fmr,
        thresholds or tuple(t for t in (embedder.threshold,) if math.isfinite(t)),
        identities=embedded.people,
        images=embedded.images,
        skipped=embedded.skipped,
        formats=embedded.formats,
        draws=draws,
    )


def summary(scores: np.ndarray) -> dict[str, float | int]:
    """Count, min, median, mean, max (NaN when empty) for a report."""
    if len(scores) == 0:
        return {"count": 0, "min": math.nan, "median": math.nan, "mean": math.nan, "max": math.nan}
    return {
        "count": len(scores),
        "min": float(np.min(scores)),
        "median": float(np.median(scores)),
        "mean": float(np.mean(scores)),
        "max": float(np.max(scores)),
    }
