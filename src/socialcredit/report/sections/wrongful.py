"""Wrongful sanctions broken down: per group of sanctions switched on together (people ever
under them, ever wrongly, and the errors behind their wrongful days) and per group of people
(the wrongful rate and its disparate impact beside the sanction rate's)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from socialcredit.metrics.summary import FOUR_FIFTHS
from socialcredit.report import charts
from socialcredit.report.causes import cause_series
from socialcredit.report.data import RunData
from socialcredit.report.page import Chart, Page
from socialcredit.report.sections.headline import cause_phrase

TEMPLATE = "report/wrongful.html.j2"
PER = 100_000
MILLION = 1_000_000


@dataclass(frozen=True)
class CarrierRow:
    """The sanctions of one list or one set of tiers: they fall on the same people."""

    sanctions: list[str]
    kind: str  # "list" or "tiers"
    name: str  # the list, or the tiers joined by "+"
    ever: int  # people ever under them
    ever_wrongly: int
    wrongly_per_million: float  # people ever wrongly under them per million people
    wrongful_days: int
    wrongful_share: float | None  # of their person-days
    top_cause: str | None
    top_share: float | None  # of their wrongful person-days


@dataclass(frozen=True)
class GroupRow:
    name: str
    sanctioned: float  # sanctioned person-days per PER person-days lived
    sanction_di: float | None
    sanction_flagged: bool
    wrongly: float  # wrongly sanctioned person-days per PER person-days lived
    wrongful_di: float | None
    wrongful_flagged: bool
    wrongful_share: float | None  # of the group's sanctioned person-days
    ever_wrongly: float  # people ever wrongly sanctioned per PER people


@dataclass(frozen=True)
class ShareRow:
    """Of one group of sanctions, the wrongful share of each group's person-days under it."""

    sanctions: list[str]
    shares: list[float | None]


@dataclass(frozen=True)
class Contrast:
    """A group flagged on the wrongful rate although it is the least sanctioned (issue 13: a
    raised face-recognition error rate for one group)."""

    group: str
    wrongful_di: float
    wrongful_share: float | None
    worst: ShareRow | None  # its group of sanctions with the largest wrongful share
    worst_share: float | None


@dataclass(frozen=True)
class ShareContrast:
    """In one group of sanctions, the least sanctioned group of people has the largest wrongful
    share: few of them are under it, and most of those wrongly (issue 13: minority women's loan
    refusals with a raised face-recognition error rate)."""

    group: str
    sanctions: list[str]
    share: float  # wrongful share of the group's days under them
    others: tuple[float, float]  # the other groups' wrongful shares, lowest and highest
    most_di: float  # the largest ratio of another group's rate of being under them to this one's


@dataclass(frozen=True)
class Wrongful:
    available: bool  # summary.json has the breakdown (runs made before it do not)
    carriers: list[CarrierRow]
    chart: Chart | None
    groups: list[str]
    by_group: list[GroupRow]
    flagged: list[str]  # groups flagged on the wrongful rate
    shares: list[ShareRow]
    contrast: Contrast | None
    share_contrasts: list[ShareContrast]
    band: tuple[float, float] = FOUR_FIFTHS
    per: int = PER
    million: int = MILLION


def carrier_rows(s: dict[str, Any]) -> list[CarrierRow]:
    rows = []
    for k in s["carriers"].values():
        top = k["wrongful_causes"][0] if k["wrongful_causes"] else None
        rows.append(
            CarrierRow(
                sanctions=k["sanctions"],
                kind=k["kind"],
                name=k["name"],
                ever=k["people_ever_under"],
                ever_wrongly=k["people_ever_wrongly_under"],
                wrongly_per_million=MILLION * k["people_ever_wrongly_under"] / s["people"],
                wrongful_days=k["wrongful_person_days"],
                wrongful_share=(
                    k["wrongful_person_days"] / k["person_days"] if k["person_days"] else None
                ),
                top_cause=cause_phrase(top, explain=False) if top else None,
                top_share=top["share"] if top else None,
            )
        )
    return rows


def causes_chart(rows: list[CarrierRow], s: dict[str, Any], page: Page) -> Chart | None:
    """One bar per group of sanctions: its wrongful share, split by the error behind it."""
    shown = [(r, k) for r, k in zip(rows, s["carriers"].values(), strict=True) if k["person_days"]]
    if not any(r.wrongful_days for r, _ in shown):
        return None
    causes, shares = cause_series(
        [(r.wrongful_share or 0.0, k["wrongful_causes"]) for r, k in shown]
    )
    labels = [", ".join(r.sanctions) for r, _ in shown]
    empty = ["" if r.wrongful_days else "no one wrongly" for r, _ in shown]
    title = "Wrongful share of each group of sanctions' person-days, by the error behind it"
    return page.chart(charts.causes_by_run(labels, causes, shares, empty, title=title))


def group_rows(s: dict[str, Any], groups: list[str]) -> list[GroupRow]:
    flagged = s["groups_flagged"]
    rows = []
    for g in groups:
        x = s["groups"].get(g)
        if x is None:
            continue
        rows.append(
            GroupRow(
                name=g,
                sanctioned=x["sanctioned_per_100k"],
                sanction_di=x["sanction_disparate_impact"],
                sanction_flagged=g in flagged["sanctioned"],
                wrongly=x["wrongfully_sanctioned_per_100k"],
                wrongful_di=x["wrongful_disparate_impact"],
                wrongful_flagged=g in flagged["wrongful"],
                wrongful_share=x["wrongful_share"],
                ever_wrongly=x["ever_wrongfully_sanctioned_per_100k"],
            )
        )
    return rows


def share_rows(s: dict[str, Any], groups: list[str]) -> list[ShareRow]:
    rows = []
    for k in s["carriers"].values():
        if not k["person_days"]:
            continue
        by_group = s["sanctions"][k["sanctions"][0]]["wrongful_share_by_group"]
        rows.append(ShareRow(k["sanctions"], [by_group.get(g) for g in groups]))
    return rows


def contrast(rows: list[GroupRow], shares: list[ShareRow], groups: list[str]) -> Contrast | None:
    lived = [r for r in rows if r.sanction_di is not None]
    if len(lived) < 2:
        return None
    least = min(lived, key=lambda r: r.sanctioned)
    if not least.wrongful_flagged or least.wrongful_di is None or least.wrongful_di <= 1:
        return None
    i = groups.index(least.name)
    ranked = [r for r in shares if r.shares[i] is not None]
    worst = max(ranked, key=lambda r: r.shares[i] or 0.0) if ranked else None
    return Contrast(
        least.name,
        least.wrongful_di,
        least.wrongful_share,
        worst,
        worst.shares[i] if worst else None,
    )


def share_contrasts(s: dict[str, Any]) -> list[ShareContrast]:
    """Groups of sanctions where the least sanctioned group of people (among those ever under
    them) has the largest wrongful share of its days under them."""
    out = []
    for k in s["carriers"].values():
        x = s["sanctions"][k["sanctions"][0]]
        shares = {g: v for g, v in x["wrongful_share_by_group"].items() if v is not None}
        rates = {g: x["rate_by_group"][g] for g in shares}
        if len(shares) < 2 or not any(shares.values()):
            continue
        least = min(rates, key=lambda g: rates[g])
        others = [v for g, v in shares.items() if g != least]
        if shares[least] <= max(others):
            continue
        out.append(
            ShareContrast(
                least,
                k["sanctions"],
                shares[least],
                (min(others), max(others)),
                max(rates.values()) / rates[least],
            )
        )
    return out


def build(data: RunData, page: Page) -> Wrongful:
    s = data.summary
    if "carriers" not in s or "groups" not in s:
        return Wrongful(False, [], None, data.groups, [], [], [], None, [])
    carriers = carrier_rows(s)
    by_group = group_rows(s, data.groups)
    shares = share_rows(s, data.groups)
    return Wrongful(
        available=True,
        carriers=carriers,
        chart=causes_chart(carriers, s, page),
        groups=data.groups,
        by_group=by_group,
        flagged=list(s["groups_flagged"]["wrongful"]),
        shares=shares,
        contrast=contrast(by_group, shares, data.groups),
        share_contrasts=share_contrasts(s),
    )
