"""Unrelated domains and lawful acts: the EU AI Act Article 5(1)(c) questions, run by run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from socialcredit.report import charts
from socialcredit.report.compare.run import Run
from socialcredit.report.fmt import pct
from socialcredit.report.page import Chart, Page

TEMPLATE = "compare/cross_context.html.j2"


@dataclass(frozen=True)
class CrossContext:
    runs: list[Run]
    chart: Chart | None  # None: no run had a sanction-day


def build(runs: Sequence[Run], page: Page) -> CrossContext:
    chart = None
    if any(r.sanctioned_any for r in runs):
        chart = page.chart(
            charts.run_bars(
                "Cross-context share of sanction-days",
                [r.label for r in runs],
                [r.colour for r in runs],
                [100 * r.cross_share for r in runs],
                [
                    "no sanction-days" if r.s["cross_context_share"] is None else pct(r.cross_share)
                    for r in runs
                ],
                "% of sanction-days",
            )
        )
    return CrossContext(list(runs), chart)
