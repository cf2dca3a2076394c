"""The compiled close of a day (metrics/day_kernels.py) gives the bits of its NumPy formulation.

The golden files and the engines-agree tests hold every column of whole runs; these check the two
kernels alone on the cases runs seldom reach: empty cells (their NaNs, sign bit included), one
person, everybody on one score, scores below zero.
"""

from __future__ import annotations

import numpy as np
import pytest

from socialcredit.metrics.day_kernels import QUANTILES, score_stats, sum_columns


def _numpy_score_stats(hist: np.ndarray, score_min: int, shadow_sum: np.ndarray) -> np.ndarray:
    """The statistics as NumPy calls: a float dot product, one searchsorted per cell and
    quantile, and float divisions (0 / 0 for an empty cell)."""
    people = hist.sum(axis=1)
    scores = np.arange(score_min, score_min + hist.shape[1], dtype=np.float64)
    stats = np.empty((len(hist), 5))
    with np.errstate(invalid="ignore", divide="ignore"):
        stats[:, 0] = hist @ scores / people
        stats[:, 4] = shadow_sum / people
    cumulative = np.cumsum(hist, axis=1)
    for c in range(len(hist)):
        for k, q in enumerate(QUANTILES):
            target = np.ceil(q * people[c]).astype(np.int64)
            where = np.searchsorted(cumulative[c], target, side="left")
            stats[c, 1 + k] = score_min + where if people[c] > 0 else np.nan
    return stats


@pytest.mark.parametrize("score_min", [-50, 0, 300])
def test_score_stats_match_numpy_bit_for_bit(score_min: int) -> None:
    rng = np.random.default_rng(score_min + 1000)
    width = 120
    hist = rng.integers(0, 40, size=(9, width)) * (rng.random((9, width)) < 0.3)
    hist[1] = 0  # an empty cell
    hist[2] = 0
    hist[2, 17] = 1  # one person
    hist[3] = 0
    hist[3, -1] = 5_000  # everybody on the top score
    hist[4] = 0
    hist[4, 0] = 7  # everybody on the bottom score
    shadow_sum = hist @ np.arange(score_min, score_min + width) + rng.integers(-9, 9, len(hist))
    shadow_sum[1] = 0
    got = np.zeros((len(hist), 5))
    score_stats(hist, score_min, shadow_sum, got)
    want = _numpy_score_stats(hist, score_min, shadow_sum)
    assert np.array_equal(got.view(np.uint64), want.view(np.uint64))
    assert np.isnan(got[1]).all()


def test_sum_columns_sums_copies_and_zeros() -> None:
    entries = np.arange(2 * 6, dtype=np.int64).reshape(2, 6)
    # column 3 <- entry 5; column 0 <- entries 1 + 2 + 4; column 1 <- nothing
    column = np.array([3, 0, 1], dtype=np.int64)
    first = np.array([0, 1, 4, 4], dtype=np.int64)
    source = np.array([5, 1, 2, 4], dtype=np.int64)
    counts = np.full((2, 5), -1, dtype=np.int64)
    sum_columns(entries, column, first, source, counts)
    assert counts.tolist() == [[7, 0, -1, 5, -1], [25, 0, -1, 11, -1]]
