"""Appeals, run by run: filed, won, still waiting; or no way to appeal at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from socialcredit.report.compare.run import PER, Run
from socialcredit.report.page import Page

TEMPLATE = "compare/appeals.html.j2"


@dataclass(frozen=True)
class RunAppeals:
    run: Run
    open: bool  # the run gives a way to appeal (or someone appealed anyway)
    filed: int
    filed_rate: float  # per PER people
    decided: int
    won: int
    pending: int


@dataclass(frozen=True)
class AppealsByRun:
    rows: list[RunAppeals]
    filed: list[RunAppeals]  # runs where appeals were filed
    quiet: list[Run]  # could appeal, none did
    closed: list[Run]  # no way to appeal
    per: int = PER


def build(runs: Sequence[Run], page: Page) -> AppealsByRun:
    rows = []
    for r in runs:
        a = r.s["appeals"]
        rows.append(
            RunAppeals(
                run=r,
                open=r.appeals_open or bool(a["filed"]),
                filed=a["filed"],
                filed_rate=r.per_person(a["filed"]),
                decided=a["decided"],
                won=a["won"],
                pending=a["pending_at_end"],
            )
        )
    return AppealsByRun(
        rows=rows,
        filed=[x for x in rows if x.filed],
        quiet=[x.run for x in rows if x.open and not x.filed],
        closed=[x.run for x in rows if not x.open],
    )
