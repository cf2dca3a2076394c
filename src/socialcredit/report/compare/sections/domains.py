"""Sanctions by the domain where they bite (travel, credit, education), run by run."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from socialcredit.report import charts
from socialcredit.report.compare.kinds import sanction_domains
from socialcredit.report.compare.run import PER, Run
from socialcredit.report.fmt import num
from socialcredit.report.page import Chart, Page

TEMPLATE = "compare/domains.html.j2"


@dataclass(frozen=True)
class DomainRow:
    domain: str
    cells: list[tuple[float, float] | None]  # per run: (in force, wrongly); None: no sanction


@dataclass(frozen=True)
class Domains:
    rows: list[DomainRow]  # largest first
    only: list[tuple[list[str], list[Run]]]  # domains sanctioned only in some runs, and which
    chart: Chart | None  # None: no sanction was in force in any run


def by_domain(run: Run) -> dict[str, tuple[float, float]]:
    """Per domain the run's rules sanction in: (in force, wrongly) per 100,000 on an average
    day, counted per sanction."""
    out: dict[str, tuple[float, float]] = {}
    for x in run.s["sanctions"].values():
        total, wrong = out.get(x["domain"], (0.0, 0.0))
        out[x["domain"]] = (
            total + run.per_day(x["person_days"]),
            wrong + run.per_day(x["wrongful_person_days"]),
        )
    return out


def build(runs: Sequence[Run], page: Page) -> Domains:
    per_run = [by_domain(r) for r in runs]
    every = {d for p in per_run for d in p}
    size = {d: max(p.get(d, (0.0, 0.0))[0] for p in per_run) for d in every}
    domains = sorted(every, key=lambda d: (-size[d], d))
    # A domain only some regimes sanction in is a difference in kind: the same test as the
    # verdict's (kinds.domain_criteria), so the two cannot disagree.
    sanctioned_in = [sanction_domains(r) for r in runs]
    only: dict[tuple[int, ...], list[str]] = {}
    for d in domains:
        who = tuple(i for i, ds in enumerate(sanctioned_in) if d in ds)
        if len(who) < len(runs):
            only.setdefault(who, []).append(d)
    chart = None
    if any(size.values()):
        chart = page.chart(
            charts.domain_panels(
                domains,
                [r.label for r in runs],
                [r.colour for r in runs],
                [[p[d][0] - p[d][1] if d in p else None for d in domains] for p in per_run],
                [[p[d][1] if d in p else None for d in domains] for p in per_run],
                f"per {num(PER)} people",
            )
        )
    return Domains(
        rows=[DomainRow(d, [p.get(d) for p in per_run]) for d in domains],
        only=[(ds, [runs[i] for i in who]) for who, ds in only.items()],
        chart=chart,
    )
