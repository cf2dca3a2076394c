"""Differences beyond noise: per figure, each run against the first, with the 90% interval of the
difference where every run has replicates (compare/figures.py says how)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from socialcredit.report.compare.figures import FIGURES, TESTED, Verdict, value, verdict
from socialcredit.report.compare.run import Run
from socialcredit.report.page import Page

TEMPLATE = "compare/differ.html.j2"


@dataclass(frozen=True)
class Row:
    name: str  # the figure's key in FIGURES
    words: str
    show: str  # the filter that writes it
    cells: list[tuple[float | None, list[float] | None]]  # per run: the mean and its interval
    verdicts: list[Verdict]  # each run after the first against the first


@dataclass(frozen=True)
class Differences:
    base: Run  # the first run given: the others are compared with it
    others: list[Run]
    single: list[Run]  # runs of one replicate: with one, the page makes no claim
    rows: list[Row]  # empty where some run has one replicate


def build(runs: Sequence[Run], page: Page) -> Differences:
    base, others = runs[0], list(runs[1:])
    single = [r for r in runs if r.replicates < 2]
    rows = []
    if not single:
        for name in TESTED:
            figure = FIGURES[name]
            rows.append(
                Row(
                    name,
                    figure.words,
                    "change" if name == "chilling_change" else figure.show,
                    [(value(r, name), r.bounds(name)) for r in runs],
                    [verdict(r, base, name) for r in others],
                )
            )
    return Differences(base, others, single, rows)
