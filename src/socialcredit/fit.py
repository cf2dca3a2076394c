"""How well a run matches its targets: the simulated value of each published figure.

Given a finished run's metrics and a targets file (scenario/targets.py), each target's
simulated value is the metric's column summed over regions and groups and over the days from
the run's start to the target's date (counts are cumulative since the start), then scaled to the
published population: simulated / (people / population x natural_person_share where
people_share). Its relative error is (simulated - published) / published, and 0 inside a
published range (outside it, measured from the nearer bound). `socialcredit calibrate` fits the
``targets``; ``holdout`` targets are reported, never fitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa

from socialcredit.plan import Plan
from socialcredit.scenario.targets import Target, TargetsFile


@dataclass(frozen=True)
class FitRow:
    metric: str
    name: str  # the list or consequence
    date: date
    low: float  # the published value, or a range's bounds
    high: float
    simulated: float  # in the run, cumulative to the date
    national: float  # the simulated value scaled to the published population
    error: float  # relative error of ``national`` (0 inside a range)
    weight: float
    holdout: bool
    source: str


def daily_totals(table: pa.Table, column: str, days: int) -> np.ndarray:
    """A metric column summed over the cells of each day (exact integers)."""
    day = table.column("day").to_numpy()
    values = table.column(column).to_numpy().astype(np.int64)
    out = np.zeros(days, np.int64)
    np.add.at(out, day, values)
    return out


def scale(targets: TargetsFile, target: Target, people: int) -> float:
    """Simulated people per published person for this target."""
    share = targets.natural_person_share if target.people_share else 1.0
    return people / targets.population * share


def relative_error(national: float, low: float, high: float) -> float:
    if low <= national <= high:
        return 0.0
    bound = low if national < low else high
    return (national - bound) / bound


def fit_rows(plan: Plan, table: pa.Table, targets: TargetsFile) -> list[FitRow]:
    """Every target and holdout target of ``targets`` against a run's metrics ``table``."""
    if plan.start is None:
        raise ValueError("targets are dated; the run has no start date")
    days = plan.days
    cumulative: dict[str, np.ndarray] = {}
    rows = []
    for holdout, items in ((False, targets.targets), (True, targets.holdout)):
        for t in items:
            if t.column not in cumulative:
                cumulative[t.column] = np.cumsum(daily_totals(table, t.column, days))
            day = (t.date - plan.start).days
            simulated = float(cumulative[t.column][day])
            national = simulated / scale(targets, t, plan.people)
            low, high = t.range if t.range is not None else (t.value, t.value)
            assert low is not None and high is not None
            rows.append(
                FitRow(
                    metric=t.metric,
                    name=t.list or t.consequence or "",
                    date=t.date,
                    low=low,
                    high=high,
                    simulated=simulated,
                    national=national,
                    error=relative_error(national, low, high),
                    weight=t.weight,
                    holdout=holdout,
                    source=t.source,
                )
            )
    return rows


def loss(rows: list[FitRow]) -> float:
    """Weighted mean squared relative error over the fitted (not holdout) targets."""
    fitted = [r for r in rows if not r.holdout]
    total = sum(r.weight for r in fitted)
    return sum(r.weight * r.error**2 for r in fitted) / total if total else 0.0


def fit_table(rows: list[FitRow]) -> str:
    """The fit as a plain-text table (README, terminal)."""
    lines = [
        f"{'metric':<13}{'of':<19}{'date':<12}{'published':>21}{'simulated':>13}{'error':>8}  ",
    ]
    for r in rows:
        published = f"{r.low:,.0f}" if r.low == r.high else f"{r.low:,.0f}-{r.high:,.0f}"
        lines.append(
            f"{r.metric:<13}{r.name[:18]:<19}{r.date.isoformat():<12}{published:>21}"
            f"{r.national:>13,.0f}{r.error:>+8.0%}  {'holdout' if r.holdout else ''}".rstrip()
        )
    return "\n".join(lines)
