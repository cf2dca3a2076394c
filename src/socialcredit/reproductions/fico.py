"""The FICO/TransRisk tables (``data/fico``, README there) as arrays, as Liu et al. 2018 read them.

Scores are put on the 300-850 scale the paper's score changes (+75, -150) are written in, with
the conversion of the paper's code (``fico.py::convert_percentiles``). Read on first use, never at
import.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

# Column names as the Fed's tables spell them.
COLUMNS = {
    "white": "Non- Hispanic white",
    "black": "Black",
    "hispanic": "Hispanic",
    "asian": "Asian",
}

# The national score distribution the paper's code uses to turn the 0-100 TransRisk scale (a
# percentile of the national population) into 300-850: percent of people in each 50-point band
# from 300 (source: lydiatliu/delayedimpact @94dde74, fico.py::convert_percentiles).
NATIONAL_BAND_PERCENT = (2.1, 4.2, 5.4, 6.5, 7.9, 9.6, 12.0, 13.8, 17.0, 15.8, 5.7)
LOWEST, HIGHEST = 300.0, 850.0


@dataclass(frozen=True)
class Fico:
    """One row per score on the tables' grid (ascending) and one column per group."""

    groups: tuple[str, ...]
    score: np.ndarray  # (S,) on the 300-850 scale
    pmf: np.ndarray  # (G, S) share of the group at each score; each row sums to 1
    repay: np.ndarray  # (G, S) P(repay | score, group)
    count: np.ndarray  # (G,) people in the Fed's SSA-matched sample

    def group(self, name: str) -> int:
        return self.groups.index(name)


def to_fico_scale(transrisk: np.ndarray) -> np.ndarray:
    """0-100 -> 300-850, linear within each band (what convert_percentiles does, vectorised)."""
    percent = np.concatenate([[0.0], np.cumsum(NATIONAL_BAND_PERCENT)])
    knots = np.linspace(LOWEST, HIGHEST, len(percent))
    return np.interp(transrisk, percent, knots)


def _rows(name: str) -> list[list[str]]:
    text = resources.files("socialcredit.reproductions").joinpath("data", "fico", name).read_text()
    return list(csv.reader(text.splitlines()))


def _table(name: str) -> tuple[list[str], np.ndarray]:
    header, *rows = _rows(name)
    return header, np.array([[float(x) for x in row] for row in rows])


@cache
def load(groups: tuple[str, ...] = ("black", "white")) -> Fico:
    head_cdf, cdf = _table("transrisk_cdf_by_race_ssa.csv")
    head_bad, bad = _table("transrisk_performance_by_race_ssa.csv")
    head_n, counts = _rows("totals.csv")  # one row, "SSA", then a count per group
    if not np.array_equal(cdf[:, 0], bad[:, 0]):
        raise ValueError("the FICO tables' score grids differ")  # a damaged install, not input
    cols = [COLUMNS[g] for g in groups]
    cum = np.stack([cdf[:, head_cdf.index(c)] for c in cols]) / 100.0
    # The first cell holds the mass at or below the lowest score (as in the paper's notebook,
    # get_pmf); the CDF ends at 100%, so each row sums to 1.
    pmf = np.diff(cum, axis=1, prepend=0.0)
    repay = 1.0 - np.stack([bad[:, head_bad.index(c)] for c in cols]) / 100.0
    count = np.array([float(counts[head_n.index(c)]) for c in cols])
    return Fico(groups, to_fico_scale(cdf[:, 0]), pmf, repay, count)
