"""Replicates to one summary: every headline number's mean and a 90% interval for that mean.

The interval is Student's t over replicates: mean +- t(0.95, R - 1) x sd / sqrt(R), with sd the
sample standard deviation (R - 1 in the denominator). Replicates differ only in their seed, so
they are independent draws of the same run; the interval says how far the mean of R of them can
be from the mean of infinitely many (it assumes a roughly normal mean, which the sums of many
person-days the summary holds are).

The summaries are read one at a time (Welford's running mean and variance), so an ensemble's
memory does not grow with its number of replicates. ``intervals`` in the result has the shape of
the summary itself, with ``[lo, hi]`` where the summary has a number:
``intervals["wrongful_share"]``, ``intervals["sanctions"]["flight-ban"]["disparate_impact"]["b"]``,
and for the list of wrongful causes a list in the same order. A number that is undefined in some
replicates (a share of nothing) is averaged over the replicates where it is defined; with fewer
than two of them its interval is null.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from socialcredit.metrics.summary import outside_parity

LEVEL = 0.90  # two-sided: t(0.95, R - 1)
# Numbers that describe the run rather than measure it: the same in every replicate, no interval
# Kept as replicate 0 has them: the run's size, and the drift check, a verdict on one run's
# series (metrics/drift.py) that a mean of its parts would not be.
FIXED = frozenset({"people", "days", "warmup_days", "seed", "person_days", "magnitude", "drift"})
CAUSE_KEY = ("source", "error_kind")


def t_quantile(replicates: int) -> float:
    """t(0.95, R - 1): the two-sided 90% quantile of Student's t with R - 1 degrees of freedom."""
    from scipy.stats import t  # scipy is imported only when replicates are combined

    return float(t.ppf(0.5 + LEVEL / 2, replicates - 1))


def mean_band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 90% interval of the mean over replicates of each column of ``values``
    [replicate, ...] (a time series' band), as ``Running.interval`` gives it for one number."""
    r = values.shape[0]
    mean = values.mean(axis=0)
    half = t_quantile(r) * values.std(axis=0, ddof=1) / math.sqrt(r)
    return mean - half, mean + half


class Running:
    """Welford's running mean and sum of squared deviations of one number over replicates."""

    __slots__ = ("n", "mean", "m2")

    def __init__(self, zeros: int = 0) -> None:
        self.n, self.mean, self.m2 = zeros, 0.0, 0.0  # ``zeros`` replicates that had 0

    def add(self, x: float) -> None:
        self.n += 1
        delta = x - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (x - self.mean)

    def interval(self) -> list[float] | None:
        if self.n < 2:
            return None
        half = t_quantile(self.n) * math.sqrt(self.m2 / (self.n - 1)) / math.sqrt(self.n)
        return [self.mean - half, self.mean + half]


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


class ReplicateSummary:
    """Summaries of replicates added in replicate order; ``result()`` is the combined summary."""

    def __init__(self) -> None:
        self.first: dict[str, Any] | None = None
        self.count = 0
        self.numbers: dict[tuple[Any, ...], Running] = {}
        self.causes: dict[tuple[Any, ...], dict[str, Running]] = {}

    def add(self, summary: dict[str, Any]) -> None:
        if self.first is None:
            self.first = summary
        self._walk(summary, ())
        seen = set()
        for cause in summary["wrongful_causes"]:
            key = tuple(cause[k] for k in CAUSE_KEY)
            seen.add(key)
            runs = self.causes.setdefault(
                key, {"person_days": Running(self.count), "share": Running(self.count)}
            )
            for name, run in runs.items():
                if cause[name] is not None:
                    run.add(float(cause[name]))
        for key, runs in self.causes.items():
            if key not in seen:  # a cause absent from this replicate had 0 person-days there
                for run in runs.values():
                    run.add(0.0)
        self.count += 1

    def _walk(self, node: Any, path: tuple[Any, ...]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key not in FIXED and key != "wrongful_causes":
                    self._walk(value, (*path, key))
        elif _is_number(node) or node is None:
            run = self.numbers.setdefault(path, Running())
            if node is not None:
                run.add(float(node))

    def _mean_and_intervals(self, node: Any, path: tuple[Any, ...]) -> tuple[Any, Any]:
        if isinstance(node, dict):
            means, intervals = {}, {}
            for key, value in node.items():
                measured = isinstance(value, dict) or (*path, key) in self.numbers
                if key in FIXED or key == "wrongful_causes" or not measured:
                    means[key] = value
                    continue
                means[key], inner = self._mean_and_intervals(value, (*path, key))
                if inner is not None and inner != {}:
                    intervals[key] = inner
            return means, intervals
        run = self.numbers[path]
        return (run.mean if run.n else None), run.interval()

    def result(self) -> dict[str, Any]:
        """The first replicate's summary with every number replaced by its mean, plus
        ``replicates``, ``interval_level`` and ``intervals``; disparate impacts flagged only
        where their whole interval lies outside the four-fifths band."""
        if self.first is None:
            raise ValueError("no replicate was added")
        means, intervals = self._mean_and_intervals(self.first, ())
        ranked = sorted(self.causes.items(), key=lambda item: -item[1]["person_days"].mean)
        means["wrongful_causes"] = [
            dict(zip(CAUSE_KEY, key, strict=True))
            | {name: (run.mean if run.n else None) for name, run in runs.items()}
            for key, runs in ranked
        ]
        intervals["wrongful_causes"] = [
            {name: run.interval() for name, run in runs.items()} for _, runs in ranked
        ]
        for name, sanction in means["sanctions"].items():
            bounds = intervals.get("sanctions", {}).get(name, {}).get("disparate_impact", {})
            sanction["disparate_impact_flagged"] = [
                g for g, b in bounds.items() if b is not None and outside_parity(b[0], b[1])
            ]
            sanction["disparate_impact_indistinct"] = [
                g
                for g, r in sanction["disparate_impact"].items()
                if r is not None
                and outside_parity(r, r)
                and g not in sanction["disparate_impact_flagged"]
            ]
        return means | {
            "replicates": self.count,
            "interval_level": LEVEL,
            "intervals": intervals,
        }


def combine(summaries: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The combined summary of replicates given in replicate order."""
    combined = ReplicateSummary()
    for summary in summaries:
        combined.add(summary)
    return combined.result()


def standard_error(bounds: list[float], replicates: int) -> float:
    """A mean's standard error, recovered from its 90% interval over ``replicates``: the interval
    is mean +- t(0.95, R - 1) x se, so se = half-width / t(0.95, R - 1)."""
    return (bounds[1] - bounds[0]) / 2 / t_quantile(replicates)


def difference_interval(
    a: float, a_bounds: list[float], a_replicates: int,
    b: float, b_bounds: list[float], b_replicates: int,
) -> list[float]:  # fmt: skip
    """The 90% interval of ``a - b``, two means over independent replicates (Welch's t).

    Each mean's standard error comes from its own interval (``standard_error``); the difference
    has se = sqrt(se_a^2 + se_b^2) and Welch-Satterthwaite degrees of freedom
    (se_a^2 + se_b^2)^2 / (se_a^4 / (R_a - 1) + se_b^4 / (R_b - 1)). Where neither mean varied
    over its replicates the difference is known exactly: [a - b, a - b]. Two regimes run with
    the same seeds share their random numbers, which makes their replicates positively
    correlated; Welch ignores that, so the interval is if anything too wide, never too narrow.
    """
    from scipy.stats import t  # as in t_quantile: only where intervals are compared

    va = standard_error(a_bounds, a_replicates) ** 2
    vb = standard_error(b_bounds, b_replicates) ** 2
    d = a - b
    if va + vb == 0:
        return [d, d]
    df = (va + vb) ** 2 / (va**2 / (a_replicates - 1) + vb**2 / (b_replicates - 1))
    half = float(t.ppf(0.5 + LEVEL / 2, df)) * math.sqrt(va + vb)
    return [d - half, d + half]
