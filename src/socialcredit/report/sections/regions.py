"""Regions side by side, and the appeals process."""

from __future__ import annotations

import numpy as np

from socialcredit.report import charts
from socialcredit.report.data import RunData
from socialcredit.report.fmt import amount, capital, dec, h, num, pct, table, words
from socialcredit.report.page import Page

PER = 100_000


def regions(data: RunData, page: Page) -> str:
    lived = data.per("region", "people")
    residents = lived / data.days
    with np.errstate(invalid="ignore", divide="ignore"):
        sanctioned = np.nan_to_num(PER * data.per("region", "sanctioned") / lived)
        wrongful = np.nan_to_num(PER * data.per("region", "sanctioned_wrongful") / lived)
    spec = {r["name"]: r for r in data.scenario["population"]["regions"]}
    rows = [
        [
            words(name),
            num(residents[i]),
            f"{spec[name].get('cameras_per_1000', 0.0):,.4g}",
            amount(sanctioned[i]),
            amount(wrongful[i]),
            pct(wrongful[i] / sanctioned[i]) if sanctioned[i] else "n/a",
        ]
        for i, name in enumerate(data.regions)
    ]
    table_html = table(
        [
            "region",
            "people",
            "cameras per 1,000",
            f"sanctioned per {num(PER)}",
            f"wrongly per {num(PER)}",
            "wrongful share",
        ],
        rows,
        numeric=(1, 2, 3, 4, 5),
    )
    if len(data.regions) == 1:
        return (
            f"<p>This scenario has a single region ({h(words(data.regions[0]))}): "
            f"{amount(sanctioned[0])} people per {num(PER)} under a sanction on an average day, "
            f"{amount(wrongful[0])} of them wrongly.</p>" + table_html
        )
    if not sanctioned.any():
        return "<p>No one was under a sanction in any region.</p>" + table_html
    hi = int(np.argmax(sanctioned))
    watched = any(spec[r].get("cameras_per_1000") for r in data.regions)
    out = [
        "<p>"
        + (
            "Regions differ in how closely they are watched (cameras per 1,000 people). "
            if watched
            else ""
        )
        + f"<b>{h(capital(words(data.regions[hi])))}</b> had the most people under a sanction: "
        f"{amount(sanctioned[hi])} per {num(PER)} on an average day, {amount(wrongful[hi])} of "
        "them wrongly.</p>",
        page.chart(
            charts.grouped_bars(
                f"Sanctioned people per {num(PER)} by region, on an average day",
                data.regions,
                {"sanctioned": sanctioned, "of them wrongly": wrongful},
                f"per {num(PER)} people",
                colours=[charts.RIGHTFUL, charts.WRONGFUL],
            )
        ),
        table_html,
    ]
    return "".join(out)


def appeals(data: RunData, page: Page) -> str:
    a = data.summary["appeals"]
    spec = data.scenario.get("appeals", {})
    if not a["filed"]:
        if not spec.get("capacity_per_100k_per_day"):
            return "<p>This scenario gives people no way to appeal.</p>"
        return "<p>No appeals were filed.</p>"
    won_share = pct(a["won"] / a["decided"]) if a["decided"] else "n/a"
    out = [
        f"<p>People filed <b>{num(a['filed'])}</b> appeals against new list entries; "
        f"{num(a['decided'])} were decided and <b>{num(a['won'])}</b> won ({won_share} of those "
        f"decided). {num(a['pending_at_end'])} were still waiting at the end. Appeals are decided "
        f"after {num(spec.get('delay_days', 0))} days, up to "
        f"{dec(spec.get('capacity_per_100k_per_day', 0), 1)} a day per {num(PER)} people.</p>",
        page.chart(
            charts.appeals_over_time(
                np.arange(data.days),
                data.per_day("appeals_filed"),
                data.per_day("appeals_decided"),
                data.per_day("appeals_won"),
            )
        ),
    ]
    return "".join(out)


def render(data: RunData, page: Page) -> str:
    return "<h3>Regions</h3>" + regions(data, page) + "<h3>Appeals</h3>" + appeals(data, page)
