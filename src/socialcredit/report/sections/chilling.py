"""Chilling: lawful acts the regime disfavours, day by day, against their day-0 rate."""

from __future__ import annotations

import numpy as np

from socialcredit.report import charts
from socialcredit.report.data import RunData
from socialcredit.report.fmt import amount, change, h, join_words, num, words
from socialcredit.report.page import Page

PER = 100_000
WINDOW = 7  # days in the moving average: rare acts are noisy day by day


def trailing_mean(x: np.ndarray, window: int) -> np.ndarray:
    """Mean of the last ``window`` days (fewer at the start), so day 0 stays day 0."""
    c = np.cumsum(np.insert(x, 0, 0.0))
    n = np.arange(1, len(x) + 1)
    lo = np.maximum(n - window, 0)
    return (c[n] - c[lo]) / (n - lo)


def render(data: RunData, page: Page) -> str:
    names = [
        b["name"]
        for b in data.scenario["behaviours"]
        if b.get("stance") == "disfavoured" and b.get("legitimate")
    ]
    if not names:
        return (
            "<p>This scenario has no behaviour that is lawful yet disfavoured by the regime, so "
            "it cannot chill lawful acts.</p>"
        )
    people = np.maximum(data.per_day("people"), 1)
    panels = {}
    for b in names:
        rate = PER * data.per_day(f"acts__{b}") / people
        panels[b] = (trailing_mean(rate, WINDOW), float(rate[0]))
    chill = data.summary["chilling"]
    out = [
        "<p>The regime punishes some acts that are lawful: "
        f"{h(join_words([words(b) for b in names]))}. When people avoid them for fear of the "
        "score, that is the chilling effect.</p>"
    ]
    if chill.get("rate_day0") is not None:
        moved = (
            "no measurable change"
            if chill.get("change") is None
            else f"a change of {change(chill['change'])}"
        )
        out.append(
            f"<p>{'Together they' if len(names) > 1 else 'It'} happened "
            f"{amount(PER * chill['rate_day0'])} times per {num(PER)} "
            f"people on day 0 and {amount(PER * chill['rate_last_30_days'])} a day over the last "
            f"{min(30, data.days)} days: <b>{moved}</b>.</p>"
        )
    day0 = int(sum(data.per_day(f"acts__{b}")[0] for b in names))
    if 0 < day0 < 400:
        # Poisson noise of a count n is about sqrt(n): 400 acts give a day-0 rate within ~5%.
        out.append(
            f'<p class="note">Day 0 saw only {num(day0)} of these acts, so its rate is uncertain '
            f"by about &plusmn;{100 / day0**0.5:.0f}%; read the change with that in mind.</p>"
        )
    out.append(page.chart(charts.chilling(np.arange(data.days), panels)))
    return "".join(out)
