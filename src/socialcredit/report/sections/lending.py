"""Loans and their delayed impact: the lending rounds of a run with ``lending:`` (Liu et al. 2018).

Read from lending.parquet and lending-curves.parquet (metrics/lending_table.py). A run without
lending has no such section (``build`` returns None). With replicates every value is the mean
over them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from socialcredit.errors import OutputError
from socialcredit.metrics.lending_table import CURVES_FILE, LENDING_FILE
from socialcredit.report import charts
from socialcredit.report.data import RunData
from socialcredit.report.fmt import words
from socialcredit.report.page import Chart, Page

TEMPLATE = "report/lending.html.j2"
POLICY_WORDS = {
    "max_profit": "maximum profit (each group's own most profitable threshold)",
    "single_threshold": "one threshold for every group (the most profitable)",
    "demographic_parity": "demographic parity (equal selection rates)",
    "equal_opportunity": "equal opportunity (equal true positive rates)",
}


@dataclass(frozen=True)
class GroupRow:
    name: str
    applicants: float  # over all rounds (mean over replicates)
    approved: float
    selection_rate: float | None
    default_rate: float | None
    score_change: float  # mean score change of the group, summed over rounds
    refused_repay_rate: float | None
    first_rate: float | None  # selection rate at the first round
    first_outcome: float | None  # the outcome curve's mean change at that rate
    harmed: bool  # the first round's operating point lies where the curve is below 0


@dataclass(frozen=True)
class Lending:
    policy: str
    rounds: int
    first_day: int
    last_day: int
    rows: list[GroupRow]
    rates_chart: Chart
    change_chart: Chart
    curve_chart: Chart
    replicates: int = 1

    @property
    def harmed(self) -> list[str]:
        return [r.name for r in self.rows if r.harmed]

    @property
    def unrated(self) -> list[str]:
        """Groups without an applicant at the first round (no operating point)."""
        return [r.name for r in self.rows if r.first_outcome is None]


def _read(folder: Path, name: str) -> pa.Table:
    path = folder / name
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise OutputError(
            f"{path}: could not be read ({exc}). Fix: re-run the scenario to recreate it."
        ) from None


def _mean_by(table: pa.Table, keys: tuple[str, ...], value: str) -> dict[tuple, float]:
    """The mean of ``value`` over rows with the same keys (replicates), NaN where undefined."""
    out: dict[tuple, list[float]] = defaultdict(list)
    columns = [table.column(k).to_pylist() for k in (*keys, value)]
    for row in zip(*columns, strict=True):
        v = row[-1]
        out[tuple(row[:-1])].append(math.nan if v is None else float(v))
    means: dict[tuple, float] = {}
    for key, each in out.items():
        defined = [v for v in each if not math.isnan(v)]
        means[key] = sum(defined) / len(defined) if defined else math.nan
    return means


def _number(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def build(data: RunData, page: Page) -> Lending | None:
    spec = data.scenario.get("lending")
    if not spec or not (data.folder / LENDING_FILE).is_file():
        return None
    table = _read(data.folder, LENDING_FILE)
    curves = _read(data.folder, CURVES_FILE)
    groups = data.groups
    days = sorted(set(table.column("day").to_pylist()))
    if not days:
        return None

    def per(value: str) -> dict[tuple, float]:
        return _mean_by(table, ("day", "group"), value)

    def series(value: str) -> dict[str, Sequence[float]]:
        means = per(value)
        return {g: [means.get((d, g), math.nan) for d in days] for g in groups}

    rates = series("selection_rate")
    changes = series("mean_score_change")
    sums = {k: per(k) for k in ("applicants", "approved", "defaulted", "refused_repay_rate")}
    curve = _mean_by(curves, ("day", "group", "selection_rate"), "mean_score_change")
    first = days[0]
    x = sorted({k[2] for k in curve if k[0] == first})
    rows = []
    for g in groups:
        applicants = sum(sums["applicants"].get((d, g), 0.0) for d in days)
        approved = sum(sums["approved"].get((d, g), 0.0) for d in days)
        defaulted = sum(sums["defaulted"].get((d, g), 0.0) for d in days)
        refused = [sums["refused_repay_rate"].get((d, g), math.nan) for d in days]
        refused = [v for v in refused if not math.isnan(v)]
        ys = np.array([curve.get((first, g, r), math.nan) for r in x])
        rate = rates[g][0]
        point = float(np.interp(rate, x, ys)) if x and not math.isnan(rate) else math.nan
        rows.append(
            GroupRow(
                name=g,
                applicants=applicants,
                approved=approved,
                selection_rate=approved / applicants if applicants else None,
                default_rate=defaulted / approved if approved else None,
                score_change=float(np.nansum(changes[g])),
                refused_repay_rate=sum(refused) / len(refused) if refused else None,
                first_rate=_number(rate),
                first_outcome=_number(point),
                harmed=not math.isnan(point) and point < 0,
            )
        )
    x_days: list[Any] = days
    pct: dict[str, Sequence[float]] = {g: [100 * v for v in rates[g]] for g in groups}
    rates_chart = page.chart(
        charts.lines("Selection rate of each group's applicants, by round", x_days, pct, "%",
                     x_title="day of the round", fmt=".1f")
    )  # fmt: skip
    change_chart = page.chart(
        charts.lines("Mean score change of each group from its loans, by round", x_days,
                     changes, "points per person", x_title="day of the round", fmt=".3f")
    )  # fmt: skip
    last = days[-1]
    lines: dict[str, Sequence[float]] = {
        f"{g}, day {first}": [curve.get((first, g, r), math.nan) for r in x] for g in groups
    }
    if last != first:  # the last round's, dashed: how the scores' movement moved the curves
        lines |= {
            f"{g}, day {last}": [curve.get((last, g, r), math.nan) for r in x] for g in groups
        }
    figure = charts.lines(
        f"Outcome curves at the first round (day {first}) and the last (day {last}, dashed): "
        "the group's expected mean score change if a share of it were lent to, best first",
        [100 * r for r in x],
        lines,
        "points per person",
        x_title="selection rate, % of the group",
        dashed=[k for k in lines if k.endswith(f"day {last}") and last != first],
        colours=[charts.PALETTE[i % len(charts.PALETTE)] for i in range(len(groups))] * 2,
    )
    for i, r in enumerate(rows):
        if r.first_rate is None or r.first_outcome is None:
            continue
        figure["data"].append(
            {
                "x": [100 * r.first_rate],
                "y": [r.first_outcome],
                "name": f"{words(r.name)}: the policy's rate",
                "mode": "markers",
                "marker": {
                    "color": charts.PALETTE[i % len(charts.PALETTE)],
                    "size": 11,
                    "symbol": "diamond",
                },
                "hovertemplate": "%{x:.1f}%: %{y:.3f}<extra>the policy</extra>",
            }  # fmt: skip
        )
    curve_chart = page.chart(figure)
    return Lending(
        policy=POLICY_WORDS.get(str(spec.get("policy", "max_profit")), str(spec.get("policy"))),
        rounds=len(days),
        first_day=first,
        last_day=days[-1],
        rows=rows,
        rates_chart=rates_chart,
        change_chart=change_chart,
        curve_chart=curve_chart,
        replicates=data.replicates,
    )
