"""Calibrate a threshold on a deployment's own photos: ``kiosk face evaluate DIR``.

``DIR`` holds one folder per person (consented volunteers, staff), each with
two or more photos (JPEG, PNG, JPEG 2000, or DG2 files read from their own
cards).  Every pair of photos of one person is a *genuine* pair, every pair
across people an *impostor* pair.  From their cosine scores:

- FMR(t): the share of impostor pairs scoring ``>= t`` (false matches);
- FNMR(t): the share of genuine pairs scoring ``< t`` (false non-matches);
- the threshold for a target FMR: the lowest ``t`` at which no more than
  ``target × impostor pairs`` (rounded down) impostor pairs reach it.

How many pairs are enough: with zero false matches among ``n`` impostor
pairs, the 95 % upper bound on the FMR is about ``3 / n`` (the "rule of
three"), so claiming FMR ≤ 0.1 % needs at least 3,000 impostor pairs (and
many people: pairs of the same few faces are not independent).  The report
says whether the data reached that.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np

from kiosk.face.chip_photo import decode_portrait, portrait_face
from kiosk.face.detect import FaceDetector
from kiosk.face.embed import Embedder
from kiosk.face.errors import FaceError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".jp2", ".j2k", ".jpx", ".dg2", ".bin"})


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
    genuine: np.ndarray = field(repr=False)
    impostor: np.ndarray = field(repr=False)
    target_fmr: float
    threshold: float | None  # for the target FMR (None: no impostor pairs)
    rows: list[Row]

    @property
    def impostor_pairs_needed(self) -> int:
        return pairs_needed(self.target_fmr)

    @property
    def enough(self) -> bool:
        return len(self.impostor) >= self.impostor_pairs_needed

    def at(self, threshold: float) -> Row:
        return rates(self.genuine, self.impostor, threshold)


def pairs_needed(target_fmr: float) -> int:
    """Impostor pairs needed to bound the FMR below ``target_fmr`` (95 %, rule of three)."""
    if not 0 < target_fmr < 1:
        raise ValueError("the target FMR is a fraction between 0 and 1")
    return math.ceil(3.0 / target_fmr)


def rates(genuine: np.ndarray, impostor: np.ndarray, threshold: float) -> Row:
    false_matches = int(np.count_nonzero(impostor >= threshold))
    false_non_matches = int(np.count_nonzero(genuine < threshold))
    return Row(
        threshold,
        false_matches,
        false_matches / len(impostor) if len(impostor) else math.nan,
        false_non_matches,
        false_non_matches / len(genuine) if len(genuine) else math.nan,
    )


def threshold_for_fmr(impostor: np.ndarray, target_fmr: float) -> float | None:
    """The lowest threshold (to 1e-4) whose FMR on these impostor scores is <= ``target_fmr``."""
    if len(impostor) == 0:
        return None
    allowed = math.floor(target_fmr * len(impostor))
    ranked = np.sort(np.asarray(impostor, np.float64))[::-1]
    if allowed >= len(ranked):
        return float(ranked[-1])
    # Just above the (allowed+1)-th highest impostor score, so that pair no longer
    # matches; rounded up to 4 decimals so the printed threshold is the one computed.
    score = float(ranked[allowed])
    threshold = math.ceil(score * 10_000) / 10_000
    return threshold if threshold > score else threshold + 0.0001


def split_pairs(
    embeddings: dict[str, list[np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """(genuine, impostor) cosine scores of every pair of images."""
    genuine, impostor = [], []
    people = [(label, np.stack(vectors)) for label, vectors in embeddings.items() if vectors]
    for _label, vectors in people:
        for i, j in combinations(range(len(vectors)), 2):
            genuine.append(float(vectors[i] @ vectors[j]))
    for (_a, first), (_b, second) in combinations(people, 2):
        impostor.extend((first @ second.T).reshape(-1).tolist())
    return np.asarray(genuine, np.float64), np.asarray(impostor, np.float64)


def embed_folders(
    root: Path,
    detector: FaceDetector,
    embedder: Embedder,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[dict[str, list[np.ndarray]], dict[str, int], int]:
    """Embed every photo under ``root/<person>/``; (embeddings, skipped per error key, images)."""
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder")
    embeddings: dict[str, list[np.ndarray]] = {}
    skipped: dict[str, int] = {}
    images = 0
    for person in sorted(p for p in root.iterdir() if p.is_dir()):
        vectors = embeddings.setdefault(person.name, [])
        for path in sorted(person.iterdir()):
            if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
                continue
            images += 1
            try:
                image = decode_portrait(path.read_bytes())
                vectors.append(embedder.embed(image, portrait_face(image, detector)))
                image.fill(0)
            except FaceError as exc:
                skipped[exc.message_key] = skipped.get(exc.message_key, 0) + 1
            if on_progress is not None:
                on_progress(images)
    return embeddings, skipped, images


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
    """The report for given scores (``thresholds``: extra rows besides the target's)."""
    pairs_needed(target_fmr)  # validates the target
    best = threshold_for_fmr(impostor, target_fmr)
    points = sorted({round(t, 4) for t in thresholds} | ({best} if best is not None else set()))
    return Evaluation(
        embedder=embedder,
        identities=identities,
        images=images,
        skipped=dict(skipped or {}),
        genuine=genuine,
        impostor=impostor,
        target_fmr=target_fmr,
        threshold=best,
        rows=[rates(genuine, impostor, t) for t in points],
    )


def evaluate_folder(
    root: Path,
    detector: FaceDetector,
    embedder: Embedder,
    target_fmr: float = 0.001,
    thresholds: Sequence[float] = (),
) -> Evaluation:
    """Embed ``root/<person>/*`` and report genuine/impostor statistics and thresholds."""
    embeddings, skipped, images = embed_folders(root, detector, embedder)
    genuine, impostor = split_pairs(embeddings)
    try:
        return evaluate_scores(
            genuine,
            impostor,
            embedder.name,
            target_fmr,
            thresholds or (embedder.threshold,),
            identities=sum(1 for v in embeddings.values() if v),
            images=images,
            skipped=skipped,
        )
    finally:
        for vectors in embeddings.values():
            for vector in vectors:
                vector.fill(0)


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
