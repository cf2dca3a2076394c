"""Wrongful sanctions and the data errors behind them, run by run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from socialcredit.report import charts
from socialcredit.report.causes import LEGEND, OTHER, cause_series
from socialcredit.report.compare.run import Run
from socialcredit.report.page import Chart, Page
from socialcredit.report.sections.headline import cause_phrase

__all__ = ["LEGEND", "OTHER", "TEMPLATE", "build", "cause_shares"]

TEMPLATE = "compare/wrongful.html.j2"
TOP = 3  # causes named per run


@dataclass(frozen=True)
class WrongfulRow:
    run: Run
    causes: list[tuple[str, float | None]]  # the largest few: (cause, share of wrongful days)


@dataclass(frozen=True)
class Wrongful:
    rows: list[WrongfulRow]
    chart: Chart | None  # None: no run has a wrongful sanction-day


def cause_shares(runs: Sequence[Run]) -> tuple[list[str], list[list[float]]]:
    """The causes of wrongful sanction-days and each one's part (0-1) of each run's sanctioned
    person-days, largest first, small ones grouped (report/causes.py)."""
    return cause_series([(r.wrongful_share, r.s["wrongful_causes"]) for r in runs])


def build(runs: Sequence[Run], page: Page) -> Wrongful:
    causes, shares = cause_shares(runs)
    chart = None
    if causes:
        empty = [
            ""
            if r.wrongful_share
            else "no one wrongly"
            if r.sanctioned_any
            else "no one sanctioned"
            for r in runs
        ]
        chart = page.chart(charts.causes_by_run([r.label for r in runs], causes, shares, empty))
    rows = [
        WrongfulRow(
            r,
            [(cause_phrase(c, explain=False), c["share"]) for c in r.s["wrongful_causes"][:TOP]],
        )
        for r in runs
    ]
    return Wrongful(rows, chart)
