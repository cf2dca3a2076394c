"""Score distribution and tier shares over time."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from socialcredit.metrics.layout import SCORE_STATS
from socialcredit.report import charts
from socialcredit.report.data import RunData
from socialcredit.report.page import Chart, Page

TEMPLATE = "report/scores.html.j2"


@dataclass(frozen=True)
class Scores:
    start: float  # the score everyone starts at
    low: float  # the scale's ends
    high: float
    last_day: int
    mean: tuple[float, float]  # (day 0, last day)
    median: tuple[float, float]
    p10: float  # on the last day
    p90: float
    shadow_mean: float  # from true records alone, on the last day
    error_effect: float  # mean minus shadow mean on the last day
    score_chart: Chart | None  # None where the regime keeps no score (below)
    tiers: list[str]  # best first
    held: list[tuple[str, float]]  # (tier, share of people) on the last day, where held
    tiers_chart: Chart | None

    @property
    def kept(self) -> bool:
        """Whether the regime keeps a score at all: a scale of one value (a list-only regime,
        such as the court list) has nothing to chart."""
        return self.low < self.high


def build(data: RunData, page: Page) -> Scores:
    days = data.timeline()
    stats = {name: data.weighted_per_day(name) for name in SCORE_STATS}
    score = data.scenario["regime"]["score"]
    tiers = [t["name"] for t in data.scenario["regime"]["tiers"]]
    people = data.per_day("people")
    shares = np.array([data.per_day(f"tier__{t}") / np.maximum(people, 1) for t in tiers])
    last = data.days - 1
    mean, shadow = stats["score_mean"], stats["shadow_mean"]
    kept = score["min"] < score["max"]
    score_chart = page.chart(charts.score_over_time(days, stats)) if kept else None
    return Scores(
        start=score["start"],
        low=score["min"],
        high=score["max"],
        last_day=last,
        mean=(mean[0], mean[last]),
        median=(stats["score_p50"][0], stats["score_p50"][last]),
        p10=stats["score_p10"][last],
        p90=stats["score_p90"][last],
        shadow_mean=shadow[last],
        error_effect=mean[last] - shadow[last],
        score_chart=score_chart,
        tiers=tiers,
        held=[(t, shares[i, last]) for i, t in enumerate(tiers) if shares[i, last] > 0],
        tiers_chart=page.chart(charts.tiers_over_time(days, tiers, shares)) if kept else None,
    )
