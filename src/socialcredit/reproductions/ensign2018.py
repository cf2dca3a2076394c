"""Ensign, Friedler, Neville, Scheidegger & Venkatasubramanian 2018, *Runaway Feedback Loops in
Predictive Policing* (FAT* 2018, PMLR 81; arXiv:1706.09847): the Oakland Pólya-urn runs.

Two regions are an urn of balls. Each day one officer patrols a region drawn in proportion to its
balls; the incidents they discover there (Poisson with the region's true daily rate) go back into
that region's count, and every ball is forgotten with a small daily probability. Uncorrected, the
region with more balls gets patrolled more and so finds more: the loop runs away towards the
region with the higher rate (or the larger prior), never to the true proportion. The paper's
correction keeps a discovered incident only with probability proportional to 1 / (share sent
there), which for two regions is ``(1 - visited share) / max(share)``: the expected additions
are then ``p_A p_B lambda_A`` and ``p_A p_B lambda_B``, so the share settles at
``lambda_A / (lambda_A + lambda_B)``.

The setting is the code's ``make paper-examples`` (its Makefile's default target, whose plots
we take to be the paper's Oakland figures; not checked against the PDF [U]): ``src/Makefile``,
``src/polya.py`` and ``src/main.py`` of algofairness/runaway-feedback-loops-src at 4110c52
(2017-12-13), read for this module; the code here is our own. Each urn's runs are one NumPy
array; the only Python loop is over days.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from socialcredit.reproductions.files import write_curves
from socialcredit.reproductions.result import ReproductionResult, Row

PAPER = (
    "Ensign, Friedler, Neville, Scheidegger & Venkatasubramanian 2018, Runaway Feedback Loops "
    "in Predictive Policing (FAT* 2018, PMLR 81; arXiv:1706.09847)"
)
PAPER_SHORT = "Ensign et al. 2018"
# The plots of `make paper-examples` (output/paper-examples/*.png in the code repository). Which
# figure numbers they carry in the PMLR PDF was not checked against the PDF [U].
FIGURE = "Oakland urn plots (Top1 vs Top2, Top1 vs Random)"
CODE = "algofairness/runaway-feedback-loops-src@4110c52"

# The paper's horizon and ensemble: `--ndraws 1000 --nruns 1000` (src/Makefile, paper-examples).
DAYS = 1000
RUNS = 1000
QUICK_RUNS = 200  # assumption: enough for the curves' shape; --quick is for smoke tests
# `--exponential_decay 0.01` (src/Makefile, paper-examples): each ball is forgotten with this
# probability each day, and no region drops below one ball (src/polya.py add_exponential_decay).
DECAY = 0.01
PCT = (5.0, 95.0)  # our 90% interval: where the middle 90% of runs are
# Their mean line averages shares floored to 0.01 (src/main.py probplot: 101 bins, row
# 100 - int(u * 100), weighted by linspace(1, 0, 101)); we average the same way to compare.
BINS = 100

# One random stream per decision, so the corrected and uncorrected urns share their patrol,
# incident and forgetting draws wherever their rules agree (common random numbers).
PATROL, INCIDENTS, CORRECTION, FORGET = range(4)


@dataclass(frozen=True)
class Setting:
    """Two Oakland regions: their true daily rates (lambda) and their prior ball counts."""

    key: str
    regions: tuple[str, str]
    rates: tuple[float, float]
    prior: tuple[float, float]

    @property
    def fair_share(self) -> float:
        """lambda_A / (lambda_A + lambda_B): where the corrected urn settles (the paper's green
        line, src/main.py probplot)."""
        return self.rates[0] / (self.rates[0] + self.rates[1])

    @property
    def prior_share(self) -> float:
        return self.prior[0] / (self.prior[0] + self.prior[1])


# Rates: estimated daily drug use per region after Lum & Isaac 2016 (paper, Oakland section);
# the numbers are `--lambdaa 3.68511 --lambdab 2.816466 | 2.35592` and the priors (historical
# incidents, "strong") `--nr 609 --nb 379 | 7`, both from src/Makefile target paper-examples.
TOP1_TOP2 = Setting("top1-vs-top2", ("Top1", "Top2"), (3.68511, 2.816466), (609.0, 379.0))
TOP1_RANDOM = Setting("top1-vs-random", ("Top1", "Random"), (3.68511, 2.35592), (609.0, 7.0))
SETTINGS = (TOP1_TOP2, TOP1_RANDOM)

# Theirs: the mean share of police sent to Top1 (the yellow line of each paper-examples plot),
# read from output/paper-examples/oakland-top-{2,vs-random}-1000-days-strong-prior-poisson-
# binomial-decay[-with-surprise].png at 4110c52 by locating the line's pixels (the axes run over
# px 107-477 and 58-427, so one pixel is 0.0027 of a share; the line is ~2 px wide). Their mean is
# of shares floored to 0.01 (src/main.py probplot bins int(u * 100)), so it reads about 0.005
# below the plain mean we compute.
THEIR_DAYS = (5, 50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 950, 995)
THEIRS: dict[tuple[str, bool], tuple[float, ...]] = {
    ("top1-vs-top2", False): (0.611, 0.623, 0.640, 0.679, 0.725, 0.767, 0.806, 0.841, 0.869,
                              0.893, 0.915, 0.923, 0.928),
    ("top1-vs-top2", True): (0.608, 0.603, 0.595, 0.580, 0.569, 0.566, 0.565, 0.562, 0.561,
                             0.562, 0.561, 0.560, 0.561),
    ("top1-vs-random", False): (0.981, 0.985, 0.985, 0.985, 0.986, 0.986, 0.988, 0.986, 0.986,
                                0.986, 0.986, 0.986, 0.986),
    ("top1-vs-random", True): (0.980, 0.980, 0.974, 0.919, 0.755, 0.640, 0.614, 0.610, 0.608,
                               0.604, 0.607, 0.606, 0.607),
}  # fmt: skip


def streams(seed: int) -> list[np.random.Generator]:
    return [np.random.default_rng([seed, s]) for s in (PATROL, INCIDENTS, CORRECTION, FORGET)]


def simulate(
    setting: Setting,
    *,
    corrected: bool,
    runs: int,
    days: int,
    seed: int,
    poisson: bool = True,
    decay: float = DECAY,
    every: int = 1,
) -> np.ndarray:
    """The share of balls (= of patrols) in the first region on days 0 (the prior), ``every``,
    2 ``every``, ... up to ``days``: an array (days // every + 1, runs).

    ``poisson=False, decay=0`` is the plain generalized Pólya urn of the paper's analysis
    (deterministic additions of lambda), which the tests compare with its closed forms.
    """
    patrol, incidents, correction, forget = streams(seed)
    a = np.full(runs, setting.prior[0])
    b = np.full(runs, setting.prior[1])
    rate_a, rate_b = setting.rates
    shares = np.empty((days // every + 1, runs))
    share = shares[0] = a / (a + b)
    for day in range(1, days + 1):
        to_a = patrol.random(runs) < share
        rate = np.where(to_a, rate_a, rate_b)
        found = incidents.poisson(rate).astype(float) if poisson else rate
        if corrected:
            # Keep a discovery with probability (1 - share sent there) / max(share), as
            # src/polya.py add_linear_surprise: inverse to the allocation, scaled to be <= 1.
            visited = np.where(to_a, share, 1.0 - share)
            keep = (1.0 - visited) / np.maximum(share, 1.0 - share)
            found = np.where(correction.random(runs) < keep, found, 0.0)
        a += np.where(to_a, found, 0.0)
        b += np.where(to_a, 0.0, found)
        if decay > 0:
            # Forget whole balls (numpy's binomial counts whole trials), keeping one per region.
            a = np.maximum(a - forget.binomial(a.astype(np.int64), decay), 1.0)
            b = np.maximum(b - forget.binomial(b.astype(np.int64), decay), 1.0)
        share = a / (a + b)
        if day % every == 0:
            shares[day // every] = share
    return shares


@dataclass(frozen=True)
class Curve:
    """Our runs of one urn, summarised per day: the mean share, the mean as their plot takes it
    (shares floored to 0.01), and the 90% interval of runs."""

    setting: Setting
    corrected: bool
    runs: int
    mean: np.ndarray
    plotted: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @property
    def label(self) -> str:
        return "corrected" if self.corrected else "uncorrected"


def curve(setting: Setting, corrected: bool, runs: int, days: int, seed: int) -> Curve:
    shares = simulate(setting, corrected=corrected, runs=runs, days=days, seed=seed)
    low, high = np.percentile(shares, PCT, axis=1)
    plotted = (np.floor(shares * BINS) / BINS).mean(axis=1)
    return Curve(setting, corrected, runs, shares.mean(axis=1), plotted, low, high)


def rows(curves: list[Curve]) -> list[Row]:
    """The README's rows: the mean share sent to Top1 on the last day read off their plots,
    averaged as their plot does, theirs beside ours; the interval is of our runs that day."""
    day = THEIR_DAYS[-1]
    out = []
    for c in curves:
        s = c.setting
        out.append(Row(
            paper=PAPER_SHORT, figure=FIGURE,
            quantity=f"{s.regions[0]} vs {s.regions[1]}, {c.label}: mean share of patrols sent "
                     f"to {s.regions[0]} on day {day}",
            theirs=THEIRS[(s.key, c.corrected)][-1],
            theirs_source=f"the mean line of their plot at day {day}, read from its pixels "
                          f"({CODE}, output/paper-examples)",
            ours=float(c.plotted[day]), low=float(c.low[day]), high=float(c.high[day]),
        ))  # fmt: skip
    return out


def curves_table(curves: list[Curve]) -> pa.Table:
    """Our curves, one row per (setting, correction, day)."""
    days = np.arange(len(curves[0].mean))
    table = pa.table({
        "setting": [c.setting.key for c in curves for _ in days],
        "correction": [c.corrected for c in curves for _ in days],
        "day": np.concatenate([days for _ in curves]),
        "runs": np.concatenate([np.full(len(days), c.runs) for c in curves]),
        "share_mean": np.concatenate([c.mean for c in curves]),
        "share_mean_floored": np.concatenate([c.plotted for c in curves]),
        "share_p05": np.concatenate([c.low for c in curves]),
        "share_p95": np.concatenate([c.high for c in curves]),
    })  # fmt: skip
    return table


@dataclass(frozen=True)
class Ensign2018:
    name: str = "ensign2018"
    paper: str = PAPER
    figure: str = FIGURE

    def run(self, out: Path, seed: int, quick: bool) -> ReproductionResult:
        from socialcredit.reproductions.ensign2018_page import write_page

        runs = QUICK_RUNS if quick else RUNS
        curves = [curve(s, fix, runs, DAYS, seed) for s in SETTINGS for fix in (False, True)]
        data = write_curves(out / "ensign2018.parquet", curves_table(curves))
        result_rows = rows(curves)
        page = write_page(out / "reproduction.html", curves, result_rows, seed=seed)
        return ReproductionResult(self.name, result_rows, page, data)
