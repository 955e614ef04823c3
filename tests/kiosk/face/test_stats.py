"""Error rates with intervals, thresholds for a target FMR, and the DET curve."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.face.stats import (
    DetCurve,
    ScoredPairs,
    bootstrap_by_identity,
    clopper_pearson,
    det_points,
    draw_det,
    operating_point,
    threshold_for_fmr,
    write_det,
)


@pytest.mark.parametrize(
    "errors,trials,low,high",
    [
        (0, 20, 0.0, 0.1684),  # 1 - 0.025 ** (1 / 20): the "near 14 %" is one-sided
        (0, 3000, 0.0, 0.00123),
        (5, 100, 0.0164, 0.1128),
        (20, 20, 0.8316, 1.0),
    ],
)
def test_clopper_pearson_matches_the_exact_binomial_bounds(
    errors: int, trials: int, low: float, high: float
) -> None:
    got = clopper_pearson(errors, trials)
    assert got[0] == pytest.approx(low, abs=2e-4) and got[1] == pytest.approx(high, rel=2e-3)


def test_threshold_for_fmr_lets_through_at_most_the_target_share() -> None:
    impostor = np.linspace(0.0, 0.5, 2000)
    threshold = threshold_for_fmr(impostor, 0.001)
    assert np.count_nonzero(impostor >= threshold) <= 2
    assert np.count_nonzero(impostor >= threshold - 0.001) > 2
    assert threshold_for_fmr(np.array([]), 0.001) is None


def _people(rng: np.random.Generator, people: int = 40, photos: int = 4) -> ScoredPairs:
    centres = rng.normal(size=(people, 32))
    vectors, labels = [], []
    for person, centre in enumerate(centres):
        for _ in range(photos):
            v = centre + rng.normal(scale=0.6, size=32)
            vectors.append(v / np.linalg.norm(v))
            labels.append(person)
    return ScoredPairs.from_embeddings(np.array(vectors), labels)


def test_pairs_are_split_by_person_and_the_bootstrap_brackets_the_estimate() -> None:
    pairs = _people(np.random.default_rng(1))
    assert len(pairs.genuine) == 40 * 6 and len(pairs.impostor) == 160 * 159 // 2 - 240
    point = operating_point(pairs, 0.01, draws=300)
    assert point.false_matches <= 0.01 * len(pairs.impostor)
    low, high = point.fnmr_bootstrap
    assert low <= point.fnmr <= high
    assert point.fnmr_interval[0] <= point.fnmr <= point.fnmr_interval[1]
    assert point.supported  # 12,480 pairs >= 300 needed for 1 %
    assert not operating_point(pairs, 0.0001, draws=0).supported
    assert all(math.isnan(x) for x in bootstrap_by_identity(pairs, 0.01, draws=0))


def test_det_points_run_from_strict_to_lenient() -> None:
    fmr, fnmr = det_points(np.array([0.6, 0.7, 0.8]), np.array([0.1, 0.2, 0.65]))
    assert fmr[0] == 0.0 and fnmr[0] == 1.0 and fmr[-1] == 1.0 and fnmr[-1] == 0.0
    assert np.all(np.diff(fmr) >= 0) and np.all(np.diff(fnmr) <= 0)


def test_the_det_curve_is_drawn_into_a_png(tmp_path: Path) -> None:
    pairs = _people(np.random.default_rng(2))
    image = draw_det([DetCurve("synthetic", pairs.genuine, pairs.impostor, 0.01)])
    assert image.shape == (700, 900, 3) and image.dtype == np.uint8
    assert (image != 255).any(axis=2).mean() > 0.02  # axes, grid, curve and labels drawn
    path = tmp_path / "det.png"
    write_det(str(path), [DetCurve("synthetic", pairs.genuine, pairs.impostor)])
    assert cv2.imread(str(path)).shape == (700, 900, 3)
    with pytest.raises(OSError):
        write_det(str(tmp_path / "det.unknown"), [])
