"""Wrongful sanctions and the data errors behind them, run by run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from socialcredit.report import charts
from socialcredit.report.compare.run import Run
from socialcredit.report.page import Chart, Page
from socialcredit.report.sections.headline import cause_phrase

TEMPLATE = "compare/wrongful.html.j2"
TOP = 3  # causes named per run
LEGEND = 8  # causes in the chart's legend at most, the last being "other"
OTHER = "other errors"


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
    person-days, largest first; beyond ``LEGEND - 1`` causes the smallest are one "other"
    (a legend of 19 near-identical reds cannot be read)."""
    causes: list[str] = []
    for r in runs:
        for c in r.s["wrongful_causes"]:
            label = cause_phrase(c, explain=False)
            if label not in causes:
                causes.append(label)
    shares = [
        [
            r.wrongful_share
            * sum(
                c["share"] or 0.0
                for c in r.s["wrongful_causes"]
                if cause_phrase(c, explain=False) == label
            )
            for r in runs
        ]
        for label in causes
    ]
    order = sorted(range(len(causes)), key=lambda j: -max(shares[j]))
    causes, shares = [causes[j] for j in order], [shares[j] for j in order]
    if len(causes) > LEGEND:
        rest = shares[LEGEND - 1 :]
        causes = [*causes[: LEGEND - 1], OTHER]
        shares = [*shares[: LEGEND - 1], [sum(x) for x in zip(*rest, strict=True)]]
    return causes, shares


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
