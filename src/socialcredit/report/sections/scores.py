"""Score distribution and tier shares over time."""

from __future__ import annotations

import numpy as np

from socialcredit.metrics.layout import SCORE_STATS
from socialcredit.report import charts
from socialcredit.report.data import RunData
from socialcredit.report.fmt import dec, h, join_words, pct
from socialcredit.report.page import Page


def moved_by_errors(diff: float) -> str:
    if abs(diff) < 0.005:
        return "data errors moved the average by less than 0.01 points"
    way = "lowered" if diff < 0 else "raised"
    return f"data errors {way} the average by {dec(abs(diff), 2)} points"


def render(data: RunData, page: Page) -> str:
    days = np.arange(data.days)
    stats = {name: data.weighted_per_day(name) for name in SCORE_STATS}
    score = data.scenario["regime"]["score"]
    tiers = [t["name"] for t in data.scenario["regime"]["tiers"]]
    people = data.per_day("people")
    shares = np.array([data.per_day(f"tier__{t}") / np.maximum(people, 1) for t in tiers])
    last = data.days - 1
    mean, shadow = stats["score_mean"], stats["shadow_mean"]
    out = [
        f"<p>Everyone starts at {dec(score['start'], 0)} points (the scale runs from "
        f"{dec(score['min'], 0)} to {dec(score['max'], 0)}). The average score went from "
        f"{dec(mean[0])} on day 0 to <b>{dec(mean[last])}</b> on day {last}; the median from "
        f"{dec(stats['score_p50'][0])} to {dec(stats['score_p50'][last])}. On the last day one "
        f"person in ten scored below {dec(stats['score_p10'][last])} and one in ten above "
        f"{dec(stats['score_p90'][last])}.</p>",
        f"<p>From their true records alone the average person would have scored "
        f"{dec(shadow[last])} on the last day: {moved_by_errors(mean[last] - shadow[last])}.</p>",
        page.chart(charts.score_over_time(days, stats)),
    ]
    held = [f"{pct(shares[i, last])} in {h(t)}" for i, t in enumerate(tiers) if shares[i, last] > 0]
    out.append(
        f"<p>Tiers, best first: {h(', '.join(tiers))}. On the last day {join_words(held)}.</p>"
    )
    out.append(page.chart(charts.tiers_over_time(days, tiers, shares)))
    out.append(
        '<p class="note">Percentile lines are the people-weighted average of the percentiles '
        "within each region and group, close to but not exactly the population's "
        "percentiles.</p>"
    )
    return "".join(out)
