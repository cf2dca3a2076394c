"""The headline: how many were sanctioned, how many wrongly, and which data errors caused it."""

from __future__ import annotations

from typing import Any

from socialcredit.report import charts
from socialcredit.report.data import RunData
from socialcredit.report.fmt import change, h, join_words, num, pct, words
from socialcredit.report.page import Page

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


def cards(s: dict[str, Any]) -> str:
    items = [
        (num(s["people_ever_sanctioned"]), "people sanctioned at least once", ""),
        (pct(s["wrongful_share"]), "of sanctioned person-days were wrongful", "bad"),
        (pct(s["cross_context_share"]), "of sanction-days in an unrelated domain", ""),
        (change(s["chilling"].get("change")), "lawful disfavoured acts, last 30 days vs day 0", ""),
    ]
    return (
        '<div class="cards">'
        + "".join(
            f'<div class="card {cls}"><b>{h(v)}</b><span>{h(label)}</span></div>'
            for v, label, cls in items
        )
        + "</div>"
    )


def per_carrier(s: dict[str, Any], scenario: dict[str, Any], limit: int = 3) -> str:
    """Last-day counts of the sanctions most in force, one line per list or tier set.

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
    items = []
    for names in ranked[:limit]:
        x = s["sanctions"][names[0]]
        if not x["in_force_last_day"]:
            continue
        kinds = join_words([f"<b>{h(words(n))}</b>" for n in names])
        n, wrong = x["in_force_last_day"], x["wrongful_last_day"]
        items.append(
            f"Of the {num(n)} {'person' if n == 1 else 'people'} under {kinds} on the last day, "
            f"{num(wrong)} ({pct(wrong / n)}) {'was' if wrong == 1 else 'were'} there wrongly."
        )
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>" if items else ""


def causes_text(causes: list[dict[str, Any]], limit: int = 3) -> str:
    if not causes:
        return "<p>No sanction-day was wrongful, so no data error caused one.</p>"
    first, rest = causes[0], causes[1:limit]
    text = f"{pct(first['share'])} of wrongful sanction-days trace to {cause_phrase(first)}"
    if rest:
        text += "; " + join_words([f"{pct(c['share'])} to {cause_phrase(c)}" for c in rest])
    return f"<p>{h(text)}.</p>"


def render(data: RunData, page: Page) -> str:
    s = data.summary
    people, ever, wrong_ever = (
        s["people"],
        s["people_ever_sanctioned"],
        s["people_ever_wrongfully_sanctioned"],
    )
    out = [cards(s)]
    if not ever:
        out.append(
            f"<p>Over {num(s['days'])} simulated days, the system sanctioned none of its "
            f"{num(people)} people.</p>"
        )
        return "".join(out)
    out.append(
        f"<p>Over {num(s['days'])} simulated days, the system sanctioned <b>{num(ever)}</b> of "
        f"{num(people)} people ({pct(ever / people)}) at least once. <b>{num(wrong_ever)}</b> of "
        f"them ({pct(wrong_ever / ever)}) were sanctioned wrongly at some point: their true "
        "records alone would not have triggered the sanction.</p>"
    )
    out.append(
        f"<p>Counted in days, <b>{pct(s['wrongful_share'])}</b> of all sanctioned person-days "
        f"were wrongful ({num(s['wrongfully_sanctioned_person_days'])} of "
        f"{num(s['sanctioned_person_days'])}). On the last day {num(s['sanctioned_last_day'])} "
        f"people were under at least one sanction, {num(s['wrongfully_sanctioned_last_day'])} of "
        "them wrongly.</p>"
    )
    out.append(per_carrier(s, data.scenario))
    out.append(causes_text(s["wrongful_causes"]))
    if s["wrongful_causes"]:
        labels = [cause_phrase(c, explain=False) for c in s["wrongful_causes"]]
        out.append(
            page.chart(charts.causes_bars(labels, [c["share"] for c in s["wrongful_causes"]]))
        )
    return "".join(out)
