"""reproduction.html for D'Amour et al. 2020: each lending figure redrawn from the numbers read
off the paper's own vector paths ("theirs"), beside our runs of the same environment ("ours":
the mean and the 90% interval of runs)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from socialcredit.report.build import write_atomic
from socialcredit.report.charts import PALETTE, series
from socialcredit.report.page import Chart, Page, Section, plotly_js
from socialcredit.reproductions import damour2020 as model
from socialcredit.reproductions.page import environment, layout
from socialcredit.reproductions.result import Row
from socialcredit.version import __version__

# Their colours: group 1 blue, group 2 green; max-util solid, EO dashed (lending_plots.py).
COLOUR = (PALETTE[0], PALETTE[2])
BAND = ("rgba(0,114,178,0.12)", "rgba(0,158,115,0.12)")
DASH = {"max-util": "solid", "eo": "dash"}
STATIC, DYNAMIC = PALETTE[4], PALETTE[5]


@dataclass(frozen=True)
class Pair:
    """One figure: what it shows and where theirs was read, theirs redrawn, ours beside it."""

    note: str
    theirs: Chart
    ours: Chart


def _name(agent: str, g: int) -> str:
    return f"{model.GROUP_NAMES[g].capitalize()}, {model.AGENT_NAMES[agent]}"


def _their_lines(table: dict[tuple[str, int], tuple[float, ...]], markers_only: bool,
                 ) -> list[dict[str, Any]]:  # fmt: skip
    return [
        {"x": list(model.THEIR_STEPS), "y": list(table[(a, g)]),
         "mode": "markers" if markers_only else "lines+markers",
         "name": f"theirs: {_name(a, g)}",
         "marker": {"color": COLOUR[g], "symbol": "circle-open", "size": 8},
         "line": {"color": COLOUR[g], "dash": DASH[a], "width": 2}}
        for a in ("max-util", "eo") for g in range(model.GROUPS)
    ]  # fmt: skip


def _our_lines(runs: tuple[model.Run, ...], field: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for run in runs:
        values = getattr(run, field)
        for g in range(model.GROUPS):
            x = run.steps.tolist()
            low, high = np.percentile(values[:, :, g], model.PCT, axis=1)
            out += [
                {"x": x, "y": series(low), "mode": "lines", "showlegend": False,
                 "line": {"width": 0, "color": BAND[g]}, "hoverinfo": "skip"},
                {"x": x, "y": series(high), "mode": "lines", "fill": "tonexty",
                 "fillcolor": BAND[g], "showlegend": False,
                 "line": {"width": 0, "color": BAND[g]}, "hoverinfo": "skip"},
                {"x": x, "y": series(values[:, :, g].mean(axis=1)), "mode": "lines",
                 "name": f"ours: {_name(run.agent, g)} (mean, 90% of runs)",
                 "line": {"color": COLOUR[g], "dash": DASH[run.agent], "width": 2}},
            ]  # fmt: skip
    return out


def _over_steps(page: Page, r: model.Runs, field: str, table: dict[tuple[str, int],
                tuple[float, ...]], title: str, y: str, note: str) -> Pair:  # fmt: skip
    steps = int(r.max_util.steps[-1])
    lay = {"xaxis": {"title": {"text": "step"}, "range": [0, steps]},
           "yaxis": {"title": {"text": y}}}  # fmt: skip
    theirs = page.chart({"data": _their_lines(table, markers_only=False),
                         "layout": layout(f"Theirs: {title} (one run, seed 200)", height=420,
                                          **lay)})  # fmt: skip
    ours = page.chart({"data": _our_lines(r.lending, field)
                       + _their_lines(table, markers_only=True),
                       "layout": layout(f"Ours: {title}, {r.eo.runs} runs", height=420,
                                        **lay)})  # fmt: skip
    return Pair(note, theirs, ours)


def _final(page: Page, r: model.Runs) -> Pair:
    x = list(range(model.CLUSTERS))
    lay = {"xaxis": {"title": {"text": "credit cluster"}, "dtick": 1},
           "yaxis": {"title": {"text": "share of the group"}, "range": [0, 1]}}  # fmt: skip
    theirs = [
        {"x": x, "y": list(model.THEIR_FINAL[(a, g)]), "mode": "lines+markers",
         "name": f"theirs: {_name(a, g)}",
         "line": {"color": COLOUR[g], "dash": DASH[a], "width": 2}}
        for a in ("max-util", "eo") for g in range(model.GROUPS)
    ]  # fmt: skip
    ours = []
    for run in r.lending:
        share = run.counts / run.counts.sum(axis=-1, keepdims=True)
        for g in range(model.GROUPS):
            low, high = np.percentile(share[:, g], model.PCT, axis=0)
            mean = share[:, g].mean(axis=0)
            ours.append({
                "x": x, "y": series(mean), "mode": "lines+markers",
                "name": f"ours: {_name(run.agent, g)} (mean, 90% of runs)",
                "error_y": {"type": "data", "symmetric": False, "array": series(high - mean),
                            "arrayminus": series(mean - low), "color": COLOUR[g]},
                "line": {"color": COLOUR[g], "dash": DASH[run.agent], "width": 2},
            })  # fmt: skip
    steps = int(r.max_util.steps[-1])
    return Pair(
        f"Each group's share of people per credit cluster after {steps:,} steps. Under max-util "
        "the lent-to clusters (3-6) drain into cluster 2, where nobody is lent to again; under "
        "EO group 2 is pushed lower still.",
        page.chart({"data": theirs, "layout": layout("Theirs: Fig. 2, final clusters (one run)",
                                                      height=420, **lay)}),
        page.chart({"data": ours, "layout": layout(f"Ours: final clusters, {r.eo.runs} runs",
                                                    height=420, **lay)}),
    )  # fmt: skip


def _gap(page: Page, r: model.Runs) -> Pair:
    lay = {"xaxis": {"title": {"text": "step"}, "type": "log"},
           "yaxis": {"title": {"text": "TPR gap"}, "type": "log"}}  # fmt: skip
    theirs, ours = [], []
    for dynamic in (False, True):
        colour = DYNAMIC if dynamic else STATIC
        label = "dynamic" if dynamic else "static"
        theirs.append(
            {
                "x": list(model.THEIR_GAP_STEPS),
                "y": list(model.THEIR_GAP[dynamic]),
                "mode": "lines+markers",
                "name": f"theirs: {label}",
                "line": {"color": colour, "dash": "solid" if dynamic else "dash"},
            }
        )
        run = r.eo if dynamic else r.eo_static
        keep = run.steps > 0
        ours.append(
            {
                "x": run.steps[keep].tolist(),
                "y": series(model._nanmean(model.gap(run))[keep]),
                "mode": "lines",
                "name": f"ours: {label} (mean of {run.runs} runs)",
                "line": {"color": colour, "dash": "solid" if dynamic else "dash"},
            }
        )
    return Pair(
        "The EO agent's cumulative true-positive-rate gap |TPR<sub>1</sub> - TPR<sub>2</sub>|, "
        "aggregated from the start (loans to would-be repayers / would-be repayers who "
        "applied), averaged over runs. Equal TPR every step does not give equal TPR in "
        "aggregate when the population moves (Simpson's paradox): the dynamic gap stays above "
        "the static one, which shrinks as sampling noise alone.",
        page.chart({"data": theirs, "layout": layout("Theirs: Fig. 5 (mean of 100 runs)",
                                                      height=420, **lay)}),
        page.chart({"data": ours + [dict(t, mode="markers", name=t["name"]) for t in theirs],
                    "layout": layout("Ours: cumulative TPR gap", height=420, **lay)}),
    )  # fmt: skip


def _permissive(page: Page, r: model.Runs) -> Pair:
    x = list(range(model.CLUSTERS))
    exact = model.stationary()
    share = r.permissive.counts / r.permissive.counts.sum(axis=-1, keepdims=True)
    flat = share.reshape(-1, model.CLUSTERS)
    low, high = np.percentile(flat, model.PCT, axis=0)
    mean = flat.mean(axis=0)
    lay = {
        "xaxis": {"title": {"text": "credit cluster"}, "dtick": 1},
        "yaxis": {"title": {"text": "share of the population"}, "range": [0, 0.7]},
    }
    ref = {"x": x, "y": series(exact), "mode": "lines+markers", "name": "stationary vector",
           "line": {"color": PALETTE[7], "dash": "dash"}}  # fmt: skip
    steps = int(r.permissive.steps[-1])
    return Pair(
        "Lending to everyone: each person's credit is a Markov chain, and the population "
        "settles at the chain's stationary vector whatever the start (the paper's \"bathtub\"). "
        "Theirs is the eigenvector their code plots (experiments/lending_plots.py); ours is "
        f"where both groups are after {steps:,} steps of the simulation.",
        page.chart({"data": [ref], "layout": layout("Theirs: Fig. 10 (left), the eigenvector",
                                                     height=400, **lay)}),
        page.chart({"data": [ref, {
            "x": x, "y": series(mean), "mode": "lines+markers",
            "name": f"ours: {r.permissive.runs * model.GROUPS} groups (mean, 90%)",
            "error_y": {"type": "data", "symmetric": False, "array": series(high - mean),
                        "arrayminus": series(mean - low)},
            "line": {"color": PALETTE[5]}}],
            "layout": layout(f"Ours: permissive lending after {steps:,} steps", height=400,
                             **lay)}),
    )  # fmt: skip


def build(r: model.Runs, rows: list[Row]) -> str:
    page = Page()
    source = f"read from the vector paths of the paper's figure ({model.PDF})"
    pairs = [
        ("credit", "Fig. 4 (bottom): population credit", _over_steps(
            page, r, "credit", model.THEIR_CREDIT, "mean P(repay) per group", "P(will repay)",
            "Each group's mean probability of repaying (the paper's \"population credit\"). "
            "Both groups' credit falls under max-util; EO lowers group 2's further and widens "
            f"the gap. Theirs: {source}.")),
        ("loans", "Fig. 4 (top): cumulative loans", _over_steps(
            page, r, "loans", model.THEIR_LOANS, "cumulative loans per group", "loans",
            f"EO lends more to group 2 than max-util does. Theirs: {source}.")),
        ("final", "Fig. 2: final credit clusters", _final(page, r)),
        ("gap", "Fig. 5: the aggregate TPR gap", _gap(page, r)),
        ("permissive", "Fig. 10 (left): permissive steady state", _permissive(page, r)),
    ]  # fmt: skip
    sections = [Section(key, heading, "damour2020/pair.html.j2", pair)
                for key, heading, pair in pairs]  # fmt: skip
    sections.append(Section("numbers", "The compared numbers", "damour2020/rows.html.j2", rows))
    about = {
        "code": model.CODE,
        "pdf": model.PDF,
        "pool": model.POOL,
        "steps": model.STEPS,
        "runs": model.RUNS,
        "cash": model.BANK_CASH,
        "success": model.SUCCESS.tolist(),
        "initial": model.INITIAL.tolist(),
        "permissive_steps": model.PERMISSIVE_STEPS,
    }
    sections.append(Section("model", "The model and its sources", "damour2020/model.html.j2",
                            about))  # fmt: skip
    # The shared page with its subtitle in steps (render() takes reproduction.html.j2 as is).
    return environment().get_template("damour2020/reproduction.html.j2").render(
        sections=sections, nav=[(s.anchor, s.heading) for s in sections],
        figures=page.figures_json(), plotly_js=plotly_js(),
        title="D'Amour et al. 2020 reproduced", paper=model.PAPER, figure=model.FIGURE,
        runs=r.eo.runs, days=int(r.eo.steps[-1]), seed=r.seed, version=__version__,
    )  # fmt: skip


def write_page(path: Path, r: model.Runs, rows: list[Row]) -> Path:
    write_atomic(path, build(r, rows), fix="choose another --out")
    return path
