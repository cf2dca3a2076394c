"""Life stories: one per main path to a wrongful sanction, then an ordinary life.

The run keeps, beside a few people drawn at random, people wrongly sanctioned through each of
the top causes of wrongful sanction-days (stories.traced_people); this section shows, for each
of those causes (summary.json's ``wrongful_causes``, largest first), the kept person who spent
most days wrongly sanctioned through it, then one person never wrongly sanctioned.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from socialcredit.report.data import RunData
from socialcredit.report.page import Page
from socialcredit.traces import (
    appeals_sentence,
    days_to_tell,
    harm_of,
    harm_sentence,
    sanction_lists,
    standing,
    what_happened,
)

TEMPLATE = "report/stories.html.j2"
TOP_CAUSES = 3  # as many as stories.TOP_CAUSES, the causes the run keeps people for
MAX_DAYS_SHOWN = 25  # the rest of a long story is in `socialcredit trace`


@dataclass(frozen=True)
class Day:
    day: int
    what: str  # what happened: acts and who recorded them, errors, appeals; "" for nothing
    score: int
    standing: str  # tier, lists and the tiers' sanctions, marked where wrongful


@dataclass(frozen=True)
class Story:
    person: int
    title: str  # the path it shows: "wrongly sanctioned through court-records bookkeeping"
    harm: str  # the opening: what was done to the person, how long, why
    appeals: str  # each appeal filed, decided, won or lost; "" for none
    tier: str  # on the last day
    score: int
    shadow_score: int  # from true records alone
    shadow_tier: str
    wronged: bool  # wrongly sanctioned at some point
    days: list[Day]  # the days that matter first, then other eventful days, in order
    more: int  # eventful days not shown


@dataclass(frozen=True)
class Stories:
    kept: int | None  # people whose lives the run kept; None: it kept no traces.parquet
    stories: list[Story]


def day_of(row: dict, carried: dict[str, str | None]) -> Day:
    return Day(row["day"], what_happened(row), row["score"], standing(row, carried))


def _cause_label(cause: dict) -> str:
    return f"{cause['source']} {str(cause['error_kind']).replace('_', ' ')}"


def choose(traces: pa.Table, causes: list[dict]) -> list[tuple[int, str]]:
    """(person, title) of the stories to show: per top cause the kept person most days wrongly
    sanctioned through it, then one never wrongly sanctioned (or, where every kept person was,
    the remaining wrongly sanctioned ones)."""
    people = sorted(set(traces["person"].to_pylist()))
    wrong = traces.filter(pc.is_valid(traces["wrongful_sanctions"]))
    by_cause: Counter[tuple[int, str]] = Counter()
    if "wrongful_cause" in traces.column_names:
        for person, cause in zip(
            wrong["person"].to_pylist(), wrong["wrongful_cause"].to_pylist(), strict=True
        ):
            by_cause[(person, cause or "")] += 1
    wronged = set(wrong["person"].to_pylist())
    chosen: list[tuple[int, str]] = []
    for cause in causes[:TOP_CAUSES]:
        if cause.get("source") is None:
            continue
        label = _cause_label(cause)
        fits = [(n, -p) for (p, c), n in by_cause.items() if c == label]
        fits = [f for f in fits if -f[1] not in {p for p, _ in chosen}]
        if fits:
            chosen.append((-max(fits)[1], f"Wrongly sanctioned through a {label} error"))
    taken = {p for p, _ in chosen}
    ordinary = [p for p in people if p not in wronged]
    if ordinary:
        chosen.append((ordinary[0], "An ordinary life"))
    else:
        chosen += [(p, "Wrongly sanctioned") for p in sorted(wronged - taken)][:1]
    if not any(p in wronged for p, _ in chosen):  # an old run folder: no causes per day
        chosen = [(p, "Wrongly sanctioned") for p in sorted(wronged)][:TOP_CAUSES] + chosen
    return chosen


def build(data: RunData, page: Page) -> Stories:
    path = data.folder / "traces.parquet"
    if not path.is_file():
        return Stories(kept=None, stories=[])
    traces = pq.read_table(path)
    carried = sanction_lists(traces)
    stories = []
    for person, title in choose(traces, data.summary.get("wrongful_causes", [])):
        days = traces.filter(pc.equal(traces["person"], person))
        last = days.slice(days.num_rows - 1).to_pylist()[0]
        told, more = days_to_tell(days, MAX_DAYS_SHOWN)
        harm = harm_of(days)
        stories.append(
            Story(
                person=person,
                title=title,
                harm=harm_sentence(harm),
                appeals=appeals_sentence(harm),
                tier=last["tier"],
                score=last["score"],
                shadow_score=last["shadow_score"],
                shadow_tier=last["shadow_tier"],
                wronged=harm.wrongful_days > 0,
                days=[day_of(row, carried) for row in told],
                more=more,
            )
        )
    return Stories(kept=len(set(traces["person"].to_pylist())), stories=stories)
