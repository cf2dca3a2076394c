"""A trial's score: each target's simulated value, averaged over the trial's K seeds, and the loss.

The loss is the weighted mean squared relative error of the mean over seeds against each fitted
target (fit.py: 0 inside a published range, measured from the nearer bound outside it).
Averaging over seeds before taking the error fits the model's expected value, not one draw of
it; and as every trial runs the same K seeds (common random numbers), two trials differ only
where their parameters do, so the loss is a smooth function of them rather than a noisy one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from socialcredit.fit import FitRow, fit_rows, relative_error
from socialcredit.metrics.intervals import mean_band
from socialcredit.plan import Plan
from socialcredit.scenario.targets import TargetsFile


def member_table_rows(plan: Plan, targets: TargetsFile, folder: Path) -> list[FitRow]:
    """fit.fit_rows of one finished member (its metrics.parquet, only the columns needed)."""
    columns = sorted({t.column for t in [*targets.targets, *targets.holdout]})
    table = pq.read_table(folder / "metrics.parquet", columns=["day", *columns])
    return fit_rows(plan, table, targets)


@dataclass(frozen=True)
class Scored:
    rows: list[FitRow]  # seed 0's rows: what each target is (targets first, then holdout)
    national: np.ndarray  # [seed, target]: the simulated value scaled to the published population
    mean: np.ndarray  # [target]
    low: np.ndarray  # [target]: the 90% interval of the mean over seeds (nan with one seed)
    high: np.ndarray
    errors: np.ndarray  # [target]: relative error of the mean (0 inside a published range)
    loss: float  # over the fitted targets only; holdout targets are never fitted


def score(plan: Plan, targets: TargetsFile, folders: list[Path]) -> Scored:
    """The score of one trial from its members' folders, in seed order."""
    per_seed = [member_table_rows(plan, targets, f) for f in folders]
    rows = per_seed[0]
    national = np.array([[r.national for r in seed] for seed in per_seed], dtype=float)
    mean = national.mean(axis=0)
    if len(folders) > 1:
        low, high = mean_band(national)
    else:
        low = high = np.full_like(mean, np.nan)
    errors = np.array(
        [relative_error(float(m), r.low, r.high) for m, r in zip(mean, rows, strict=True)]
    )
    weights = np.array([0.0 if r.holdout else r.weight for r in rows])
    loss = float(np.sum(weights * errors**2) / np.sum(weights))
    return Scored(rows, national, mean, low, high, errors, loss)
