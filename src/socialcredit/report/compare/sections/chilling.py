"""Chilling of lawful acts, one panel per run: each regime disfavours its own acts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from socialcredit.report import charts
from socialcredit.report.compare.run import PER, Run
from socialcredit.report.page import Chart, Page
from socialcredit.report.sections.chilling import WINDOW, trailing_mean

TEMPLATE = "compare/chilling.html.j2"


@dataclass(frozen=True)
class ChilledRun:
    run: Run
    acts: list[str]  # the lawful acts it disfavours
    rate_day0: float  # all of them, per PER people a day
    rate_last: float  # over the last 30 days
    change: float | None


@dataclass(frozen=True)
class ChillingByRun:
    chilled: list[ChilledRun]
    rest: list[Run]  # disfavour no lawful act
    chart: Chart | None
    per: int = PER


def build(runs: Sequence[Run], page: Page) -> ChillingByRun:
    chilled = [r for r in runs if r.s["chilling"]["behaviours"]]
    rest = [r for r in runs if r not in chilled]
    if not chilled:
        return ChillingByRun([], rest, None)
    panels = {}
    rows = []
    for r in chilled:
        acts = r.s["chilling"]["behaviours"]
        people = np.maximum(r.data.per_day("people"), 1)
        rate = PER * np.sum([r.data.per_day(f"acts__{b}") for b in acts], axis=0) / people
        panels[r.label] = (trailing_mean(rate, WINDOW), float(rate[0]))
        c = r.s["chilling"]
        rows.append(
            ChilledRun(r, acts, PER * c["rate_day0"], PER * c["rate_last_30_days"], c.get("change"))
        )
    days = np.arange(max(r.days for r in chilled))
    chart = page.chart(charts.chilling(days, panels, colours=[r.colour for r in chilled]))
    return ChillingByRun(rows, rest, chart)
