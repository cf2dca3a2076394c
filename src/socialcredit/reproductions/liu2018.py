"""Liu, Dean, Rolf, Simchowitz & Hardt, *Delayed Impact of Fair Machine Learning* (ICML 2018):
the FICO outcome curves and the lending thresholds of its §6, Black and White groups.

Theirs: what the paper's own notebook drew (github.com/lydiatliu/delayedimpact @94dde74,
``notebooks/FICO-figures.ipynb``), the figures of the paper: the outcome curves (cell 19, read off
pixel by pixel into ``data/liu2018``) and the thresholds for the Black group (cell 15, the
vertical lines' pixel columns). Ours: the model of ``delayed_impact.py`` on the same tables, and a
sampled check of each policy's Δμ on synthetic applicants.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from socialcredit.reproductions import fico
from socialcredit.reproductions.delayed_impact import Applicants, Model, Policy, Sampled, Utility
from socialcredit.reproductions.files import write_curves
from socialcredit.reproductions.result import ReproductionResult, Row

NAME = "liu2018"
PAPER_SHORT = "Liu et al. 2018"
PAPER = "Liu, Dean, Rolf, Simchowitz & Hardt, Delayed Impact of Fair Machine Learning, ICML 2018"
FIGURE = "§6, FICO outcome curves and lending thresholds"
CURVES = "outcome curves (notebook cell 19)"
THRESHOLDS = "thresholds (notebook cell 15)"
CODE = "lydiatliu/delayedimpact @94dde74, notebooks/FICO-figures.ipynb"
CURVES_READ = f"their outcome-curve figure ({CODE}, cell 19), read pixel column by pixel column"
THRESHOLDS_READ = f"their threshold figure ({CODE}, cell 15): the vertical line's pixel column"

# The lender's utility ratios of the paper (§6; notebook cell 10: u+ = 1, u- = -4 and -10).
UTILITIES = {-4: Utility(1.0, -4.0), -10: Utility(1.0, -10.0)}

# Black group's thresholds on the 300-850 scale as the notebook's cell 15 draws them: the pixel
# column of each vertical line, with the panel's x axis (300-850 over pixel columns 52-458 and
# 539-945) read from its bottom spine. One pixel is 1.35 points.
THEIR_THRESHOLDS = {
    (-4, "MaxUtil"): 644.8,
    (-4, "DemParity"): 479.5,
    (-4, "EqOpp"): 556.7,
    (-10, "MaxUtil"): 715.2,
    (-10, "DemParity"): 562.1,
    (-10, "EqOpp"): 601.4,
}
THEIR_HARM_THRESHOLD = 497.1  # the yellow "thresh-active-harm A" line, the same in both panels

# Applicants per group in the sampled check: the 90% interval of a Δμ is about ±0.1 points at a
# million, ±0.6 at --quick's 20,000 (the score change's standard deviation is below 60 points).
APPLICANTS = 1_000_000
APPLICANTS_QUICK = 20_000


@dataclass(frozen=True)
class Outcome:
    """One policy under one utility ratio: analytic per group, and sampled."""

    ratio: int
    policy: Policy
    threshold: np.ndarray
    tpr: np.ndarray
    delta_mu: np.ndarray
    sampled: Sampled


@dataclass(frozen=True)
class Liu2018:
    name: str = NAME
    paper: str = PAPER
    figure: str = FIGURE

    def run(self, out: Path, seed: int, quick: bool) -> ReproductionResult:
        model = Model(fico.load(("black", "white")))
        applicants = Applicants(model, APPLICANTS_QUICK if quick else APPLICANTS, seed)
        outcomes = [
            o for ratio, u in UTILITIES.items() for o in _outcome(model, applicants, ratio, u)
        ]
        theirs = _their_curves()
        rows = _rows(model, outcomes, theirs)
        page = out / "reproduction.html"
        data = write_curves(out / f"{NAME}.parquet", _table(model, outcomes, theirs))
        from socialcredit.reproductions.liu2018_page import write_page

        write_page(page, model, outcomes, theirs, rows, seed=seed, n=applicants.n)
        return ReproductionResult(self.name, rows, page, data)


def _outcome(model: Model, applicants: Applicants, ratio: int, u: Utility) -> list[Outcome]:
    policies = [model.max_util(u), model.demographic_parity(u), model.equal_opportunity(u),
                model.single_threshold(u)]  # fmt: skip
    return [
        Outcome(ratio, p, model.threshold(p.rate), model.true_positive_rate(p.rate),
                model.delta_mu(p.rate), applicants.apply(p.rate))
        for p in policies
    ]  # fmt: skip


def _their_curves() -> dict[str, np.ndarray]:
    """Group -> (2, K) selection rate and Δμ as read off their figure (``data/liu2018``)."""
    text = resources.files("socialcredit.reproductions").joinpath(
        "data", "liu2018", "outcome_curves_digitized.csv"
    )
    rows = list(csv.DictReader(text.read_text().splitlines()))
    return {
        g: np.array([[float(r["selection_rate"]), float(r["delta_mu"])] for r in rows
                     if r["group"] == g]).T
        for g in ("black", "white")
    }  # fmt: skip


def _crossing(rate: np.ndarray, delta: np.ndarray) -> float:
    """The rate where a curve falls through zero after its peak (linear between points)."""
    peak = int(np.argmax(delta))
    k = peak + int(np.flatnonzero(delta[peak:] < 0)[0])
    return float(rate[k - 1] + (rate[k] - rate[k - 1]) * delta[k - 1] / (delta[k - 1] - delta[k]))


def _rows(model: Model, outcomes: list[Outcome], theirs: dict[str, np.ndarray]) -> list[Row]:
    def curve(quantity: str, their: float, ours: float, digits: int = 1) -> Row:
        return Row(PAPER_SHORT, CURVES, quantity, their, CURVES_READ, ours, digits=digits)

    def line(quantity: str, their: float, ours: float) -> Row:
        return Row(PAPER_SHORT, THRESHOLDS, quantity, their, THRESHOLDS_READ, ours, digits=1)

    black, white = theirs["black"], theirs["white"]
    d = model.delta_knots
    rows = [
        curve("Black: largest Δμ", black[1].max(), d[0].max()),
        curve("Black: selection rate where Δμ turns negative", _crossing(black[0], black[1]),
              float(model.harm_rate()[0]), digits=3),
        curve("Black: Δμ when all are lent to", black[1][-1], d[0, -1]),
        curve("White: largest Δμ", white[1].max(), d[1].max()),
        curve("White: Δμ when all are lent to", white[1][-1], d[1, -1]),
    ]  # fmt: skip
    for o in outcomes:
        key = (o.ratio, o.policy.name)
        if key in THEIR_THRESHOLDS:
            quantity = f"Black threshold, {o.policy.name}, u-/u+ = {o.ratio}"
            rows.append(line(quantity, THEIR_THRESHOLDS[key], float(o.threshold[0])))
    harm = model.threshold(np.array([model.harm_rate()[0], 0.0]))[0]
    rows.append(line("Black active-harm threshold", THEIR_HARM_THRESHOLD, harm))
    for o in outcomes:
        key = (o.ratio, o.policy.name)
        if key in THEIR_THRESHOLDS:
            # The paper draws no Δμ per policy: its figure puts each threshold on one side of
            # the active-harm threshold, which gives the sign.
            sign = "< 0" if THEIR_THRESHOLDS[key] < THEIR_HARM_THRESHOLD else "> 0"
            rows.append(Row(
                PAPER_SHORT, THRESHOLDS, f"Black Δμ, {o.policy.name}, u-/u+ = {o.ratio}",
                float("nan"), THRESHOLDS_READ + "; the sign its threshold's side of active harm "
                "implies", float(o.sampled.mean[0]), float(o.sampled.low[0]),
                float(o.sampled.high[0]), digits=2, theirs_text=f"{sign} (implied)",
            ))  # fmt: skip
    return rows


# -- files ---------------------------------------------------------------------------------------


def _table(model: Model, outcomes: list[Outcome], theirs: dict[str, np.ndarray]) -> pa.Table:
    """One long table: our curves, theirs as read, and one row per policy and group."""

    cols: dict[str, list[Any]] = {k: [] for k in (
        "kind", "group", "utility_ratio", "policy", "selection_rate", "delta_mu", "threshold",
        "true_positive_rate", "delta_mu_sampled", "low", "high", "applicants")}  # fmt: skip

    def add(**values: Any) -> None:
        for k, v in cols.items():
            v.append(values.get(k))

    for g, group in enumerate(("black", "white")):
        for r, d in zip(model.rate_knots[g], model.delta_knots[g], strict=True):
            add(kind="curve", group=group, selection_rate=float(r), delta_mu=float(d))
        for r, d in theirs[group].T:
            add(kind="curve_theirs", group=group, selection_rate=float(r), delta_mu=float(d))
        for o in outcomes:
            add(kind="policy", group=group, utility_ratio=o.ratio, policy=o.policy.name,
                selection_rate=float(o.policy.rate[g]), delta_mu=float(o.delta_mu[g]),
                threshold=float(o.threshold[g]), true_positive_rate=float(o.tpr[g]),
                delta_mu_sampled=float(o.sampled.mean[g]), low=float(o.sampled.low[g]),
                high=float(o.sampled.high[g]), applicants=o.sampled.n)  # fmt: skip
    return pa.table(cols)
