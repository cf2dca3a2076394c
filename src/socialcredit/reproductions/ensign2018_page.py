"""reproduction.html for Ensign et al. 2018: each Oakland plot redrawn from the numbers read off
it ("theirs"), beside our runs of the same urn ("ours": mean and the 90% interval of runs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialcredit.report.build import write_atomic
from socialcredit.report.charts import PALETTE, series
from socialcredit.report.page import Chart, Page, Section
from socialcredit.reproductions import ensign2018 as model
from socialcredit.reproductions.page import layout, render
from socialcredit.reproductions.result import Row
from socialcredit.version import __version__

UNCORRECTED = PALETTE[5]  # vermillion: the runaway
CORRECTED = PALETTE[0]  # blue
FAIR = PALETTE[2]  # green, as the paper's reference line
BAND = {False: "rgba(213,94,0,0.15)", True: "rgba(0,114,178,0.15)"}


@dataclass(frozen=True)
class Pair:
    """One Oakland setting: their plot redrawn, ours beside it, and a table of both by day."""

    setting: model.Setting
    theirs: Chart
    ours: Chart
    days: list[tuple[int, float, float, float, float]]  # day, theirs/ours uncorrected, corrected


def _reference(setting: model.Setting, days: int) -> list[dict[str, Any]]:
    """The paper's two dashed lines: the true proportion (green) and the runaway to one region
    (red; src/main.py probplot draws the roots of the urn's quadratic, 0 and 1 here)."""
    return [
        {"x": [0, days], "y": [setting.fair_share] * 2, "mode": "lines",
         "name": f"true proportion {setting.fair_share:.3f}",
         "line": {"color": FAIR, "dash": "dash", "width": 1.5}, "hoverinfo": "skip"},
        {"x": [0, days], "y": [1, 1], "mode": "lines", "name": "all patrols to one region",
         "line": {"color": "#b3261e", "dash": "dash", "width": 1}, "hoverinfo": "skip"},
    ]  # fmt: skip


def _theirs(setting: model.Setting, *, markers_only: bool) -> list[dict[str, Any]]:
    out = []
    for corrected in (False, True):
        colour = CORRECTED if corrected else UNCORRECTED
        label = "corrected" if corrected else "uncorrected"
        out.append({
            "x": list(model.THEIR_DAYS), "y": list(model.THEIRS[(setting.key, corrected)]),
            "mode": "markers" if markers_only else "lines+markers",
            "name": f"theirs, {label}",
            "marker": {"color": colour, "symbol": "circle-open", "size": 8},
            "line": {"color": colour, "width": 2},
            "hovertemplate": "day %{x}: %{y:.3f}",
        })  # fmt: skip
    return out


def _ours(curves: list[model.Curve]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for c in curves:
        colour = CORRECTED if c.corrected else UNCORRECTED
        x = list(range(len(c.mean)))
        out += [
            {"x": x, "y": series(c.low), "mode": "lines", "showlegend": False,
             "line": {"width": 0, "color": BAND[c.corrected]}, "hoverinfo": "skip"},
            {"x": x, "y": series(c.high), "mode": "lines", "fill": "tonexty",
             "fillcolor": BAND[c.corrected], "name": f"ours, {c.label}: 90% of runs",
             "line": {"width": 0, "color": BAND[c.corrected]}, "hoverinfo": "skip"},
            {"x": x, "y": series(c.mean), "mode": "lines", "name": f"ours, {c.label}: mean",
             "line": {"color": colour, "width": 2}, "hovertemplate": "day %{x}: %{y:.3f}"},
        ]  # fmt: skip
    return out


def _layout(title: str, setting: model.Setting) -> dict[str, Any]:
    return layout(
        title, height=400,
        xaxis={"title": {"text": "day"}, "range": [0, model.DAYS]},
        yaxis={"title": {"text": f"share of patrols sent to {setting.regions[0]}"},
               "range": [0, 1.02], "rangemode": "normal"},
    )  # fmt: skip


def _pair(page: Page, setting: model.Setting, curves: list[model.Curve]) -> Pair:
    name = f"{setting.regions[0]} vs {setting.regions[1]}"
    theirs = page.chart(
        {
            "data": _reference(setting, model.DAYS) + _theirs(setting, markers_only=False),
            "layout": _layout(f"Theirs: {name} (read off their plot)", setting),
        }
    )
    ours = page.chart(
        {
            "data": _reference(setting, model.DAYS)
            + _ours(curves)
            + _theirs(setting, markers_only=True),
            "layout": _layout(f"Ours: {name}, {curves[0].runs:,} runs", setting),
        }
    )
    by = {c.corrected: c for c in curves}
    their = model.THEIRS
    days = [
        (d, their[(setting.key, False)][i], float(by[False].plotted[d]),
         their[(setting.key, True)][i], float(by[True].plotted[d]))
        for i, d in enumerate(model.THEIR_DAYS)
    ]  # fmt: skip
    return Pair(setting, theirs, ours, days)


def build(curves: list[model.Curve], rows: list[Row], seed: int) -> str:
    page = Page()
    sections = []
    for s in model.SETTINGS:
        pair = _pair(page, s, [c for c in curves if c.setting == s])
        sections.append(Section(s.key, f"{s.regions[0]} vs {s.regions[1]}",
                                "ensign2018/pair.html.j2", pair))  # fmt: skip
    sections.append(Section("numbers", "The compared numbers", "rows.html.j2", rows))
    about = {
        "settings": model.SETTINGS,
        "decay": model.DECAY,
        "code": model.CODE,
        "days": model.DAYS,
        "runs": model.RUNS,
    }
    sections.append(Section("model", "The model and its sources", "ensign2018/model.html.j2",
                            about))  # fmt: skip
    return render(
        page, sections, title="Ensign et al. 2018 reproduced", paper=model.PAPER,
        figure=model.FIGURE, runs=curves[0].runs, days=model.DAYS, seed=seed,
        version=__version__,
    )  # fmt: skip


def write_page(path: Path, curves: list[model.Curve], rows: list[Row], *, seed: int) -> Path:
    write_atomic(path, build(curves, rows, seed), fix="choose another --out")
    return path
