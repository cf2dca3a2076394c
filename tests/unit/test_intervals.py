"""Replicates combined: means, Student t intervals, causes absent from some replicates, the
disparate-impact flag on intervals, and how a number with its interval is written."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from socialcredit.fmt import num, pct, ranged
from socialcredit.metrics.intervals import combine
from socialcredit.metrics.summary import outside_parity


def summary(share: float | None, count: int, impact: float, causes: list[tuple[str, int]]) -> dict:
    return {
        "people": 100,
        "seed": 1,
        "wrongful_share": share,
        "people_ever_sanctioned": count,
        "sanctions": {
            "ban": {
                "magnitude": 5.0,
                "disparate_impact": {"a": 1.0, "b": impact},
                "disparate_impact_flagged": [],
            }
        },
        "wrongful_causes": [
            {"source": s, "error_kind": "bookkeeping", "person_days": n, "share": n / 10}
            for s, n in causes
        ],
    }


def test_mean_and_t_interval_match_their_definition() -> None:
    counts = [12, 15, 9, 14, 11]
    combined = combine(summary(0.1, c, 1.0, []) for c in counts)
    mean = float(np.mean(counts))
    half = stats.t.ppf(0.95, 4) * np.std(counts, ddof=1) / math.sqrt(5)
    assert combined["people_ever_sanctioned"] == pytest.approx(mean, rel=1e-12)
    lo, hi = combined["intervals"]["people_ever_sanctioned"]
    assert (lo, hi) == pytest.approx((mean - half, mean + half), rel=1e-12)
    assert combined["replicates"] == 5 and combined["interval_level"] == 0.9
    assert combined["people"] == 100 and combined["seed"] == 1  # the run, not a measurement
    assert combined["sanctions"]["ban"]["magnitude"] == 5.0
    assert "magnitude" not in combined["intervals"]["sanctions"]["ban"]


def test_undefined_numbers_average_over_the_replicates_that_have_them() -> None:
    combined = combine(summary(s, 1, 1.0, []) for s in (None, 0.2, 0.4))
    assert combined["wrongful_share"] == pytest.approx(0.3)
    assert combined["intervals"]["wrongful_share"] is not None
    alone = combine(summary(s, 1, 1.0, []) for s in (None, None, 0.4))
    assert alone["wrongful_share"] == pytest.approx(0.4)
    assert alone["intervals"].get("wrongful_share") is None  # one value: no interval


def test_a_cause_absent_from_a_replicate_counts_zero_there() -> None:
    combined = combine(
        summary(0.1, 1, 1.0, causes)
        for causes in ([("cam", 6)], [("cam", 2), ("court", 9)], [("court", 3)])
    )
    by_source = {c["source"]: c["person_days"] for c in combined["wrongful_causes"]}
    assert by_source == pytest.approx({"cam": 8 / 3, "court": 4.0})
    assert [c["source"] for c in combined["wrongful_causes"]] == ["court", "cam"]  # largest first
    assert len(combined["intervals"]["wrongful_causes"]) == 2


def test_impact_is_flagged_only_where_the_whole_interval_is_outside_the_band() -> None:
    assert outside_parity(1.3, 1.6) and outside_parity(0.5, 0.7)
    assert not outside_parity(1.1, 1.6) and not outside_parity(0.7, 0.9)
    sure = combine(summary(0.1, 1, r, []) for r in (2.0, 2.1, 1.9, 2.05))
    assert sure["sanctions"]["ban"]["disparate_impact_flagged"] == ["b"]
    assert sure["sanctions"]["ban"]["disparate_impact_indistinct"] == []
    noisy = combine(summary(0.1, 1, r, []) for r in (0.9, 2.5, 1.0, 2.4))
    assert noisy["sanctions"]["ban"]["disparate_impact_flagged"] == []
    assert noisy["sanctions"]["ban"]["disparate_impact_indistinct"] == ["b"]


def test_a_number_with_its_interval_reads_the_same_everywhere() -> None:
    assert ranged(0.035, [0.031, 0.039], pct) == "3.5% (3.1-3.9%)"
    assert ranged(1204.2, [1150.4, 1260.0], num) == "1,204 (1,150-1,260)"
    assert ranged(0.002, [-0.001, 0.005], pct) == "0.20% (-0.10 to 0.50%)"
    assert ranged(0.035, None, pct) == "3.5%"
    assert ranged(None, None, pct) == "n/a"
