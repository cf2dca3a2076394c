"""Life stories: a few people's days, told from traces.parquet (wrongly sanctioned first)."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow.compute as pc
import pyarrow.parquet as pq

from socialcredit.report.data import RunData
from socialcredit.report.page import Page
from socialcredit.traces import eventful_days

TEMPLATE = "report/stories.html.j2"
SHOWN = 3
MAX_DAYS_SHOWN = 25  # the rest of a long story is in `socialcredit trace`


@dataclass(frozen=True)
class Day:
    day: int
    what: str  # what happened: acts, errors, appeals; "" for nothing
    recorded_by: str
    score: int
    standing: str  # tier, lists and sanctions


@dataclass(frozen=True)
class Story:
    person: int
    tier: str  # on the last day
    score: int
    shadow_score: int  # from true records alone
    shadow_tier: str
    wronged: bool  # wrongly sanctioned at some point
    days: list[Day]  # the first eventful days
    more: int  # eventful days not shown


@dataclass(frozen=True)
class Stories:
    kept: int | None  # people whose lives the run kept; None: it kept no traces.parquet
    stories: list[Story]


def day_of(row: dict) -> Day:
    what = "; ".join(
        x
        for x in (
            row["act"] and f"did: {row['act']}",
            row["error"] and f"ERROR: {row['error']}",
            row["appeal_filed"] and "filed an appeal",
        )
        if x
    )
    standing = row["tier"]
    if row["lists"]:
        standing += f"; listed: {row['lists']}"
    if row["sanctions"]:
        standing += f"; sanctions: {row['sanctions']}"
    if row["wrongful_sanctions"]:
        standing += f" (wrongful: {row['wrongful_sanctions']})"
    return Day(row["day"], what, row["recorded_by"] or "", row["score"], standing)


def build(data: RunData, page: Page) -> Stories:
    path = data.folder / "traces.parquet"
    if not path.is_file():
        return Stories(kept=None, stories=[])
    traces = pq.read_table(path)
    people = sorted(set(traces["person"].to_pylist()))
    wronged = set(
        pc.unique(traces.filter(pc.is_valid(traces["wrongful_sanctions"]))["person"]).to_pylist()
    )
    chosen = sorted(people, key=lambda p: (p not in wronged, p))[:SHOWN]
    stories = []
    for person in chosen:
        days = traces.filter(pc.equal(traces["person"], person))
        last = days.slice(days.num_rows - 1).to_pylist()[0]
        told = eventful_days(days)
        stories.append(
            Story(
                person=person,
                tier=last["tier"],
                score=last["score"],
                shadow_score=last["shadow_score"],
                shadow_tier=last["shadow_tier"],
                wronged=person in wronged,
                days=[day_of(row) for row in told[:MAX_DAYS_SHOWN]],
                more=max(len(told) - MAX_DAYS_SHOWN, 0),
            )
        )
    return Stories(kept=len(people), stories=stories)
