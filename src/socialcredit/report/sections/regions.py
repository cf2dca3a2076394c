"""Regions side by side, and the appeals process."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from socialcredit.metrics.intervals import mean_band
from socialcredit.report import charts
from socialcredit.report.data import RunData
from socialcredit.report.fmt import num
from socialcredit.report.page import Chart, Page

TEMPLATE = "report/regions.html.j2"
PER = 100_000


@dataclass(frozen=True)
class Region:
    name: str
    residents: float  # people living there on an average day
    cameras_per_1000: float
    sanctioned: float  # per PER people on an average day
    wrongly: float


@dataclass(frozen=True)
class Regions:
    rows: list[Region]  # in the scenario's order
    watched: bool  # some region has cameras
    most: Region | None  # the region with the most people under a sanction; None: no one was
    chart: Chart | None


@dataclass(frozen=True)
class Appeals:
    open: bool  # the scenario gives a way to appeal
    filed: int
    decided: int
    won: int
    pending: int
    delay_days: int
    capacity: float  # appeals decided a day per PER people
    chart: Chart | None


@dataclass(frozen=True)
class RegionsAndAppeals:
    regions: Regions
    appeals: Appeals
    per: int = PER


def regions(data: RunData, page: Page) -> Regions:
    lived = data.per("region", "people")
    residents = lived / data.days
    with np.errstate(invalid="ignore", divide="ignore"):
        sanctioned = np.nan_to_num(PER * data.per("region", "sanctioned") / lived)
        wrongful = np.nan_to_num(PER * data.per("region", "sanctioned_wrongful") / lived)
    spec = {r["name"]: r for r in data.scenario["population"]["regions"]}
    rows = [
        Region(
            name=name,
            residents=residents[i],
            cameras_per_1000=spec[name].get("cameras_per_1000", 0.0),
            sanctioned=sanctioned[i],
            wrongly=wrongful[i],
        )
        for i, name in enumerate(data.regions)
    ]
    several = len(rows) > 1 and sanctioned.any()
    chart = None
    if several:
        chart = page.chart(
            charts.grouped_bars(
                f"Sanctioned people per {num(PER)} by region, on an average day",
                data.regions,
                {"sanctioned": sanctioned, "of them wrongly": wrongful},
                f"per {num(PER)} people",
                colours=[charts.RIGHTFUL, charts.WRONGFUL],
            )
        )
    return Regions(
        rows=rows,
        watched=any(spec[r].get("cameras_per_1000") for r in data.regions),
        most=rows[int(np.argmax(sanctioned))] if several else None,
        chart=chart,
    )


def appeals(data: RunData, page: Page) -> Appeals:
    a = data.summary["appeals"]
    spec = data.scenario.get("appeals", {})
    chart = None
    if a["filed"]:
        bands = None
        if data.replicates > 1:  # each cumulative line's 90% interval of the mean, day by day
            filed, decided = (np.cumsum(data.per_day_by_replicate(f"appeals_{k}"), axis=1)
                              for k in ("filed", "decided"))  # fmt: skip
            won = np.cumsum(data.per_day_by_replicate("appeals_won"), axis=1)
            bands = {"filed": mean_band(filed), "decided": mean_band(decided),
                     "won": mean_band(won), "pending": mean_band(filed - decided)}  # fmt: skip
        chart = page.chart(
            charts.appeals_over_time(
                data.timeline(),
                data.per_day("appeals_filed"),
                data.per_day("appeals_decided"),
                data.per_day("appeals_won"),
                bands=bands,
            )
        )
    return Appeals(
        open=bool(spec.get("capacity_per_100k_per_day")),
        filed=a["filed"],
        decided=a["decided"],
        won=a["won"],
        pending=a["pending_at_end"],
        delay_days=spec.get("delay_days", 0),
        capacity=spec.get("capacity_per_100k_per_day", 0),
        chart=chart,
    )


def build(data: RunData, page: Page) -> RegionsAndAppeals:
    return RegionsAndAppeals(regions=regions(data, page), appeals=appeals(data, page))
