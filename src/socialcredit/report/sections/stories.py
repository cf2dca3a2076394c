"""Life stories: a few people's days, told from traces.parquet (wrongly sanctioned first)."""

from __future__ import annotations

import pyarrow.compute as pc
import pyarrow.parquet as pq

from socialcredit.report.data import RunData
from socialcredit.report.fmt import h, num, table
from socialcredit.report.page import Page
from socialcredit.stories import eventful_days

SHOWN = 3
MAX_DAYS_SHOWN = 25  # the rest of a long story is in `socialcredit trace`


def render(data: RunData, page: Page) -> str:
    path = data.folder / "traces.parquet"
    if not path.is_file():
        return "<p>This run kept no life stories (run with <code>--trace K</code>).</p>"
    traces = pq.read_table(path)
    people = sorted(set(traces["person"].to_pylist()))
    wronged = set(
        pc.unique(traces.filter(pc.is_valid(traces["wrongful_sanctions"]))["person"]).to_pylist()
    )
    chosen = sorted(people, key=lambda p: (p not in wronged, p))[:SHOWN]
    out = [
        f"<p>The run kept the day-by-day lives of {num(len(people))} people; here are "
        f"{num(len(chosen))}, those wrongly sanctioned first. Only the days on which something "
        "was recorded, an error struck, or their standing changed are shown. "
        "<code>socialcredit trace RUN --person ID</code> tells anyone's story.</p>"
    ]
    for person in chosen:
        days = traces.filter(pc.equal(traces["person"], person))
        rows = days.to_pylist()
        last = rows[-1]
        told = eventful_days(days)
        verdict = " <b>Wrongly sanctioned at some point.</b>" if person in wronged else ""
        out.append(
            f"<h3>Person {num(person)}</h3><p>Ends in tier {h(last['tier'])} with "
            f"{num(last['score'])} points; from true records alone: {num(last['shadow_score'])} "
            f"(tier {h(last['shadow_tier'])}).{verdict}</p>"
        )
        lines = []
        for row in told[:MAX_DAYS_SHOWN]:
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
            lines.append(
                [str(row["day"]), what or "-", row["recorded_by"] or "-", str(row["score"]),
                 standing]
            )  # fmt: skip
        out.append(table(["day", "what happened", "recorded by", "score", "standing"], lines))
        if len(told) > MAX_DAYS_SHOWN:
            out.append(f"<p>… and {num(len(told) - MAX_DAYS_SHOWN)} more eventful days.</p>")
    return "\n".join(out)
