"""Welch's t interval on the difference of two means, from each mean's 90% interval and its
number of replicates (metrics/intervals.py ``difference_interval``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from socialcredit.metrics.intervals import Running, difference_interval, standard_error


def mean_and_bounds(values: list[float]) -> tuple[float, list[float], int]:
    """A run's mean and 90% interval over its replicates, as summary.json holds them."""
    run = Running()
    for v in values:
        run.add(v)
    bounds = run.interval()
    assert bounds is not None
    return run.mean, bounds, run.n


def test_a_hand_computed_case() -> None:
    # a = 1, 2, 3 and b = 4, 5, 6: means 2 and 5, each se = 1 / sqrt(3), so the difference has
    # se = sqrt(2 / 3) and Welch df = (2 se^2)^2 / (2 se^4 / 2) = 4; t(0.95, 4) = 2.1318 (tables).
    t4 = 2.1318
    se = math.sqrt(2 / 3)
    lo, hi = difference_interval(*mean_and_bounds([1, 2, 3]), *mean_and_bounds([4, 5, 6]))
    # The table's t has 4 decimals: its rounding (half a unit in the last place) times se.
    tol = 0.5e-4 * se + 1e-12
    assert lo == pytest.approx(-3 - t4 * se, abs=tol)
    assert hi == pytest.approx(-3 + t4 * se, abs=tol)


def test_the_standard_error_is_recovered_from_the_interval() -> None:
    values = [3.0, 7.0, 4.0, 9.0]
    _, bounds, r = mean_and_bounds(values)
    expected = np.std(values, ddof=1) / math.sqrt(r)
    assert standard_error(bounds, r) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("na", "nb", "sa", "sb"), [(3, 3, 1.0, 1.0), (3, 10, 1.0, 5.0),
                                                     (12, 4, 0.2, 3.0)])  # fmt: skip
def test_it_agrees_with_scipys_welch_test(na: int, nb: int, sa: float, sb: float) -> None:
    rng = np.random.default_rng(na * 100 + nb)
    a = rng.normal(10, sa, na)
    b = rng.normal(11, sb, nb)
    ours = difference_interval(*mean_and_bounds(list(a)), *mean_and_bounds(list(b)))
    theirs = stats.ttest_ind(a, b, equal_var=False).confidence_interval(confidence_level=0.9)
    # The same formula computed two ways: only rounding separates them.
    assert ours == pytest.approx([theirs.low, theirs.high], rel=1e-9)


def test_means_that_never_varied_differ_exactly_by_their_difference() -> None:
    assert difference_interval(2.0, [2.0, 2.0], 3, 0.5, [0.5, 0.5], 5) == [1.5, 1.5]
    assert difference_interval(0.0, [0.0, 0.0], 3, 0.0, [0.0, 0.0], 3) == [0.0, 0.0]


def test_one_fixed_mean_leaves_the_other_runs_degrees_of_freedom() -> None:
    # se_b = 0: Welch df = (se_a^2)^2 / (se_a^4 / (R_a - 1)) = R_a - 1, so the difference's
    # interval is a's own interval shifted by b.
    mean, bounds, r = mean_and_bounds([1.0, 4.0, 2.0, 6.0])
    lo, hi = difference_interval(mean, bounds, r, 1.0, [1.0, 1.0], 3)
    assert (lo, hi) == pytest.approx((bounds[0] - 1.0, bounds[1] - 1.0), rel=1e-12)
