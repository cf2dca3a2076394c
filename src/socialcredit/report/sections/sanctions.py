"""Sanctions and perks by kind and by group, rightful against wrongful; disparate impact."""

from __future__ import annotations

from typing import Any

import numpy as np

from socialcredit.metrics.summary import FOUR_FIFTHS
from socialcredit.report import charts
from socialcredit.report.data import RunData
from socialcredit.report.fmt import amount, h, join_words, num, pct, ratio, table, words
from socialcredit.report.page import Page

PER = 100_000  # rates per 100,000 people on an average day: whole numbers at any scale


def by_kind(data: RunData, page: Page) -> str:
    s = data.summary
    names = list(s["sanctions"])
    if not names:
        return "<p>This scenario declares no sanctions.</p>"
    if not s["sanctioned_person_days"]:
        return "<p>No one was under a sanction during this run.</p>"
    days = s["days"]
    total = [s["sanctions"][n]["person_days"] / days for n in names]
    wrong = [s["sanctions"][n]["wrongful_person_days"] / days for n in names]
    top = int(np.argmax(total))
    out = [
        f"<p>On an average day, {amount(s['sanctioned_person_days'] / days)} people were under "
        f"at least one sanction. The most common was <b>{h(words(names[top]))}</b> "
        f"({amount(total[top])} people on an average day, {amount(wrong[top])} of them wrongly). "
        "Several sanctions carried by the same list or tier hit the same people.</p>",
        page.chart(
            charts.rightful_wrongful_bars(
                "Sanctions: people under each on an average day",
                names,
                [t - w for t, w in zip(total, wrong, strict=True)],
                wrong,
                "people on an average day",
            )
        ),
    ]
    return "".join(out)


def by_group(data: RunData, page: Page) -> str:
    lived = data.per("group", "people")  # person-days lived per group
    with np.errstate(invalid="ignore", divide="ignore"):
        sanctioned = PER * data.per("group", "sanctioned") / lived
        wrongful = PER * data.per("group", "sanctioned_wrongful") / lived
    sanctioned, wrongful = np.nan_to_num(sanctioned), np.nan_to_num(wrongful)
    hi, lo = int(np.argmax(sanctioned)), int(np.argmin(sanctioned))
    out = (
        []
        if not sanctioned.any()
        else [
            f"<p>Per {num(PER)} people on an average day, <b>{h(words(data.groups[hi]))}</b> had "
            f"{amount(sanctioned[hi])} under a sanction ({amount(wrongful[hi])} wrongly) and "
            f"{h(words(data.groups[lo]))} {amount(sanctioned[lo])} ({amount(wrongful[lo])} "
            "wrongly).</p>",
            page.chart(
                charts.rightful_wrongful_bars(
                    f"Sanctioned people per {num(PER)} by group, on an average day",
                    data.groups,
                    sanctioned - wrongful,
                    wrongful,
                    f"per {num(PER)} people",
                )
            ),
        ]
    )
    perks = [c["name"] for c in data.scenario.get("consequences", []) if c["kind"] == "perk"]
    if not perks:
        out.append("<p>This scenario declares no perks.</p>")
        return "".join(out)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = {p: np.nan_to_num(100 * data.per("group", f"perk__{p}") / lived) for p in perks}
    overall = {
        p: data.summary["perks"][p]["person_days"] / data.summary["person_days"] for p in perks
    }
    out.append(
        "<p>Perks (rewards for a good standing) on an average day: "
        + join_words([f"{h(words(p))} {pct(overall[p])} of people" for p in perks])
        + ".</p>"
    )
    out.append(
        page.chart(
            charts.grouped_bars(
                "Perks: % of each group holding it on an average day",
                data.groups,
                shares,
                "% of the group",
                fmt=".2f",
            )
        )
    )
    return "".join(out)


IMPACT_RULE = (
    f"The ratio compares a group's rate of being under a sanction with the rate of the "
    f"least affected group (1.00). Ratios outside {FOUR_FIFTHS[0]}-{FOUR_FIFTHS[1]} (the US "
    'four-fifths rule of thumb for adverse impact) are flagged <span class="flag">'
    "&#9873;</span>. "
)


def impact_verdict(sanctions: dict[str, Any]) -> str:
    """How many sanctions have a flagged ratio, and which (HTML, one or two sentences)."""
    flagged = [n for n, x in sanctions.items() if x["disparate_impact_flagged"]]
    if flagged:
        return (
            f"{len(flagged)} of {len(sanctions)} sanctions "
            f"{'is' if len(flagged) == 1 else 'are'} flagged: "
            f"{h(join_words([words(n) for n in flagged]))}."
        )
    return f"None of the {len(sanctions)} sanctions is flagged."


def impact_na_note(sanctions: dict[str, Any]) -> str:
    if any(r is None for x in sanctions.values() for r in x["disparate_impact"].values()):
        return (
            '<p class="note">n/a: the least affected group was never under that sanction (or '
            "no one was), so the ratio is undefined.</p>"
        )
    return ""


def impact_grid(sanctions: dict[str, Any], groups: list[str]) -> str:
    """One row per sanction, one column per group: the ratios, flagged outside the band."""
    rows = []
    for name, x in sanctions.items():
        cells = [h(words(name))]
        for g in groups:
            r = x["disparate_impact"].get(g)
            out_of_band = r is not None and not FOUR_FIFTHS[0] <= r <= FOUR_FIFTHS[1]
            cells.append(
                f'<span class="flag">{ratio(r)} &#9873;</span>' if out_of_band else ratio(r)
            )
        rows.append(cells)
    header = ["sanction", *[words(g) for g in groups]]
    numeric = range(1, len(groups) + 1)
    body = table(header, rows, numeric=numeric, raw=True)
    return f'<div class="scroll">{body}</div>'


def impact_table(sanctions: dict[str, Any], groups: list[str]) -> str:
    text = f"<p>{IMPACT_RULE}{impact_verdict(sanctions)}</p>" + impact_na_note(sanctions)
    return text + impact_grid(sanctions, groups)


def render(data: RunData, page: Page) -> str:
    sanctions = data.summary["sanctions"]
    parts = ["<h3>By kind</h3>", by_kind(data, page), "<h3>By group</h3>", by_group(data, page)]
    if sanctions:
        parts += ["<h3>Disparate impact</h3>", impact_table(sanctions, data.groups)]
    return "".join(parts)
