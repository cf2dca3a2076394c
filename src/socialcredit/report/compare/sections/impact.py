"""Disparate impact, run by run: each scenario has its own groups, so each run its own table."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from socialcredit.metrics.summary import FOUR_FIFTHS
from socialcredit.report.compare.run import Run
from socialcredit.report.page import Page
from socialcredit.report.sections.sanctions import Impact, impact

TEMPLATE = "compare/impact.html.j2"


@dataclass(frozen=True)
class RunImpact:
    run: Run
    flagged: list[str]  # sanctions with a ratio outside the band
    sanctions: int
    idle: list[str]  # sanctions never in force
    undefined: list[str]  # in force, but the least affected group was never under them
    shown: Impact | None  # the sanctions with a ratio for some group; None: there are none


@dataclass(frozen=True)
class ImpactByRun:
    runs: list[RunImpact]
    band: tuple[float, float] = FOUR_FIFTHS


def run_impact(r: Run) -> RunImpact:
    sanctions = r.s["sanctions"]
    shown = {
        n: x
        for n, x in sanctions.items()
        if any(v is not None for v in x["disparate_impact"].values())
    }
    return RunImpact(
        run=r,
        flagged=r.flagged,
        sanctions=len(sanctions),
        idle=[n for n, x in sanctions.items() if not x["person_days"]],
        undefined=[n for n, x in sanctions.items() if x["person_days"] and n not in shown],
        shown=impact(shown, r.data.groups) if shown else None,
    )


def build(runs: Sequence[Run], page: Page) -> ImpactByRun:
    return ImpactByRun([run_impact(r) for r in runs])
