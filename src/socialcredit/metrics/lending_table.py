"""The lending rounds in the run folder (engine/lending.py): two long tables.

``lending.parquet``, one row per round and group:

    day               reported day of the round (its morning, before the day's acts)
    group             a group of the scenario
    people            people in the group
    applicants        of them who applied
    approved          applicants lent to
    selection_rate    approved / applicants (NaN without applicants)
    threshold         the lowest score lent to (null where nobody was)
    cut_lottery       the lottery draw of the last applicant lent to (ties at the threshold;
                      replays of traced people read it: engine/replay.py)
    repaid, defaulted borrowers who repaid, who defaulted
    default_rate      defaulted / approved (NaN without borrowers)
    score_change      sum of the points borrowers' scores moved (within the score's bounds)
    mean_score_change score_change / people: Liu et al.'s Δμ, over the whole group
    borrower_mean_change  score_change / approved
    refused_repay_rate    mean true P(repay) of the applicants refused (NaN: none refused)
    expected_tpr      the lender's expected true positive rate (equal_opportunity equalises it)

``lending-curves.parquet``, Liu et al.'s outcome curve of each group at each round: the expected
mean score change of the group (``mean_score_change``) had the lender lent, from the best score
down, to a share ``selection_rate`` of the whole group, from the scores of that morning.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

LENDING_FILE = "lending.parquet"
CURVES_FILE = "lending-curves.parquet"


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    num, den = np.asarray(num, np.float64), np.asarray(den, np.float64)
    return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def lending_table(rounds: list[Any], groups: tuple[str, ...], warmup: int,
                  score_max: int) -> pa.Table:  # fmt: skip
    """One row per round and group (``rounds``: engine/lending.LendingRound)."""
    cols: dict[str, list[Any]] = {k: [] for k in (
        "day", "group", "people", "applicants", "approved", "threshold", "cut_lottery",
        "repaid", "defaulted", "score_change", "refused_repay", "expected_tpr")}  # fmt: skip
    for r in rounds:
        for g, name in enumerate(groups):
            cols["day"].append(int(r.day) - warmup)
            cols["group"].append(name)
            for k in ("people", "applicants", "approved", "repaid", "defaulted", "score_change"):
                cols[k].append(int(getattr(r, k)[g]))
            thr = int(r.threshold[g])
            cols["threshold"].append(None if thr > score_max else thr)
            cols["cut_lottery"].append(float(r.cut_lottery[g]))
            cols["refused_repay"].append(float(r.refused_repay[g]))
            cols["expected_tpr"].append(float(r.expected_tpr[g]))
    a = {k: np.array(v) for k, v in cols.items() if k not in ("group", "threshold")}
    ints = {k: pa.array(a[k].astype(np.int64), pa.int64()) for k in (
        "people", "applicants", "approved", "repaid", "defaulted", "score_change")}  # fmt: skip
    refused = a["applicants"] - a["approved"] if len(a["day"]) else np.zeros(0)
    return pa.table(
        {
            "day": pa.array(a["day"].astype(np.int32), pa.int32()),
            "group": pa.array(cols["group"], pa.string()),
            **{k: ints[k] for k in ("people", "applicants", "approved")},
            "selection_rate": pa.array(_ratio(a["approved"], a["applicants"]), pa.float64()),
            "threshold": pa.array(cols["threshold"], pa.int32()),
            "cut_lottery": pa.array(a["cut_lottery"].astype(np.float64), pa.float64()),
            **{k: ints[k] for k in ("repaid", "defaulted")},
            "default_rate": pa.array(_ratio(a["defaulted"], a["approved"]), pa.float64()),
            "score_change": ints["score_change"],
            "mean_score_change": pa.array(_ratio(a["score_change"], a["people"]), pa.float64()),
            "borrower_mean_change": pa.array(
                _ratio(a["score_change"], a["approved"]), pa.float64()
            ),  # fmt: skip
            "refused_repay_rate": pa.array(_ratio(a["refused_repay"], refused), pa.float64()),
            "expected_tpr": pa.array(a["expected_tpr"].astype(np.float64), pa.float64()),
        }
    )


def curves_table(rounds: list[Any], groups: tuple[str, ...], warmup: int,
                 rates: np.ndarray) -> pa.Table:  # fmt: skip
    """Every round's outcome curves, one row per round, group and selection rate."""
    day: list[int] = []
    group: list[str] = []
    rate: list[float] = []
    change: list[float] = []
    for r in rounds:
        for g, name in enumerate(groups):
            day += [int(r.day) - warmup] * len(rates)
            group += [name] * len(rates)
            rate += [float(x) for x in rates]
            change += [float(x) for x in r.curve[g]]
    return pa.table(
        {
            "day": pa.array(day, pa.int32()),
            "group": pa.array(group, pa.string()),
            "selection_rate": pa.array(rate, pa.float64()),
            "mean_score_change": pa.array(change, pa.float64()),
        }
    )


def lending_summary(plan: Any, rounds: list[Any]) -> dict[str, dict[str, int]]:
    """summary.json's ``lending``: per group, the totals over every round."""
    keys = ("applicants", "approved", "repaid", "defaulted", "score_change")
    return {
        name: {k: int(sum(int(getattr(r, k)[g]) for r in rounds)) for k in keys}
        for g, name in enumerate(plan.groups)
    }
