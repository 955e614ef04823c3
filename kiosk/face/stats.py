"""Error rates of a 1:1 matcher with honest uncertainty, and the DET curve.

Terms (ISO/IEC 19795-1): a *genuine* comparison is two images of one person, an
*impostor* comparison two images of different people.  At threshold ``t`` (a match
when ``score >= t``):

- FMR(t), false-match rate: the share of impostor comparisons scoring ``>= t``;
- FNMR(t), false non-match rate: the share of genuine comparisons scoring ``< t``.

*FNMR at FMR x* is the FNMR at the lowest threshold whose FMR on the data is at most
``x``: how many genuine citizens the matcher refuses when it lets at most ``x`` of
impostors through.

Two kinds of 95 % interval are given, because comparisons are not independent (every
photo of a person takes part in many pairs):

- :func:`clopper_pearson`: the exact binomial interval of a count, treating the pairs
  as independent trials at a fixed threshold; too narrow when a few people dominate;
- :func:`bootstrap_by_identity`: people are drawn with replacement (pairs follow their
  people), the threshold for the target FMR is found again in each draw and the FNMR
  read there; the 2.5 and 97.5 percentiles bound both the sampling of people and the
  uncertainty of the threshold (the method ISO/IEC 19795-1 and NIST's FRVT reports use
  for dependent comparisons).

:func:`draw_det` draws the DET curve (FNMR against FMR, both on a normal-deviate
scale, as in Martin et al. 1997 and ISO/IEC 19795-1) with OpenCV into a PNG: no
plotting library is installed on a kiosk.  Pure numpy otherwise; no Qt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import cv2
import numpy as np

Z95 = 0.95


# Counting ------------------------------------------------------------------------------------


def threshold_for_fmr(impostor: np.ndarray, target_fmr: float) -> float | None:
    """The lowest threshold (to 1e-4) whose FMR on these impostor scores is <= ``target_fmr``.

    ``None`` when there is no impostor score.  Just above the ``(k+1)``-th highest impostor
    score, ``k = floor(target × count)``, rounded up to 4 decimals so that the printed
    threshold is the one computed.
    """
    if len(impostor) == 0:
        return None
    allowed = math.floor(target_fmr * len(impostor) + 1e-9)
    ranked = np.sort(np.asarray(impostor, np.float64))[::-1]
    if allowed >= len(ranked):
        return float(ranked[-1])
    score = float(ranked[allowed])
    threshold = math.ceil(score * 10_000) / 10_000
    return threshold if threshold > score else round(threshold + 0.0001, 4)


def count_at(genuine: np.ndarray, impostor: np.ndarray, threshold: float) -> tuple[int, int]:
    """(false non-matches, false matches) at ``threshold``."""
    return (
        int(np.count_nonzero(np.asarray(genuine) < threshold)),
        int(np.count_nonzero(np.asarray(impostor) >= threshold)),
    )


# Intervals -----------------------------------------------------------------------------------


def _binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed in log space (exact to float precision)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    log_p, log_q = math.log(p), math.log1p(-p)

    def terms(lo: int, hi: int) -> float:
        # log C(n, i) from log C(n, lo) by the ratio C(n, i+1) / C(n, i) = (n - i) / (i + 1).
        i = np.arange(lo, hi + 1, dtype=np.float64)
        start = math.lgamma(n + 1) - math.lgamma(lo + 1) - math.lgamma(n - lo + 1)
        steps = np.log((n - i[:-1]) / (i[:-1] + 1))
        log_binom = start + np.concatenate([[0.0], np.cumsum(steps)])
        logs = log_binom + i * log_p + (n - i) * log_q
        top = float(np.max(logs))
        return math.exp(top) * float(np.sum(np.exp(logs - top)))

    if k <= n * p:
        return min(1.0, terms(0, k))
    return max(0.0, 1.0 - terms(k + 1, n))


def clopper_pearson(errors: int, trials: int, confidence: float = Z95) -> tuple[float, float]:
    """The exact (Clopper–Pearson) two-sided interval of a binomial proportion.

    With 0 errors the upper bound is ``1 - (α/2)^(1/n)`` (about 3.7/n at 95 %: close to the
    "rule of three" 3/n, which is the one-sided bound).
    """
    if trials <= 0:
        return (math.nan, math.nan)
    if not 0 <= errors <= trials:
        raise ValueError("errors must be between 0 and trials")
    alpha = 1.0 - confidence

    def solve(predicate_high: bool, target: float, k: int) -> float:
        lo, hi = 0.0, 1.0
        for _ in range(60):
            mid = (lo + hi) / 2
            if predicate_high:  # P(X >= k | mid) grows with mid
                value = 1.0 - _binomial_cdf(k - 1, trials, mid)
                lo, hi = (mid, hi) if value < target else (lo, mid)
            else:  # P(X <= k | mid) falls with mid
                value = _binomial_cdf(k, trials, mid)
                lo, hi = (mid, hi) if value > target else (lo, mid)
        return (lo + hi) / 2

    lower = 0.0 if errors == 0 else solve(True, alpha / 2, errors)
    upper = 1.0 if errors == trials else solve(False, alpha / 2, errors)
    return (lower, upper)


@dataclass(frozen=True)
class ScoredPairs:
    """Every pair of a set of labelled embeddings, kept with the people they belong to.

    ``genuine_people[i]`` is the person (index) of genuine pair ``i``; the impostor pair
    ``j`` is between ``impostor_people[j, 0]`` and ``impostor_people[j, 1]``.
    """

    genuine: np.ndarray
    impostor: np.ndarray
    genuine_people: np.ndarray
    impostor_people: np.ndarray
    people: int

    @classmethod
    def from_embeddings(cls, vectors: np.ndarray, labels: Sequence[int]) -> ScoredPairs:
        """Cosine scores of all pairs of L2-normalised ``vectors`` labelled by person index."""
        vectors = np.asarray(vectors, np.float32)
        labels = np.asarray(labels, np.int64)
        if len(vectors) != len(labels):
            raise ValueError("one label per vector")
        scores = vectors @ vectors.T
        upper_i, upper_j = np.triu_indices(len(vectors), k=1)
        same = labels[upper_i] == labels[upper_j]
        pair_scores = scores[upper_i, upper_j].astype(np.float64)
        return cls(
            genuine=pair_scores[same],
            impostor=pair_scores[~same],
            genuine_people=labels[upper_i][same],
            impostor_people=np.stack([labels[upper_i][~same], labels[upper_j][~same]], axis=1),
            people=int(labels.max()) + 1 if len(labels) else 0,
        )


def _weighted_threshold(
    impostor_sorted_desc: np.ndarray, weights_sorted: np.ndarray, target: float
) -> float:
    """Lowest threshold whose weighted FMR is <= target (impostor scores sorted high to low)."""
    total = float(weights_sorted.sum())
    if total <= 0:
        return math.nan
    cumulative = np.cumsum(weights_sorted)
    # The first rank whose cumulative weight exceeds the allowance must no longer match.
    allowance = target * total + 1e-9
    index = int(np.searchsorted(cumulative, allowance, side="right"))
    if index >= len(impostor_sorted_desc):
        return float(impostor_sorted_desc[-1])
    return float(np.nextafter(impostor_sorted_desc[index], np.inf))


def bootstrap_by_identity(
    pairs: ScoredPairs,
    target_fmr: float,
    draws: int = 1000,
    confidence: float = Z95,
    seed: int = 19,
) -> tuple[float, float]:
    """Percentile interval of FNMR at ``target_fmr``, resampling people (see the module doc).

    A person drawn ``c`` times weighs ``c`` in their genuine pairs and ``c_a·c_b`` in the
    impostor pairs with another drawn person; pairs between two copies of one person are
    not compared.  ``(nan, nan)`` without genuine or impostor pairs.
    """
    if len(pairs.genuine) == 0 or len(pairs.impostor) == 0 or pairs.people < 2:
        return (math.nan, math.nan)
    rng = np.random.default_rng(seed)
    order = np.argsort(-pairs.impostor, kind="stable")
    impostor_sorted = pairs.impostor[order]
    first = pairs.impostor_people[order, 0]
    second = pairs.impostor_people[order, 1]
    results = np.empty(draws, np.float64)
    for d in range(draws):
        counts = np.bincount(
            rng.integers(0, pairs.people, pairs.people), minlength=pairs.people
        ).astype(np.float64)
        weights = counts[first] * counts[second]
        threshold = _weighted_threshold(impostor_sorted, weights, target_fmr)
        genuine_weights = counts[pairs.genuine_people]
        total = float(genuine_weights.sum())
        if total == 0 or math.isnan(threshold):
            results[d] = math.nan
            continue
        results[d] = float(genuine_weights[pairs.genuine < threshold].sum()) / total
    results = results[~np.isnan(results)]
    if len(results) == 0:
        return (math.nan, math.nan)
    alpha = (1.0 - confidence) / 2
    return (float(np.quantile(results, alpha)), float(np.quantile(results, 1.0 - alpha)))


@dataclass(frozen=True)
class OperatingPoint:
    """FNMR at a target FMR, with its threshold and both kinds of interval."""

    target_fmr: float
    threshold: float | None
    false_matches: int
    fmr: float
    fmr_interval: tuple[float, float]
    false_non_matches: int
    fnmr: float
    fnmr_interval: tuple[float, float]  # Clopper–Pearson at this threshold
    fnmr_bootstrap: tuple[float, float]  # people resampled, threshold found again
    impostor_pairs: int
    genuine_pairs: int

    @property
    def supported(self) -> bool:
        """Enough impostor pairs that the target FMR could be seen at all (3/n <= target)."""
        return self.impostor_pairs >= math.ceil(3.0 / self.target_fmr)


def operating_point(
    pairs: ScoredPairs, target_fmr: float, draws: int = 1000, seed: int = 19
) -> OperatingPoint:
    """FNMR at ``target_fmr`` on these pairs, with 95 % intervals."""
    if not 0 < target_fmr < 1:
        raise ValueError("the target FMR is a fraction between 0 and 1")
    threshold = threshold_for_fmr(pairs.impostor, target_fmr)
    n_gen, n_imp = len(pairs.genuine), len(pairs.impostor)
    if threshold is None:
        return OperatingPoint(
            target_fmr, None, 0, math.nan, (math.nan, math.nan), 0, math.nan,
            (math.nan, math.nan), (math.nan, math.nan), 0, n_gen,
        )  # fmt: skip
    fnm, fm = count_at(pairs.genuine, pairs.impostor, threshold)
    return OperatingPoint(
        target_fmr=target_fmr,
        threshold=threshold,
        false_matches=fm,
        fmr=fm / n_imp,
        fmr_interval=clopper_pearson(fm, n_imp),
        false_non_matches=fnm,
        fnmr=fnm / n_gen if n_gen else math.nan,
        fnmr_interval=clopper_pearson(fnm, n_gen) if n_gen else (math.nan, math.nan),
        fnmr_bootstrap=bootstrap_by_identity(pairs, target_fmr, draws, seed=seed),
        impostor_pairs=n_imp,
        genuine_pairs=n_gen,
    )


# The DET curve -------------------------------------------------------------------------------


def det_points(genuine: np.ndarray, impostor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(FMR, FNMR) at every distinct score used as a threshold, from strict to lenient."""
    genuine = np.sort(np.asarray(genuine, np.float64))
    impostor = np.sort(np.asarray(impostor, np.float64))
    if len(genuine) == 0 or len(impostor) == 0:
        return np.empty(0), np.empty(0)
    thresholds = np.unique(np.concatenate([genuine, impostor, [np.inf]]))[::-1]
    fmr = (len(impostor) - np.searchsorted(impostor, thresholds, side="left")) / len(impostor)
    fnmr = np.searchsorted(genuine, thresholds, side="left") / len(genuine)
    return fmr, fnmr


DET_TICKS = (1e-5, 1e-4, 1e-3, 1e-2, 0.05, 0.2, 0.5)
COLOURS = ((200, 80, 0), (0, 120, 230), (40, 160, 40), (30, 30, 200), (150, 60, 150))


@dataclass(frozen=True)
class DetCurve:
    """One curve of a DET plot: its legend, scores and an operating point to mark."""

    label: str
    genuine: np.ndarray
    impostor: np.ndarray
    mark_fmr: float | None = None


def _probit(p: np.ndarray | float, low: float, high: float) -> np.ndarray:
    clipped = np.clip(np.asarray(p, np.float64), low, high)
    dist = NormalDist()
    return np.vectorize(dist.inv_cdf)(clipped)


def draw_det(
    curves: Sequence[DetCurve],
    title: str = "DET",
    size: tuple[int, int] = (900, 700),
    fmr_range: tuple[float, float] = (1e-5, 0.5),
    fnmr_range: tuple[float, float] = (1e-3, 0.5),
) -> np.ndarray:
    """A DET plot as a BGR image (write it with ``cv2.imwrite``; ASCII labels only).

    Both axes are normal deviates (probit): equal-variance Gaussian scores give straight
    lines, and the low error rates that matter stay readable.  A dot marks each curve's
    point at its ``mark_fmr``.
    """
    width, height = size
    left, right, top, bottom = 90, 30, 50, 80
    image = np.full((height, width, 3), 255, np.uint8)
    x_lo, x_hi = _probit(fmr_range[0], 1e-9, 1), _probit(fmr_range[1], 1e-9, 1)
    y_lo, y_hi = _probit(fnmr_range[0], 1e-9, 1), _probit(fnmr_range[1], 1e-9, 1)

    def to_px(fmr: np.ndarray, fnmr: np.ndarray) -> np.ndarray:
        px = _probit(fmr, fmr_range[0], fmr_range[1])
        py = _probit(fnmr, fnmr_range[0], fnmr_range[1])
        x = left + (px - x_lo) / (x_hi - x_lo) * (width - left - right)
        y = height - bottom - (py - y_lo) / (y_hi - y_lo) * (height - top - bottom)
        return np.stack([x, y], axis=-1)

    font = cv2.FONT_HERSHEY_SIMPLEX
    grid, ink = (225, 225, 225), (40, 40, 40)
    for tick in DET_TICKS:
        label = f"{tick * 100:g}%"
        if fmr_range[0] <= tick <= fmr_range[1]:
            x = round(float(to_px(np.array([tick]), np.array([fnmr_range[0]]))[0, 0]))
            cv2.line(image, (x, top), (x, height - bottom), grid, 1)
            cv2.putText(image, label, (x - 20, height - bottom + 20), font, 0.45, ink, 1)
        if fnmr_range[0] <= tick <= fnmr_range[1]:
            y = round(float(to_px(np.array([fmr_range[0]]), np.array([tick]))[0, 1]))
            cv2.line(image, (left, y), (width - right, y), grid, 1)
            cv2.putText(image, label, (left - 70, y + 5), font, 0.45, ink, 1)
    cv2.rectangle(image, (left, top), (width - right, height - bottom), ink, 1)
    cv2.putText(image, title, (left, 30), font, 0.65, ink, 1, cv2.LINE_AA)
    cv2.putText(
        image, "false match rate (FMR)", (width // 2 - 100, height - 25), font, 0.55, ink, 1
    )
    cv2.putText(image, "FNMR", (10, top - 15), font, 0.55, ink, 1)
    for index, curve in enumerate(curves):
        colour = COLOURS[index % len(COLOURS)]
        fmr, fnmr = det_points(curve.genuine, curve.impostor)
        if len(fmr):
            points = np.round(to_px(fmr, fnmr)).astype(np.int32)
            cv2.polylines(image, [points.reshape(-1, 1, 2)], False, colour, 2, cv2.LINE_AA)
            if curve.mark_fmr is not None:
                threshold = threshold_for_fmr(curve.impostor, curve.mark_fmr)
                if threshold is not None:
                    fnm, fm = count_at(curve.genuine, curve.impostor, threshold)
                    point = to_px(
                        np.array([max(fm / len(curve.impostor), fmr_range[0])]),
                        np.array([max(fnm / len(curve.genuine), fnmr_range[0])]),
                    )[0]
                    centre = (round(float(point[0])), round(float(point[1])))
                    cv2.circle(image, centre, 6, colour, -1, cv2.LINE_AA)
        y = top + 25 + 24 * index
        cv2.line(image, (width - right - 330, y - 5), (width - right - 300, y - 5), colour, 3)
        cv2.putText(image, curve.label[:44], (width - right - 292, y), font, 0.45, ink, 1)
    return image


def write_det(path: str, curves: Sequence[DetCurve], title: str = "DET") -> None:
    """Draw :func:`draw_det` and save it as a PNG (``OSError`` if it cannot be written)."""
    if not str(path).lower().endswith(".png"):
        raise OSError(f"{path}: the DET curve is written as a .png file")
    ok, data = cv2.imencode(".png", draw_det(curves, title))
    if not ok:  # pragma: no cover - PNG encoding does not fail on a BGR image
        raise OSError(f"{path}: could not encode the DET curve")
    with open(path, "wb") as f:
        f.write(data.tobytes())
