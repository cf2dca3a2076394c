"""The D'Amour et al. 2020 lending environment against its closed forms, and `socialcredit
reproduce damour2020`.

Tolerances are Z = 5 standard errors (or the chi-square quantile with the same tail, 5.7e-7)
derived from the run count and an analytic expectation, so a correct model fails a check with
probability about 6e-7. Each test says which broken rule it catches and by how much; those
numbers were measured by breaking the rule in damour2020.py once and running the test.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy import stats
from typer.testing import CliRunner

from socialcredit.cli import app
from socialcredit.reproductions import damour2020 as model

Z = 5.0
TAIL = 2 * stats.norm.sf(Z)  # 5.7e-7: the two-sided tail of Z standard errors


def test_stationary_vector_is_the_published_one() -> None:
    """The permissive steady state is the left eigenvector for eigenvalue 1 of one person's
    chain (paper App. A.1); fairness_sims.md gives it to 4 places. Checked: pi P = pi to
    rounding, and pi equal to the 4-place vector within half a unit of the last place."""
    p = model.transition_matrix()
    pi = model.stationary()
    assert np.allclose(p.sum(axis=1), 1.0)
    assert np.allclose(pi @ p, pi, atol=1e-12)
    assert np.all(np.abs(pi - np.array(model.STATIONARY_4DP)) <= 5e-5), pi.round(5)


def test_permissive_lending_settles_at_the_stationary_vector() -> None:
    """Under permissive lending each person's cluster is the chain P, and a step moves one
    random person, so the stationary law of a group's counts is Multinomial(pool, pi): the
    people of all runs and groups are N = runs x 2 x pool independent draws from pi once the
    start is forgotten. A person moves every 2 pool steps on average, so after T steps the bias
    from the start is at most E[lambda_2^K] = exp(-T (1 - lambda_2) / (2 pool)) (K the moves,
    lambda_2 = 0.9846 the chain's second eigenvalue); T is chosen to make that 1e-3, ~0.05 of
    a standard error of a cluster's share. Both groups start apart (INITIAL) and must meet.

    Checked: Pearson's chi-square of the pooled counts against N pi, 6 degrees of freedom,
    below its 1 - 5.7e-7 quantile (39.5); the correct model gives 6.9. Broken rules, measured:
    repay moving a person down and default up: X^2 = 230,000; the top edge at cluster 5 (a
    repayer at 5 or 6 ends at 5): X^2 = 11,800; default moving nobody: X^2 = 135,000.
    """
    pool, runs = 10, 2000
    lam2 = sorted(np.abs(np.linalg.eigvals(model.transition_matrix())))[-2]
    steps = math.ceil(2 * pool * math.log(1e3) / (1 - lam2))
    run = model.simulate("permissive", runs=runs, steps=steps, seed=7, pool=pool, every=steps)
    observed = run.counts.sum(axis=(0, 1))
    expected = observed.sum() * model.stationary()
    chi2 = float(((observed - expected) ** 2 / expected).sum())
    assert chi2 < stats.chi2.isf(TAIL, model.CLUSTERS - 1), (chi2, observed / observed.sum())


TOP_HEAVY = np.array([[0, 0, 0, 10, 20, 30, 40], [10, 10, 20, 30, 30, 0, 0]])


@pytest.mark.parametrize("start", [model.INITIAL * model.POOL, TOP_HEAVY], ids=["paper", "top"])
def test_max_util_one_step_credit_change_has_its_closed_form(start: np.ndarray) -> None:
    """One step of max-util from a given population: group g arrives with probability 1/2, a
    person of cluster c with probability w_c, is lent to iff P(repay) > 0.5, and moves to a
    cluster drawn from row c of the chain, so group g's mean P(repay) changes in expectation by
    (1/2) (1/pool) sum_c w_c [lend_c] ((P p)_c - p_c). The "top" start puts 40% of group 1 at
    cluster 6, where a repayer stays.

    Checked: the mean change over 400,000 one-step runs within Z standard errors (sample
    standard deviation / sqrt(runs)) of the closed form, per group. The closed form is -3.0e-5
    and -2.25e-5 per step for the paper's start, 49 and 32 standard errors from 0, so a model
    in which credit did not fall would fail. Broken rules, measured: repay and default swapped:
    168 and 136 standard errors off (paper start); lending to every cluster (permissive): 46 and
    60 off. Not caught here: a wrong top edge, since P(repay) is 0.7 at both 5 and 6 and the
    mean cannot see moves between them (the chi-square test above catches it).
    """
    runs = 400_000
    counts = np.broadcast_to(start.astype(np.int64), (runs, *start.shape))
    run = model.simulate("max-util", runs=runs, steps=1, seed=3, burnin=0, every=1,
                         counts=counts)  # fmt: skip
    change = run.credit[1] - run.credit[0]  # (runs, groups)
    w = start / start.sum(axis=1, keepdims=True)
    lend = (model.profit() > 0).astype(float)
    drift = model.transition_matrix() @ model.SUCCESS - model.SUCCESS
    expected = 0.5 / start.sum(axis=1) * (w * lend * drift).sum(axis=1)
    se = change.std(axis=0, ddof=1) / math.sqrt(runs)
    assert np.all(np.abs(change.mean(axis=0) - expected) <= Z * se), (
        change.mean(axis=0), expected, se)  # fmt: skip


def _best_first(w: np.ndarray, tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Our own check, written apart from the model: for targets ``tau`` (K,), lend to the
    clusters of a group (w: its shares) best P(repay) first until the TPR reaches tau, the
    boundary cluster in part. Returns the TPR reached and the expected profit, both (K,)."""
    order = np.argsort(-model.SUCCESS, kind="stable")
    q = (w * model.SUCCESS)[order] / (w * model.SUCCESS).sum()
    gain = (w * model.profit())[order]
    before = np.cumsum(q) - q
    frac = np.clip((tau[:, None] - before) / np.where(q > 0, q, 1), 0, 1) * (q > 0)
    return (frac * q).sum(axis=1), (frac * gain).sum(axis=1)


def test_eo_equalises_tpr_each_step_with_the_most_profit() -> None:
    """EO's rule, on the populations its own runs reach (300 runs, ends of 3,000 steps) and on
    300 random ones: the two groups' expected TPR (sum_c lend_c w_c p_c / sum_c w_c p_c) are
    equal, and no common TPR target on a grid of 2,001 gives more expected profit (computed by
    an independent best-first fill). Exact arithmetic, so the tolerance is rounding (1e-9).
    The correct rule: TPR gap at most 4e-16, shortfall at most 6e-17. Broken rules, measured:
    equalising acceptance rates instead (w_c in place of w_c p_c): TPR gaps up to 0.40; always
    taking the first vertex (target 0, lend to nobody) instead of the most profitable: the TPRs
    stay equal but a grid target beats it by up to 0.65 of profit per applicant.
    """
    reached = model.simulate("eo", runs=300, steps=3000, seed=5, every=3000).counts
    rng = np.random.default_rng(1)
    shares = rng.dirichlet(np.full(model.CLUSTERS, 0.5), size=(300, model.GROUPS))
    random = np.maximum(np.rint(shares * model.POOL), 0).astype(np.int64)
    random[..., 0] += model.POOL - random.sum(axis=-1)  # whole people, POOL per group
    random = np.maximum(random, 0)
    counts = np.concatenate([reached, random])
    policy = model.eo_policy(counts)
    w = counts / counts.sum(axis=-1, keepdims=True)
    tpr = (policy.lend * w * model.SUCCESS).sum(-1) / (w * model.SUCCESS).sum(-1)
    assert np.max(np.abs(tpr[:, 0] - tpr[:, 1])) <= 1e-9
    assert np.allclose(tpr[:, 0], policy.target, atol=1e-9)
    chosen = (policy.lend * w * model.profit()).sum(axis=(1, 2))
    grid = np.linspace(0, 1, 2001)
    for i in range(len(counts)):
        best = sum(_best_first(w[i, g], grid)[1] for g in range(model.GROUPS)).max()
        assert chosen[i] >= best - 1e-9, (i, chosen[i], best)


def test_reproduce_writes_the_page_and_the_curves(tmp_path: Path) -> None:
    out = tmp_path / "damour"
    result = CliRunner().invoke(app, ["reproduce", "damour2020", "--quick", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "reproduction.html").read_text(encoding="utf-8")
    assert "Plotly.newPlot" in page and "Simpson" in page and "steps (applicants)" in page
    table = pq.read_table(out / "damour2020.parquet").to_pandas()
    assert set(table["agent"]) == {"max-util", "eo", "permissive"}
    assert set(table["environment"]) == {"dynamic", "static"}
    ok = table["credit_p05"] <= table["credit_mean"] + 1e-12
    assert bool(np.all(ok & (table["credit_mean"] <= table["credit_p95"] + 1e-12)))
    assert "max-util, group 1" in result.output and "reproduction.html" in result.output
