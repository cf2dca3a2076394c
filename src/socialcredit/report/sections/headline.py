"""The headline: how many were sanctioned, how many wrongly, and which data errors caused it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from socialcredit.metrics.drift import Z
from socialcredit.metrics.sanction_rows import sanction_rows
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
    share: float | None  # of those in force on the last day (sanction_rows, as the terminal)


@dataclass(frozen=True)
class Cause:
    share: float | None
    phrase: str


@dataclass(frozen=True)
class Start:
    """How the run started (a warm-up, or everyone at the start) and whether the number under
    a sanction was still drifting over its last quarter (summary.json's ``drift``)."""

    warmup_days: int
    drifting: bool | None  # None: the run is too short to tell
    window_days: int
    change: float | None  # fitted change of the number under a sanction over the window
    relative: float | None  # of the window's mean
    allowed: float | None  # the change the turnover allows (Z x noise)

    @staticmethod
    def of(s: dict[str, Any]) -> Start:
        drift = s.get("drift", {})
        noise = drift.get("noise")
        return Start(
            warmup_days=int(s.get("warmup_days", 0)),
            drifting=drift.get("still_drifting"),
            window_days=int(drift.get("window_days", 0)),
            change=drift.get("fitted_change"),
            relative=drift.get("relative_change"),
            allowed=None if noise is None else Z * noise,
        )


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
    start: Start | None = None


def per_carrier(s: dict[str, Any], limit: int = 3) -> list[Carrier]:
    """Last-day counts of the sanctions most in force, one entry per list or tier set.

    Sanctions carried by the same list (or the same tiers) fall on the same people, so their
    counts are equal; one sentence names them together (metrics/sanction_rows.py, as the
    terminal's table does) instead of repeating the numbers.
    """
    rows = sorted(sanction_rows(s["sanctions"]), key=lambda r: -r.in_force_last_day)
    return [
        Carrier(r.names, r.in_force_last_day, r.wrongful_last_day, r.last_day_wrongful_share)
        for r in rows[:limit]
        if r.in_force_last_day
    ]


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
        carriers=per_carrier(s) if s["people_ever_sanctioned"] else [],
        causes=[Cause(c["share"], cause_phrase(c)) for c in causes[:limit]],
        chart=chart,
        replicates=data.replicates,
        bounds=card_bounds(s.get("intervals", {})),
        start=Start.of(s),
    )


def card_bounds(intervals: dict[str, Any]) -> dict[str, list[float] | None]:
    """The intervals of the four cards' numbers (None each where the run had one replicate)."""
    return {
        "ever": intervals.get("people_ever_sanctioned"),
        "wrongful_share": intervals.get("wrongful_share"),
        "cross_context_share": intervals.get("cross_context_share"),
        "chilling_change": intervals.get("chilling", {}).get("change"),
    }
