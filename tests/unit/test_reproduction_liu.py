"""The Liu et al. 2018 reproduction (reproductions/liu2018.py, delayed_impact.py): the sampled check
agrees with the exact one-step expectation within a tolerance derived from the sample size; each
policy meets its constraint and is the best policy that does; the data and the score scale are
read as the paper's code reads them; the command writes its page and table."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from socialcredit.reproductions import REPRODUCTIONS, fico
from socialcredit.reproductions.delayed_impact import Applicants, Model, Utility, change_variance

UTILITIES = [Utility(1.0, -4.0), Utility(1.0, -10.0)]  # the paper's two ratios (§6)
POLICIES = ["max_util", "demographic_parity", "equal_opportunity", "single_threshold"]

# Applicants per group, and the tolerance in standard errors: a sampled mean misses its
# expectation by more than 4 standard errors with probability 6e-5 (normal; n is large), so the
# 16 comparisons below (2 ratios x 4 policies x 2 groups) all pass with probability > 0.999.
N = 200_000
K = 4.0


@pytest.fixture(scope="module")
def model() -> Model:
    return Model(fico.load(("black", "white")))


@pytest.fixture(scope="module")
def applicants(model: Model) -> Applicants:
    return Applicants(model, N, seed=7)


def _policies(model: Model, u: Utility) -> list[np.ndarray]:
    return [getattr(model, name)(u).rate for name in POLICIES]


def test_sampled_mean_change_matches_the_exact_expectation(
    model: Model, applicants: Applicants
) -> None:
    for u in UTILITIES:
        for rate in _policies(model, u):
            exact = model.delta_mu(rate)
            se = np.sqrt(change_variance(model, rate) / N)
            sampled = applicants.apply(rate)
            assert np.all(np.abs(sampled.mean - exact) <= K * se), (u, rate, sampled, exact, se)
            # the reported 90% interval is the sample's own, about 1.645 standard errors wide
            assert np.allclose((sampled.high - sampled.low) / 2, 1.645 * se, rtol=0.05)


def test_the_tolerance_catches_a_wrong_score_change(model: Model, applicants: Applicants) -> None:
    """The same check against a model with +70 on repayment (not the paper's +75) fails: the
    tolerance is tight enough to mean something."""
    wrong = Model(model.fico, repay_change=70.0)
    rate = model.equal_opportunity(UTILITIES[0]).rate
    se = np.sqrt(change_variance(wrong, rate) / N)
    assert np.any(np.abs(applicants.apply(rate).mean - wrong.delta_mu(rate)) > K * se)


def test_demographic_parity_lends_to_the_same_share_of_each_group(model: Model) -> None:
    for u in UTILITIES:
        rate = model.demographic_parity(u).rate
        lent = (model.pmf * model.acceptance(rate)).sum(1)  # what the lottery actually gives
        assert lent[0] == pytest.approx(lent[1], abs=1e-12)
        assert np.allclose(lent, rate, atol=1e-12)


def test_equal_opportunity_lends_to_the_same_share_of_each_groups_repayers(model: Model) -> None:
    for u in UTILITIES:
        a = model.acceptance(model.equal_opportunity(u).rate)
        tpr = (model.pmf * a * model.repay).sum(1) / (model.pmf * model.repay).sum(1)
        assert tpr[0] == pytest.approx(tpr[1], abs=1e-12)


def test_max_util_lends_down_to_where_a_loans_expected_gain_turns_negative(model: Model) -> None:
    for u in UTILITIES:
        a = model.acceptance(model.max_util(u).rate)
        gain = model.gain(u)
        for g in range(2):
            lent = np.flatnonzero(a[g] > 0)
            assert np.all(gain[g, lent] >= 0)
            assert gain[g, lent[-1] + 1] < 0  # the next score down would lose money
            assert np.all(model.repay[g, lent] >= u.break_even)


@pytest.mark.parametrize("policy", ["demographic_parity", "equal_opportunity"])
def test_a_constrained_policy_is_the_best_one_that_meets_its_constraint(
    model: Model, policy: str
) -> None:
    """No rate on a fine grid (DemParity) or true positive rate (EqOpp) does better."""
    u = UTILITIES[0]
    best = float(model.weight @ model.utility(getattr(model, policy)(u).rate, u))
    grid = np.linspace(0, 1, 4001)
    if policy == "demographic_parity":
        rates = np.stack([grid, grid])
    else:
        tpr = model.repaid_knots / model.repaid_knots[:, -1:]
        rates = np.stack([np.interp(grid, tpr[g], model.rate_knots[g]) for g in range(2)])
    assert best >= (model.weight @ model.utility(rates, u)).max() - 1e-12


def test_the_tables_are_read_as_the_paper_reads_them(model: Model) -> None:
    assert np.allclose(model.pmf.sum(1), 1.0)
    # the notebook's printed group_size_ratio (cell 8): [0.12066905 0.87933095]
    assert np.allclose(model.weight, [0.12066905, 0.87933095], atol=5e-9)
    # convert_percentiles (the paper's fico.py), one value at a time, against ours vectorised
    bands = [(300, 2.1), (350, 4.2), (400, 5.4), (450, 6.5), (500, 7.9), (550, 9.6), (600, 12.0),
             (650, 13.8), (700, 17.0), (750, 15.8), (800, 5.7), (850, 0)]  # fmt: skip

    def convert_one(x: float) -> float:
        partial = 0.0
        for (v, s), (v2, _) in zip(bands, bands[1:], strict=False):
            if partial + s >= x:
                return v + (v2 - v) * (x - partial) / s
            partial += s
        raise AssertionError(x)

    transrisk = np.linspace(0, 100, 401)
    assert np.allclose(fico.to_fico_scale(transrisk), [convert_one(x) for x in transrisk])


def test_with_the_papers_clipping_the_outcome_curve_ends_where_their_figure_does(
    model: Model,
) -> None:
    """Their figure (notebook cell 19) ends at -55.0 (Black) and 21.0 (White), read to ±0.5."""
    theirs = Model(model.fico, clip_each_outcome=False)
    assert theirs.delta_knots[:, -1] == pytest.approx([-55.0, 21.0], abs=0.5)


def test_reproduce_writes_the_page_and_the_table(tmp_path: Path) -> None:
    assert "liu2018" in REPRODUCTIONS
    out = tmp_path / "liu"
    command = ["reproduce", "liu2018", "--quick", "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-m", "socialcredit", *command],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    page = (out / "reproduction.html").read_text()
    assert "Plotly.newPlot" in page and "Outcome curves" in page
    table = pq.read_table(out / "liu2018.parquet").to_pydict()
    assert {"curve", "curve_theirs", "policy"} == set(table["kind"])
    assert "reproduction.html" in " ".join(done.stdout.split())


def test_an_unknown_reproduction_is_refused_with_the_known_names(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "socialcredit", "reproduce", "liu2019", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())
    assert "no reproduction named 'liu2019'; expected one of " in message
    assert "liu2018" in message and "ensign2018" in message
