"""Sanctions and perks by kind and by group, rightful against wrongful; disparate impact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from socialcredit.metrics.sanction_rows import sanction_rows
from socialcredit.metrics.summary import FOUR_FIFTHS
from socialcredit.report import charts
from socialcredit.report.data import RunData
from socialcredit.report.fmt import num
from socialcredit.report.page import Chart, Page

TEMPLATE = "report/sanctions.html.j2"
PER = 100_000  # rates per 100,000 people on an average day: whole numbers at any scale


@dataclass(frozen=True)
class ByKind:
    declared: bool  # the scenario declares sanctions
    average: float  # people under at least one sanction on an average day; 0: no one ever
    top: str = ""  # the sanction most in force
    top_people: float = 0.0  # people under it on an average day
    top_wrongly: float = 0.0
    chart: Chart | None = None


@dataclass(frozen=True)
class GroupRate:
    name: str
    sanctioned: float  # per PER people on an average day
    wrongly: float


@dataclass(frozen=True)
class ByGroup:
    most: GroupRate | None  # None: no one was under a sanction
    least: GroupRate | None
    chart: Chart | None
    perks: list[tuple[str, float]]  # (perk, share of people holding it on an average day)
    perks_chart: Chart | None


@dataclass(frozen=True)
class ImpactRow:
    sanction: str
    ratios: list[tuple[float | None, bool]]  # per group: the ratio, and whether it is flagged
    bounds: list[list[float] | None] | None = None  # per group: its 90% interval (replicates)


@dataclass(frozen=True)
class Impact:
    """Disparate-impact ratios of one run, one row per sanction and a column per group."""

    groups: list[str]
    rows: list[ImpactRow]
    flagged: list[str]  # sanctions with a ratio outside the band
    undefined: bool  # some ratio is undefined (n/a)
    band: tuple[float, float] = FOUR_FIFTHS
    indistinct: list[str] | None = None  # outside the band, but not their whole interval
    replicates: int = 1


@dataclass(frozen=True)
class Sanctions:
    by_kind: ByKind
    by_group: ByGroup
    impact: Impact | None  # None: the scenario declares no sanctions
    # per sanction with encounters: (name, attempts blocked, of them of people wrongly under it)
    blocked: list[tuple[str, int, int]]
    per: int = PER


def shown_together(sanctions: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """summary.json's sanctions with those of one carrier and equal numbers merged into one
    entry, labelled with all their names (metrics/sanction_rows.py, as the terminal's table):
    five list sanctions are one bar and one row, not five identical ones."""
    return {", ".join(row.names): sanctions[row.names[0]] for row in sanction_rows(sanctions)}


def by_kind(data: RunData, page: Page) -> ByKind:
    s = data.summary
    together = shown_together(s["sanctions"])
    names = list(together)
    if not names or not s["sanctioned_person_days"]:
        return ByKind(declared=bool(names), average=0.0)
    days = s["days"]
    total = [together[n]["person_days"] / days for n in names]
    wrong = [together[n]["wrongful_person_days"] / days for n in names]
    top = int(np.argmax(total))
    return ByKind(
        declared=True,
        average=s["sanctioned_person_days"] / days,
        top=names[top],
        top_people=total[top],
        top_wrongly=wrong[top],
        chart=page.chart(
            charts.rightful_wrongful_bars(
                "Sanctions: people under each on an average day",
                names,
                [t - w for t, w in zip(total, wrong, strict=True)],
                wrong,
                "people on an average day",
            )
        ),
    )


def by_group(data: RunData, page: Page) -> ByGroup:
    lived = data.per("group", "people")  # person-days lived per group
    with np.errstate(invalid="ignore", divide="ignore"):
        sanctioned = PER * data.per("group", "sanctioned") / lived
        wrongful = PER * data.per("group", "sanctioned_wrongful") / lived
    sanctioned, wrongful = np.nan_to_num(sanctioned), np.nan_to_num(wrongful)
    most = least = chart = None
    if sanctioned.any():
        hi, lo = int(np.argmax(sanctioned)), int(np.argmin(sanctioned))
        most = GroupRate(data.groups[hi], sanctioned[hi], wrongful[hi])
        least = GroupRate(data.groups[lo], sanctioned[lo], wrongful[lo])
        chart = page.chart(
            charts.rightful_wrongful_bars(
                f"Sanctioned people per {num(PER)} by group, on an average day",
                data.groups,
                sanctioned - wrongful,
                wrongful,
                f"per {num(PER)} people",
            )
        )
    perks = [c["name"] for c in data.scenario.get("consequences", []) if c["kind"] == "perk"]
    perks_chart = None
    if perks:
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = {
                p: np.nan_to_num(100 * data.per("group", f"perk__{p}") / lived) for p in perks
            }
        perks_chart = page.chart(
            charts.grouped_bars(
                "Perks: % of each group holding it on an average day",
                data.groups,
                shares,
                "% of the group",
                fmt=".2f",
            )
        )
    overall = [
        (p, data.summary["perks"][p]["person_days"] / data.summary["person_days"]) for p in perks
    ]
    return ByGroup(most, least, chart, overall, perks_chart)


def impact(
    sanctions: dict[str, Any],
    groups: list[str],
    intervals: dict[str, Any] | None = None,
    replicates: int = 1,
) -> Impact:
    """The ratios of each sanction in ``sanctions`` (summary.json's), flagged as the summary
    flags them: outside the band, or with replicates, the whole interval outside it
    (metrics/summary.py ``outside_parity``); ``intervals`` is the summary's for ``sanctions``."""
    rows = []
    for name, x in sanctions.items():
        # a row of sanctions shown together (shown_together) has the first one's intervals
        first = name.split(", ")[0]
        bounds = (intervals or {}).get(first, {}).get("disparate_impact", {})
        rows.append(
            ImpactRow(
                name,
                [
                    (x["disparate_impact"].get(g), g in x["disparate_impact_flagged"])
                    for g in groups
                ],
                [bounds.get(g) for g in groups] if intervals else None,
            )  # fmt: skip
        )
    return Impact(
        groups=groups,
        rows=rows,
        flagged=[n for n, x in sanctions.items() if x["disparate_impact_flagged"]],
        undefined=any(
            r is None for x in sanctions.values() for r in x["disparate_impact"].values()
        ),
        indistinct=[n for n, x in sanctions.items() if x.get("disparate_impact_indistinct")],
        replicates=replicates,
    )


def build(data: RunData, page: Page) -> Sanctions:
    sanctions = data.summary["sanctions"]
    return Sanctions(
        by_kind=by_kind(data, page),
        by_group=by_group(data, page),
        impact=(
            impact(
                shown_together(sanctions),
                data.groups,
                data.summary.get("intervals", {}).get("sanctions"),
                data.replicates,
            )
            if sanctions
            else None
        ),  # fmt: skip
        blocked=[
            (name, int(x["blocked"]), int(x["blocked_wrongful"]))
            for name, x in sanctions.items()
            if "blocked" in x
        ],
    )
