"""The Ensign et al. 2018 urn against its closed forms, and `socialcredit reproduce`.

Tolerances are Z = 5 standard errors derived from the run count and the analytic variance, so a
correct urn fails one check with probability about 6e-7; each test says which wrong rule it
catches and by how many standard errors.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from typer.testing import CliRunner

from socialcredit.cli import app
from socialcredit.reproductions import REPRODUCTIONS
from socialcredit.reproductions.ensign2018 import TOP1_TOP2, Setting, simulate

Z = 5.0
# The weak Oakland prior (src/Makefile, oakland-examples: --nr 6.09 --nb 3.79): few balls, so
# the prior's randomness shows quickly.
WEAK = (6.09, 3.79)


def test_uncorrected_urn_with_equal_rates_ends_beta_distributed() -> None:
    """Equal true rates lambda and deterministic additions make the uncorrected urn a standard
    Pólya urn: with alpha = n_A / lambda and beta = n_B / lambda, the share X_n is a martingale
    (E X_n = mu = alpha / s, s = alpha + beta) heading to Beta(alpha, beta), and the count of
    patrols to A is beta-binomial, so Var X_n = mu (1 - mu) n / ((s + 1)(s + n)) exactly.

    Checked: the mean within Z standard errors of mu, and the mean of X_n^2 within Z standard
    errors of Var X_n + mu^2 (Var(X^2) <= E X^2 - (E X^2)^2 since X^4 <= X^2 on [0, 1]). Wrong
    rules this catches, measured with mutated copies of the rule: adding the balls to the other
    region, or patrolling uniformly instead of by balls (the urn reverts to 1/2: the mean misses
    by 0.12, ~65 standard errors); adding 2 lambda instead of lambda (a Beta with half the
    parameters: the mean holds but E X^2 is off by 0.037, ~10 standard errors).
    """
    rate = TOP1_TOP2.rates[0]
    setting = Setting("equal", ("A", "B"), (rate, rate), WEAK)
    runs, days = 20_000, 400
    x = simulate(setting, corrected=False, runs=runs, days=days, seed=11, poisson=False,
                 decay=0.0, every=days)[-1]  # fmt: skip
    alpha, beta = WEAK[0] / rate, WEAK[1] / rate
    s = alpha + beta
    mu = alpha / s
    var = mu * (1 - mu) * days / ((s + 1) * (s + days))
    assert abs(x.mean() - mu) <= Z * math.sqrt(var / runs), (x.mean(), mu)
    second = var + mu**2
    assert abs((x**2).mean() - second) <= Z * math.sqrt((second - second**2) / runs), (
        (x**2).mean(),
        second,
    )


def test_corrected_urn_settles_at_the_true_proportion() -> None:
    """The correction keeps a discovery with probability (1 - p_visited) / max(p), so both
    regions grow by p_A p_B lambda / max(p) in expectation and the share x* = lambda_A /
    (lambda_A + lambda_B) is the fixed point. Near it the urn is a stochastic approximation with
    step 1/n and slope -1 (T_n ~ c n balls after n days, c the expected balls added per day at
    x*), so Var X_n ~ E[Y^2] / (c^2 n), where Y = (1 - x*) dA - x* dB is a day's push away from
    x*: dA = [patrol A][kept][Poisson(lambda_A)], and likewise dB.

    Checked: the mean of X_n within Z standard errors of x* (the prior's pull, at most
    |x0 - x*| T0 / (c n) ~ 4e-5, is added), and the variance of runs within Z standard errors
    of that formula (a sample variance's relative standard error is sqrt(2 / (runs - 1))).
    Wrong rules this catches, measured with mutated copies of the rule: no correction, or
    keeping with probability p_visited instead of 1 - p_visited (the mean is 0.86, ~1,100
    standard errors off); keeping with 1 - p_visited unscaled by max(p) (the same fixed point
    but a slower step: the variance is 1.8x the formula's, ~19 standard errors).
    """
    setting = Setting("weak", ("Top1", "Top2"), TOP1_TOP2.rates, WEAK)
    runs, days = 1000, 5000
    x = simulate(setting, corrected=True, runs=runs, days=days, seed=3, decay=0.0,
                 every=days)[-1]  # fmt: skip
    la, lb = setting.rates
    fair = setting.fair_share
    top = max(fair, 1 - fair)
    keep_a, keep_b = (1 - fair) / top, fair / top
    c = fair * keep_a * la + (1 - fair) * keep_b * lb
    y2 = (1 - fair) ** 2 * fair * keep_a * (la + la**2) + fair**2 * (1 - fair) * keep_b * (
        lb + lb**2
    )
    var = y2 / (c * c * days)
    prior_pull = abs(setting.prior_share - fair) * sum(WEAK) / (c * days)
    assert abs(x.mean() - fair) <= Z * math.sqrt(var / runs) + prior_pull, (x.mean(), fair)
    assert abs(x.var(ddof=1) / var - 1) <= Z * math.sqrt(2 / (runs - 1)), x.var(ddof=1) / var


def test_uncorrected_urn_runs_away_from_the_true_proportion() -> None:
    """With lambda_A > lambda_B the uncorrected share is a submartingale: a day's expected
    change is x (1 - x)(lambda_A - lambda_B) / T > 0 (the paper's drift), so from x* the mean
    share must rise, by more than Z standard errors of the runs after 1,000 days (it rises to
    0.80 from 0.567, ~38 standard errors). The corrected urn, which learns the true proportion,
    stays at x* from there (0.567, 0.6 standard errors off), so it would fail this test."""
    fair = TOP1_TOP2.fair_share
    setting = Setting("even", ("Top1", "Top2"), TOP1_TOP2.rates, (fair * 10, (1 - fair) * 10))
    runs, days = 1000, 1000
    x = simulate(setting, corrected=False, runs=runs, days=days, seed=5, decay=0.0,
                 every=days)[-1]  # fmt: skip
    assert x.mean() - fair > Z * x.std(ddof=1) / math.sqrt(runs), x.mean()


def test_reproduce_writes_the_page_and_the_curves(tmp_path: Path) -> None:
    out = tmp_path / "ensign"
    result = CliRunner().invoke(app, ["reproduce", "ensign2018", "--quick", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "reproduction.html").read_text(encoding="utf-8")
    assert "Plotly.newPlot" in page and "Top1 vs Random" in page
    table = pq.read_table(out / "ensign2018.parquet").to_pandas()
    assert set(table["setting"]) == {"top1-vs-top2", "top1-vs-random"}
    assert len(table) == 4 * 1001
    assert np.all((table["share_p05"] <= table["share_mean"] + 1e-12)
                  & (table["share_mean"] <= table["share_p95"] + 1e-12))  # fmt: skip
    assert "Top1 vs Top2, corrected" in result.output and "reproduction.html" in result.output


def test_reproduce_refuses_an_unknown_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["reproduce", "nope", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2
    assert "no reproduction named 'nope'; expected one of " in result.output
    assert all(name in result.output for name in REPRODUCTIONS)
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()
