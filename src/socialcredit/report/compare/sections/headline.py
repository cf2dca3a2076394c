"""The headline numbers side by side, one column per run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from socialcredit.report import charts
from socialcredit.report.compare.figures import FIGURES
from socialcredit.report.compare.run import PER, Run
from socialcredit.report.fmt import num
from socialcredit.report.page import Chart, Page

TEMPLATE = "compare/headline.html.j2"


@dataclass(frozen=True)
class Column:
    run: Run
    ever: float  # people sanctioned at least once (a mean over replicates, where there are some)
    ever_rate: float  # per PER people
    ever_wrongly: int  # of them, wrongly at some point
    ever_wrongly_rate: float
    average: float  # under a sanction on an average day, per PER
    average_wrongly: float
    wrongful_share: float | None  # of sanctioned person-days; None: no sanction-day
    cause: str  # the top cause of wrongful sanction-days; "" for none
    cause_share: float | None
    cross_share: float | None  # of sanction-days; None: no sanction-day
    flagged: int  # sanctions flagged for disparate impact
    sanctions: int
    chills: bool  # the regime disfavours some lawful act
    chilling_change: float | None
    appeals_filed: int
    appeals_won: int
    # The 90% interval of each figure above that compare/figures.py names; None each for a run
    # of one replicate.
    bounds: dict[str, list[float] | None]


@dataclass(frozen=True)
class HeadlineSideBySide:
    columns: list[Column]
    chart: Chart | None  # None: no run sanctioned anyone


def column(r: Run) -> Column:
    s = r.s
    return Column(
        run=r,
        ever=r.ever,
        ever_rate=r.ever_rate,
        ever_wrongly=s["people_ever_wrongfully_sanctioned"],
        ever_wrongly_rate=r.per_person(s["people_ever_wrongfully_sanctioned"]),
        average=r.per_day(s["sanctioned_person_days"]),
        average_wrongly=r.per_day(s["wrongfully_sanctioned_person_days"]),
        wrongful_share=None if s["wrongful_share"] is None else r.wrongful_share,
        cause=r.top_cause_phrase,
        cause_share=r.top_cause["share"] if r.top_cause else None,
        cross_share=None if s["cross_context_share"] is None else r.cross_share,
        flagged=len(r.flagged),
        sanctions=len(s["sanctions"]),
        chills=bool(s["chilling"]["behaviours"]),
        chilling_change=s["chilling"].get("change"),
        appeals_filed=s["appeals"]["filed"],
        appeals_won=s["appeals"]["won"],
        bounds={name: r.bounds(name) for name in FIGURES},
    )


def build(runs: Sequence[Run], page: Page) -> HeadlineSideBySide:
    columns = [column(r) for r in runs]
    chart = None
    if any(r.ever for r in runs):
        wrong = [c.ever_wrongly_rate for c in columns]
        chart = page.chart(
            charts.rightful_wrongful_bars(
                f"People sanctioned at least once, per {num(PER)} people",
                [r.label for r in runs],
                [r.ever_rate - w for r, w in zip(runs, wrong, strict=True)],
                wrong,
                f"per {num(PER)} people",
                legend=("never wrongly", "wrongly at some point"),
            )
        )
    return HeadlineSideBySide(columns, chart)
