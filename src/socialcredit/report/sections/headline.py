"""The headline: how many were sanctioned, how many wrongly, and which data errors caused it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from socialcredit.report import charts
from socialcredit.report.data import RunData
from socialcredit.report.fmt import words
from socialcredit.report.page import Chart, Page

TEMPLATE = "report/headline.html.j2"

# What each error kind means, in words a reader without the model description follows.
ERROR_KINDS = {
    "false_match": ("false matches", "an innocent person matched to a record"),
    "misattribution": ("misattributions", "a real act booked on the wrong person"),
    "bookkeeping": ("bookkeeping errors", "a record of an act that never happened"),
}


def cause_phrase(cause: dict[str, Any], *, explain: bool = True) -> str:
    if cause["source"] is None:
        return "no error record (the true records differ for another reason)"
    kind, meaning = ERROR_KINDS.get(cause["error_kind"], (words(cause["error_kind"]), ""))
    text = f"{kind} in {words(cause['source'])}"
    return f"{text} ({meaning})" if explain and meaning else text


@dataclass(frozen=True)
class Carrier:
    """Sanctions carried by one list or one set of tiers, with their last-day counts."""

    names: list[str]
    in_force: int
    wrongly: int


@dataclass(frozen=True)
class Cause:
    share: float | None
    phrase: str


@dataclass(frozen=True)
class Headline:
    people: int
    days: int
    ever: int  # people sanctioned at least once
    ever_wrongly: int  # of them, wrongly at some point
    wrongful_share: float | None  # of sanctioned person-days
    cross_context_share: float | None  # of sanction-days
    chilling_change: float | None  # lawful disfavoured acts, last 30 days against day 0
    person_days: int  # sanctioned person-days
    person_days_wrongly: int
    last_day: int  # people under at least one sanction on the last day
    last_day_wrongly: int
    carriers: list[Carrier]
    causes: list[Cause]  # the largest few, for the sentence
    chart: Chart | None
    replicates: int = 1
    bounds: dict[str, list[float] | None] | None = None  # 90% intervals of the cards' numbers


def per_carrier(s: dict[str, Any], scenario: dict[str, Any], limit: int = 3) -> list[Carrier]:
    """Last-day counts of the sanctions most in force, one entry per list or tier set.

    Sanctions carried by the same list (or the same tiers) fall on the same people, so their
    counts are equal; one sentence names them together instead of repeating the numbers.
    """
    carrier = {
        c["name"]: c.get("list") or tuple(c.get("tiers") or ())
        for c in scenario.get("consequences", [])
    }
    grouped: dict[Any, list[str]] = {}
    for name in s["sanctions"]:
        grouped.setdefault(carrier.get(name, name), []).append(name)
    ranked = sorted(
        grouped.values(), key=lambda names: -s["sanctions"][names[0]]["in_force_last_day"]
    )
    out = []
    for names in ranked[:limit]:
        x = s["sanctions"][names[0]]
        if x["in_force_last_day"]:
            out.append(Carrier(names, x["in_force_last_day"], x["wrongful_last_day"]))
    return out


def build(data: RunData, page: Page, limit: int = 3) -> Headline:
    s = data.summary
    causes = s["wrongful_causes"]
    chart = None
    if s["people_ever_sanctioned"] and causes:
        labels = [cause_phrase(c, explain=False) for c in causes]
        chart = page.chart(charts.causes_bars(labels, [c["share"] for c in causes]))
    return Headline(
        people=s["people"],
        days=s["days"],
        ever=s["people_ever_sanctioned"],
        ever_wrongly=s["people_ever_wrongfully_sanctioned"],
        wrongful_share=s["wrongful_share"],
        cross_context_share=s["cross_context_share"],
        chilling_change=s["chilling"].get("change"),
        person_days=s["sanctioned_person_days"],
        person_days_wrongly=s["wrongfully_sanctioned_person_days"],
        last_day=s["sanctioned_last_day"],
        last_day_wrongly=s["wrongfully_sanctioned_last_day"],
        carriers=per_carrier(s, data.scenario) if s["people_ever_sanctioned"] else [],
        causes=[Cause(c["share"], cause_phrase(c)) for c in causes[:limit]],
        chart=chart,
        replicates=data.replicates,
        bounds=card_bounds(s.get("intervals", {})),
    )


def card_bounds(intervals: dict[str, Any]) -> dict[str, list[float] | None]:
    """The intervals of the four cards' numbers (None each where the run had one replicate)."""
    return {
        "ever": intervals.get("people_ever_sanctioned"),
        "wrongful_share": intervals.get("wrongful_share"),
        "cross_context_share": intervals.get("cross_context_share"),
        "chilling_change": intervals.get("chilling", {}).get("change"),
    }
