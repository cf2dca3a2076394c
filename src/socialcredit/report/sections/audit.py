"""The learned scorer, audited twice: on the system's own records and against the truth.

Read from audit.parquet (metrics/audit_table.py), which a run with a learned scorer writes: for
every model, the measures Aequitas, Fairlearn and AIF360 compute, per group, on a held-out
sample, once with the labels the system trains on and once with what really happened. A run
without a learned scorer has no such section (``build`` returns None), nor has a folder written
before the audit existed. With replicates every value is the mean over them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from socialcredit.metrics.audit_table import ALL, AUDIT_FILE, BASES
from socialcredit.report import charts
from socialcredit.report.data import RunData, read_table
from socialcredit.report.page import Chart, Page

TEMPLATE = "report/audit.html.j2"
# Gaps closer than this read as the same on the page (they are written to two decimals).
SAME = 0.005
# A rate over fewer people than this moves by several points with a few of them (a rate of
# 0.5 over 100 people has a standard error of 0.05): the page says which groups have an FPR or
# FNR over so few (against the truth, those labelled 0 are few where most people offend).
FEW = 100

Pair = tuple[float | None, float | None]  # (records, truth); None: undefined


@dataclass(frozen=True)
class GroupRow:
    name: str
    people: float  # in the held-out sample (mean over replicates)
    selection_rate: float | None  # the same on both bases: the model's decisions
    mean_predicted: float | None
    observed: Pair  # share labelled 1
    fpr: Pair
    fnr: Pair
    ppv: Pair


@dataclass(frozen=True)
class Decision:
    """The latest model's audit for one decision (audit_table.DECISIONS)."""

    all: GroupRow  # the whole sample
    rows: list[GroupRow]  # per group
    equalised_odds: Pair
    predictive_parity: Pair
    selection_gap: float | None

    @property
    def few(self) -> list[str]:
        """Groups with an FPR or FNR, on either basis, over fewer than ``FEW`` people."""
        out = []
        for r in self.rows:
            rates = [r.observed[0], r.observed[1]]
            labelled = [r.people * x for x in rates if x is not None]
            labelled += [r.people * (1 - x) for x in rates if x is not None]
            if r.people < FEW or min(labelled, default=0) < FEW:
                out.append(r.name)
        return out

    @property
    def looks(self) -> str | None:
        """How fair the model looks on its records, against the truth (equalised odds):
        'fairer', 'less fair' or 'as fair'; None where a gap is undefined."""
        r, t = self.equalised_odds
        if r is None or t is None:
            return None
        if abs(r - t) < SAME:
            return "as fair"
        return "fairer" if r < t else "less fair"


@dataclass(frozen=True)
class Audit:
    models: int  # models audited; 0: the rest is empty
    day: int | None  # reported day the latest audited model began scoring
    predicted: Decision | None  # its positive decision (probability above 1/2)
    sanction: Decision | None  # the decision the system acts on
    gap_chart: Chart | None
    rates_chart: Chart | None
    replicates: int = 1
    few_people: int = FEW


def _number(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def _read(data: RunData) -> pa.Table | None:
    path = data.folder / AUDIT_FILE
    if not data.scenario["regime"].get("scorer") or not path.is_file():
        return None
    return read_table(path)


Key = tuple[int, str, str, str, str]  # day, decision, group, basis, metric


def _means(table: pa.Table) -> dict[Key, float]:
    """Each measure's value, the mean over replicates (NaN where undefined in every one). A few
    thousand rows: plain Python is quick enough."""
    values: dict[Key, list[float]] = defaultdict(list)
    names = ("day", "decision", "group", "basis", "metric", "value")
    for day, decision, group, basis, metric, value in zip(
        *(table.column(c).to_pylist() for c in names), strict=True
    ):
        values[(day, decision, group, basis, metric)].append(value)
    out = {}
    for key, each in values.items():
        defined = [v for v in each if not math.isnan(v)]
        out[key] = sum(defined) / len(defined) if defined else math.nan
    return out


def build(data: RunData, page: Page) -> Audit | None:
    table = _read(data)
    if table is None:
        return None
    value = _means(table)
    days = sorted({k[0] for k in value})
    if not days:
        return Audit(0, None, None, None, None, None, data.replicates)
    last = days[-1]

    def get(decision: str, group: str, basis: str, metric: str) -> float | None:
        return _number(value.get((last, decision, group, basis, metric), math.nan))

    def decided(decision: str) -> Decision:
        def pair(group: str, metric: str) -> Pair:
            return (get(decision, group, "records", metric), get(decision, group, "truth", metric))

        def row(name: str) -> GroupRow:
            return GroupRow(name, get(decision, name, "records", "people") or 0.0,
                            get(decision, name, "records", "selection_rate"),
                            get(decision, name, "records", "mean_predicted"),
                            pair(name, "observed_rate"), pair(name, "fpr"), pair(name, "fnr"),
                            pair(name, "ppv"))  # fmt: skip

        return Decision(
            all=row(ALL),
            rows=[row(g) for g in data.groups if (last, decision, g, "records", "people") in value],
            equalised_odds=pair(ALL, "equalised_odds_gap"),
            predictive_parity=pair(ALL, "predictive_parity_gap"),
            selection_gap=get(decision, ALL, "records", "selection_rate_gap"),
        )

    predicted = decided("predicted")
    x, x_title = _model_axis(data, days)
    over_time: dict[str, Sequence[float]] = {
        f"{label}, {basis}": [
            value.get((d, decision, ALL, basis, "equalised_odds_gap"), math.nan) for d in days
        ]
        for decision, label in (("predicted", "predicted"), ("sanction", "sanction"))
        for basis in BASES
    }
    gap_chart = page.chart(
        charts.lines("Equalised-odds gap of each model on its held-out sample", x, over_time,
                     "largest difference between groups", x_title=x_title,
                     dashed=[k for k in over_time if k.startswith("sanction")],
                     colours=[charts.PALETTE[0], charts.WRONGFUL] * 2)
    )  # fmt: skip
    rates: dict[str, Sequence[float]] = {
        f"{label}, {basis}": [
            np.nan if v is None else 100 * v
            for v in (get("predicted", r.name, basis, metric) for r in predicted.rows)
        ]
        for label, metric in (("false positive rate", "fpr"), ("false negative rate", "fnr"))
        for basis in BASES
    }
    rates_chart = page.chart(
        charts.grouped_bars("Error rates by group, latest model (predicted: probability above 1/2)",
                            [r.name for r in predicted.rows], rates, "%",
                            colours=["#9ecae1", charts.PALETTE[0], "#f4a6b0", charts.WRONGFUL])
    )  # fmt: skip
    return Audit(
        models=len(days),
        day=last,
        predicted=predicted,
        sanction=decided("sanction"),
        gap_chart=gap_chart,
        rates_chart=rates_chart,
        replicates=data.replicates,
    )


def _model_axis(data: RunData, days: list[int]) -> tuple[list[int] | list[str], str]:
    """The x values of model days: calendar dates where the run has a start date."""
    if "start" not in data.summary:
        return days, "day the model began scoring"
    first = np.datetime64(data.summary["start"], "D")
    dates = np.datetime_as_string(first + np.array(days, dtype=np.int64), unit="D")
    return dates.tolist(), "date the model began scoring"
