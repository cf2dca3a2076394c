"""Kept life stories (traces.parquet): the harm a story opens with, and the days worth telling.

Read from the table alone (its rows and the ``sanction_lists`` metadata that engine/replay.py
writes), so the report and ``socialcredit trace`` tell a story the same way without reaching the
engine.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa

SANCTION_LISTS = b"sanction_lists"  # engine/replay.py's metadata key


def split(names: str | None) -> list[str]:
    """A trace cell's comma-joined names as a list."""
    return names.split(", ") if names else []


def sanction_lists(days: pa.Table) -> dict[str, str | None]:
    """Each sanction and the list that carries it (None: a tier carries it)."""
    meta = days.schema.metadata or {}
    return json.loads(meta[SANCTION_LISTS]) if SANCTION_LISTS in meta else {}


def eventful_days(days: pa.Table) -> list[dict[str, Any]]:
    """The days worth telling: something happened, or the standing changed."""
    rows = days.to_pylist()
    told = []
    previous: dict[str, Any] = {}
    for row in rows:
        changed = any(row[c] != previous.get(c) for c in ("tier", "lists", "sanctions"))
        happened = row["recorded_by"] or row["error"] or row["appeal_filed"]
        if happened or row.get("appeal_decision") or changed:
            told.append(row)
        previous = row
    return told


def key_days(rows: list[dict[str, Any]]) -> set[int]:
    """The days a story must show: the error behind each wrongful spell, each sanction's start
    and end, each wrongful spell's start and end, list changes, appeals filed and decided."""
    keys: set[int] = set()
    previous: dict[str, Any] = {}
    for i, row in enumerate(rows):
        turned = any(
            row[c] != previous.get(c) for c in ("lists", "sanctions", "wrongful_sanctions")
        )
        if (i and turned) or row["appeal_filed"] or row.get("appeal_decision"):
            keys.add(row["day"])
        wrong_starts = row["wrongful_sanctions"] and not previous.get("wrongful_sanctions")
        if wrong_starts and row.get("wrongful_cause"):
            cause = row["wrongful_cause"] + ":"
            for earlier in reversed(rows[: i + 1]):  # the last such error on or before today
                if earlier["error"] and earlier["error"].startswith(cause):
                    keys.add(earlier["day"])
                    break
        previous = row
    if rows and rows[0]["sanctions"]:
        keys.add(rows[0]["day"])
    return keys


def days_to_tell(days: pa.Table, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Up to ``limit`` eventful days, in order, the key days (``key_days``) first chosen, and
    how many eventful days were left out."""
    rows = days.to_pylist()
    keys = key_days(rows)
    told = eventful_days(days)
    must = [r for r in told if r["day"] in keys][:limit]
    rest = [r for r in told if r["day"] not in keys][: limit - len(must)]
    chosen = {r["day"] for r in must + rest}
    return [r for r in told if r["day"] in chosen], len(told) - len(chosen)


@dataclass(frozen=True)
class Appeal:
    filed: int  # day
    decided: int | None  # day; None: still pending at the end of the run
    outcome: str | None  # "won", "lost"; None while pending


@dataclass(frozen=True)
class Harm:
    """What the system did to one person, wrongly and rightly."""

    days: int  # days in the story
    wrongful_days: int  # days under at least one wrongful sanction
    sanctioned_days: int
    wrongly_listed: list[tuple[str, int, int, list[str]]]  # list, days wrongly on it, days on
    # it, the sanctions it carries
    rightly_listed: list[tuple[str, int, list[str]]]  # list, days on it, its sanctions
    tier_sanctions: list[tuple[list[str], int, int]]  # sanctions, days wrongly, days in all
    causes: list[tuple[str, int]]  # "SOURCE KIND" of the error behind wrongful days, days
    appeals: list[Appeal]


def harm_of(days: pa.Table) -> Harm:
    rows = days.to_pylist()
    carried = sanction_lists(days)
    on, wrongly_on = Counter[str](), Counter[str]()
    under, wrongly_under = Counter[str](), Counter[str]()
    causes = Counter[str]()
    appeals: list[Appeal] = []
    pending: list[int] = []
    for row in rows:
        on.update(split(row["lists"]))
        wrongly_on.update(split(row.get("wrongful_lists")))
        under.update(split(row["sanctions"]))
        wrongly_under.update(split(row["wrongful_sanctions"]))
        if row["wrongful_sanctions"] and row.get("wrongful_cause"):
            causes[row["wrongful_cause"]] += 1
        if row["appeal_filed"]:
            pending.append(row["day"])
        if row.get("appeal_decision") and pending:
            appeals.append(Appeal(pending.pop(0), row["day"], row["appeal_decision"]))
    appeals += [Appeal(day, None, None) for day in pending]

    def of_list(name: str) -> list[str]:
        return [s for s, x in carried.items() if x == name]

    tiers: dict[tuple[int, int], list[str]] = {}
    for s in under:
        if carried.get(s) is None:
            tiers.setdefault((wrongly_under[s], under[s]), []).append(s)
    return Harm(
        days=len(rows),
        wrongful_days=sum(1 for r in rows if r["wrongful_sanctions"]),
        sanctioned_days=sum(1 for r in rows if r["sanctions"]),
        wrongly_listed=[(x, wrongly_on[x], on[x], of_list(x)) for x in on if wrongly_on[x]],
        rightly_listed=[(x, on[x], of_list(x)) for x in on if not wrongly_on[x]],
        tier_sanctions=[(names, w, n) for (w, n), names in sorted(tiers.items(), reverse=True)],
        causes=causes.most_common(),
        appeals=sorted(appeals, key=lambda a: a.filed),
    )


def _days(n: int) -> str:
    return f"{n:,} day" + ("" if n == 1 else "s")


def harm_sentence(harm: Harm) -> str:
    """The opening of a story: "Wrongly on the dishonest-debtors list for 357 days: flight-ban,
    train-ban, ...", or "Never wrongly sanctioned" and what was rightly done."""
    parts = []
    for name, wrong, total, carries in harm.wrongly_listed:
        extra = f" (on it {_days(total)} in all)" if total > wrong else ""
        carried = f": {', '.join(carries)}" if carries else ""
        parts.append(f"wrongly on the {name} list for {_days(wrong)}{extra}{carried}")
    for names, wrong, total in harm.tier_sanctions:
        if wrong:
            extra = f" (under it {_days(total)} in all)" if total > wrong else ""
            parts.append(f"wrongly under {', '.join(names)} for {_days(wrong)}{extra}")
    rightly = [
        f"on the {name} list for {_days(total)}" + (f": {', '.join(c)}" if c else "")
        for name, total, c in harm.rightly_listed
    ]
    rightly += [f"under {', '.join(n)} for {_days(t)}" for n, w, t in harm.tier_sanctions if not w]
    if not parts:
        if not rightly:
            return "Never sanctioned."
        return "Never wrongly sanctioned; rightly " + "; ".join(rightly) + "."
    text = "; ".join(parts)
    text = text[0].upper() + text[1:]
    if harm.causes:
        text += ". Because of " + ", ".join(f"a {c} error" for c, _ in harm.causes)
    if rightly:
        text += ". Rightly " + "; ".join(rightly)
    return text + "."


def appeals_sentence(harm: Harm) -> str:
    """Each appeal: filed, decided, won or lost ("" where none was filed)."""
    said = []
    for a in harm.appeals:
        if a.decided is None:
            said.append(f"appealed on day {a.filed}, still undecided at the end of the run")
        else:
            said.append(f"appealed on day {a.filed}, {a.outcome} on day {a.decided}")
    if not said:
        return ""
    text = "; ".join(said)
    return text[0].upper() + text[1:] + "."


def what_happened(row: dict[str, Any]) -> str:
    """A day's events in words: the act and who recorded it, an error, an appeal."""
    parts = []
    if row["act"]:
        seen = f" (recorded by {row['recorded_by']})" if row["recorded_by"] else ""
        parts.append(f"did: {row['act']}{seen}")
    if row["error"]:
        parts.append(f"ERROR: {row['error']}")
    if row["appeal_filed"]:
        parts.append("filed an appeal")
    if row.get("appeal_decision"):
        parts.append(f"appeal {row['appeal_decision']}")
    return "; ".join(parts)


def standing(row: dict[str, Any], carried: dict[str, str | None]) -> str:
    """Tier, lists and the tiers' sanctions, each marked where it is wrongful. A list's own
    sanctions are not repeated on every row: the story's opening names them."""
    wrong_lists, wrong = split(row.get("wrongful_lists")), split(row["wrongful_sanctions"])
    parts = [f"tier {row['tier']}"]
    for name in split(row["lists"]):
        parts.append(f"on {name}" + (" (WRONGLY)" if name in wrong_lists else ""))
    for name in split(row["sanctions"]):
        if carried.get(name) is None:
            parts.append(name + (" (WRONGLY)" if name in wrong else ""))
    return "; ".join(parts)
