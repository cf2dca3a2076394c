"""Chilling: lawful acts the regime disfavours, day by day, against their day-0 rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from socialcredit.metrics.intervals import mean_band
from socialcredit.report import charts
from socialcredit.report.data import RunData
from socialcredit.report.page import Chart, Page

TEMPLATE = "report/chilling.html.j2"
PER = 100_000
WINDOW = 7  # days in the moving average: rare acts are noisy day by day
# Poisson noise of a count n is about sqrt(n): 400 acts give a day-0 rate within ~5%.
FEW_ACTS = 400


def trailing_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last ``window`` days (fewer at the start), so day 0 stays day 0."""
    c = np.cumsum(np.insert(x, 0, 0.0))
    n = np.arange(1, len(x) + 1)
    lo = np.maximum(n - window, 0)
    return (c[n] - c[lo]) / (n - lo)


@dataclass(frozen=True)
class Chilling:
    acts: list[str]  # lawful acts the regime disfavours; empty: nothing to chill
    per: int = PER
    rate_day0: float | None = None  # acts per ``per`` people a day, together
    rate_last: float | None = None  # over the last days (up to 30)
    last_days: int = 30
    change: float | None = None  # None: no measurable change
    day0_acts: int = 0
    uncertainty: float | None = None  # +- % of the day-0 rate where day 0 saw few acts
    chart: Chart | None = None
    replicates: int = 1  # above 1: the chart shades each line's 90% interval of the mean


def build(data: RunData, page: Page) -> Chilling:
    names = [
        b["name"]
        for b in data.scenario["behaviours"]
        if b.get("stance") == "disfavoured" and b.get("legitimate")
    ]
    if not names:
        return Chilling(acts=[])
    people = np.maximum(data.per_day("people"), 1)
    panels = {}
    bands = {}
    for b in names:
        rate = PER * data.per_day(f"acts__{b}") / people
        panels[b] = (trailing_mean(rate, WINDOW), float(rate[0]))
        if data.replicates > 1:  # the 90% band of the mean over replicates, day by day
            each = PER * data.per_day_by_replicate(f"acts__{b}") / people
            smooth = np.array([trailing_mean(x, WINDOW) for x in each])
            bands[b] = mean_band(smooth)
    chill = data.summary["chilling"]
    day0 = int(sum(data.per_day(f"acts__{b}")[0] for b in names))
    measured = chill.get("rate_day0") is not None
    return Chilling(
        acts=names,
        rate_day0=PER * chill["rate_day0"] if measured else None,
        rate_last=PER * chill["rate_last_30_days"] if measured else None,
        last_days=min(30, data.days),
        change=chill.get("change"),
        day0_acts=day0,
        uncertainty=100 / day0**0.5 if 0 < day0 < FEW_ACTS else None,
        chart=page.chart(charts.chilling(data.timeline(), panels, bands=bands or None)),
        replicates=data.replicates,
    )
