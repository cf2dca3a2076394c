"""fit.html: how a calibrated scenario matches its targets, offline like report.html.

Built from plain data (``FitPageData``) that the calibration assembles from its best trial's
members, so the page reads nothing but what it is given: each published series over time as the
simulated mean with its 90% band over seeds, the published points on it (holdout points, never
fitted, drawn apart), the fitted parameters, the fit table, and the targets the calibration
could not reach, named with their error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from socialcredit.report.charts import PALETTE, layout, series
from socialcredit.report.page import Page, Section
from socialcredit.version import __version__

FITTED = PALETTE[0]
HOLDOUT = PALETTE[5]


@dataclass(frozen=True)
class FitRowData:
    metric: str
    name: str
    date: str
    published: str  # a value, or "low-high" for a range
    simulated: float
    interval: list[float] | None  # 90% interval of the mean over seeds
    error: float
    holdout: bool
    missed: bool
    source: str


@dataclass(frozen=True)
class FitSeriesData:
    title: str
    dates: list[str]
    mean: list[float]
    low: list[float] | None  # the band; None with one seed
    high: list[float] | None
    points: list[tuple[str, float, float, bool]]  # (date, published low, high, holdout)


@dataclass(frozen=True)
class ParameterData:
    path: str
    value: float
    low: float
    high: float
    log: bool
    at_bound: bool  # within 1% of the range (in its own scale) from an end: widen it?


@dataclass(frozen=True)
class FitPageData:
    scenario: str
    targets: str
    people: int
    seeds: int
    trials: int
    best_trial: int
    loss: float
    miss: float  # the error beyond which a target counts as missed
    parameters: list[ParameterData]
    series: list[FitSeriesData]
    rows: list[FitRowData]


def _figure(s: FitSeriesData) -> dict[str, Any]:
    data: list[dict[str, Any]] = []
    if s.low is not None and s.high is not None:
        data.append({"x": s.dates, "y": series(s.high), "mode": "lines", "line": {"width": 0},
                     "hoverinfo": "skip", "showlegend": False})  # fmt: skip
        data.append({"x": s.dates, "y": series(s.low), "mode": "lines", "line": {"width": 0},
                     "fill": "tonexty", "fillcolor": "rgba(0,114,178,0.2)",
                     "name": "90% interval over seeds"})  # fmt: skip
    data.append({"x": s.dates, "y": series(s.mean), "mode": "lines", "name": "simulated mean",
                 "line": {"color": FITTED}})  # fmt: skip
    for holdout, name, color, symbol in (
        (False, "published (fitted)", "#000", "circle"),
        (True, "holdout (published later, not fitted)", HOLDOUT, "diamond-open"),
    ):
        pts = [p for p in s.points if p[3] == holdout]
        if not pts:
            continue
        mid = [(lo + hi) / 2 for _, lo, hi, _ in pts]
        data.append({
            "x": [p[0] for p in pts], "y": mid, "mode": "markers", "name": name,
            "marker": {"color": color, "symbol": symbol, "size": 9},
            "error_y": {"type": "data", "symmetric": False,
                        "array": [hi - m for (_, _, hi, _), m in zip(pts, mid, strict=True)],
                        "arrayminus": [m - lo for (_, lo, _, _), m in zip(pts, mid, strict=True)]},
        })  # fmt: skip
    return {"data": data, "layout": layout(s.title, height=380)}


def fit_html(d: FitPageData) -> str:
    page = Page()
    charts = [(s.title, page.chart(_figure(s))) for s in d.series]
    missed = [r for r in d.rows if r.missed]
    sections = [
        Section("fit", "How well it fits", "fit/summary.html.j2",
                {"d": d, "missed": missed}),
        Section("series", "Each series over time", "fit/series.html.j2", charts),
        Section("table", "Every target", "fit/table.html.j2", d.rows),
        Section("parameters", "Fitted parameters", "fit/parameters.html.j2", d.parameters),
    ]  # fmt: skip
    return page.render(
        "fit.html.j2",
        sections=sections,
        nav=[(s.anchor, s.heading) for s in sections],
        f=d,
        version=__version__,
    )
