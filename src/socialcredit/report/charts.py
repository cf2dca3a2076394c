"""Chart specifications as plain Plotly JSON (``{"data": [...], "layout": {...}}``).

The page hands these to plotly.js (``Plotly.newPlot``), embedded once. Building plain dicts
instead of ``plotly.graph_objects`` figures keeps the report fast: no figure validation, no
per-figure copy of the library. Every series is already aggregated to one point per day or per
category, so the JSON stays small at any population size.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from socialcredit.report.fmt import words

Figure = dict[str, Any]

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000"]
RIGHTFUL = "#7b8794"
WRONGFUL = "#d1495b"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"


def series(values: Iterable[float], digits: int = 5) -> list[float | None]:
    """Floats rounded to a few significant digits (smaller page), NaN as null."""
    out: list[float | None] = []
    for v in values:
        f = float(v)
        if math.isnan(f):
            out.append(None)
        elif f == 0:
            out.append(0.0)
        else:
            out.append(round(f, digits - 1 - int(math.floor(math.log10(abs(f))))))
    return out


def layout(title: str, *, height: int = 360, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": {
            "text": title,
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 12},
            "font": {"size": 15},
        },
        "height": height,
        "margin": {"l": 60, "r": 20, "t": 90, "b": 50},
        "font": {"family": FONT, "size": 12, "color": "#222"},
        # Title at the very top, legend in a row under it: neither can cover the axes.
        "legend": {
            "orientation": "h",
            "x": 0,
            "y": 1.0,
            "yanchor": "bottom",
            "traceorder": "normal",
        },
        "paper_bgcolor": "#fff",
        "plot_bgcolor": "#fff",
        "xaxis": {"gridcolor": "#eee", "zeroline": False},
        "yaxis": {"gridcolor": "#eee", "zeroline": False, "rangemode": "tozero"},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = base[key] | value
        else:
            base[key] = value
    return base


def time_axis(days: np.ndarray) -> str:
    """The title of a time axis: calendar dates (ISO text, which plotly shows as dates) or
    day numbers."""
    return "date" if days.dtype.kind == "U" else "day"


def gradient(n: int) -> list[str]:
    """Green (best tier) to red (worst), one colour per tier."""
    stops = np.array([[26, 152, 80], [254, 224, 139], [215, 48, 39]], dtype=float)
    out = []
    for i in range(n):
        t = i / max(n - 1, 1) * 2
        lo = min(int(t), 1)
        rgb = stops[lo] + (stops[lo + 1] - stops[lo]) * (t - lo)
        out.append("#" + "".join(f"{int(round(c)):02x}" for c in rgb))
    return out


def score_over_time(days: np.ndarray, stats: dict[str, np.ndarray]) -> Figure:
    x = days.tolist()
    band = "rgba(0,114,178,0.15)"
    data = [
        {
            "x": x,
            "y": series(stats["score_p10"]),
            "name": "10th percentile",
            "showlegend": False,
            "mode": "lines",
            "line": {"width": 0, "color": band},
            "hovertemplate": "%{y:,.0f}",
        },
        {
            "x": x,
            "y": series(stats["score_p90"]),
            "name": "10th to 90th percentile",
            "mode": "lines",
            "fill": "tonexty",
            "fillcolor": band,
            "line": {"width": 0, "color": band},
            "hovertemplate": "%{y:,.0f}",
        },
        {
            "x": x,
            "y": series(stats["score_p50"]),
            "name": "median",
            "mode": "lines",
            "line": {"color": PALETTE[0], "width": 2},
            "hovertemplate": "%{y:,.0f}",
        },
        {
            "x": x,
            "y": series(stats["score_mean"]),
            "name": "mean",
            "mode": "lines",
            "line": {"color": PALETTE[5], "width": 2},
            "hovertemplate": "%{y:,.1f}",
        },
        {
            "x": x,
            "y": series(stats["shadow_mean"]),
            "name": "mean from true records alone",
            "mode": "lines",
            "line": {"color": "#444", "width": 1.5, "dash": "dot"},
            "hovertemplate": "%{y:,.1f}",
        },
    ]
    return {
        "data": data,
        "layout": layout(
            "Score over time (all people)",
            hovermode="x unified",
            xaxis={"title": {"text": time_axis(days)}},
            yaxis={"title": {"text": "score"}, "rangemode": "normal"},
        ),
    }


def tiers_over_time(days: np.ndarray, tiers: Sequence[str], shares: np.ndarray) -> Figure:
    colours = gradient(len(tiers))
    data = [
        {
            "x": days.tolist(),
            "y": series(100 * shares[i]),
            "name": t,
            "stackgroup": "tiers",
            "mode": "lines",
            "line": {"width": 0.5, "color": colours[i]},
            "fillcolor": colours[i],
            "hovertemplate": "%{y:.3g}%",
        }
        for i, t in enumerate(tiers)
    ]
    low = tier_axis_floor(shares)
    title = "Share of people in each tier (best tier at the bottom"
    title += f"; the axis starts at {low:g}% so the small tiers show)" if low else ")"
    return {
        "data": data,
        "layout": layout(
            title,
            hovermode="x unified",
            xaxis={"title": {"text": time_axis(days)}},
            yaxis={"title": {"text": "% of people"}, "range": [low, 100]},
        ),
    }


def tier_axis_floor(shares: np.ndarray) -> float:
    """Where the tier chart's y axis starts, in %.

    When one tier holds over 90% of people throughout, a 0-100% axis shows one block of colour;
    starting the axis just below that tier's top edge keeps the small tiers above it visible.
    """
    if shares.size == 0:
        return 0.0
    dominant = int(np.argmax(shares.min(axis=1)))
    if shares[dominant].min() < 0.9:
        return 0.0
    top_edge = 100 * shares[: dominant + 1].sum(axis=0).min()
    rest = max(100 - top_edge, 0.5)
    return max(0.0, math.floor(2 * (top_edge - rest)) / 2)


def rightful_wrongful_bars(
    title: str,
    names: Sequence[str],
    rightful: Sequence[float],
    wrongful: Sequence[float],
    unit: str,
    *,
    legend: tuple[str, str] = ("rightful", "wrongful"),
) -> Figure:
    """Horizontal stacked bars, one per category: rightful (grey) plus wrongful (red)."""
    labels = [words(n) for n in names]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": labels,
            "x": series(values),
            "name": name,
            "marker": {"color": colour},
            "hovertemplate": f"%{{x:,.1f}} {name}<extra></extra>",
        }
        for values, name, colour in (
            (rightful, legend[0], RIGHTFUL),
            (wrongful, legend[1], WRONGFUL),
        )
    ]
    return {
        "data": data,
        "layout": layout(
            title,
            height=max(240, 150 + 34 * len(names)),
            barmode="stack",
            margin={"l": 190},
            xaxis={"title": {"text": unit}},
            yaxis={"autorange": "reversed", "automargin": True},
        ),
    }


def grouped_bars(
    title: str,
    categories: Sequence[str],
    traces: dict[str, Sequence[float]],
    unit: str,
    *,
    colours: Sequence[str] = PALETTE,
    fmt: str = ",.1f",
) -> Figure:
    """Vertical grouped bars: one colour per trace, one cluster per category."""
    labels = [words(c) for c in categories]
    data = [
        {
            "type": "bar",
            "x": labels,
            "y": series(values),
            "name": words(name),
            "marker": {"color": colours[i % len(colours)]},
            "hovertemplate": f"%{{y:{fmt}}}<extra>{words(name)}</extra>",
        }
        for i, (name, values) in enumerate(traces.items())
    ]
    return {
        "data": data,
        "layout": layout(title, barmode="group", yaxis={"title": {"text": unit}}),
    }


def lines(
    title: str,
    x: Sequence[float] | Sequence[str],
    traces: dict[str, Sequence[float]],
    unit: str,
    *,
    x_title: str = "day",
    dashed: Sequence[str] = (),
    colours: Sequence[str] = PALETTE,
    fmt: str = ".3f",
) -> Figure:
    """Lines with markers over a few x values (a learned scorer's model days): one colour per
    trace, ``dashed`` ones drawn dashed; a missing value (NaN) leaves a gap."""
    data = [
        {
            "x": list(x),
            "y": series(values),
            "name": name,
            "mode": "lines+markers",
            "line": {
                "color": colours[i % len(colours)],
                "width": 2,
                "dash": "dash" if name in dashed else "solid",
            },
            "hovertemplate": f"%{{y:{fmt}}}<extra>{name}</extra>",
        }  # fmt: skip
        for i, (name, values) in enumerate(traces.items())
    ]
    return {
        "data": data,
        "layout": layout(
            title,
            hovermode="x unified",
            xaxis={"title": {"text": x_title}},
            yaxis={"title": {"text": unit}},
        ),
    }


def causes_bars(labels: Sequence[str], shares: Sequence[float]) -> Figure:
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": list(labels),
                "x": series(100 * np.asarray(shares, dtype=float)),
                "marker": {"color": WRONGFUL},
                "hovertemplate": "%{x:.1f}%<extra></extra>",
            }
        ],
        "layout": layout(
            "Where wrongful sanction-days come from (share of all wrongful person-days)",
            height=max(220, 150 + 30 * len(labels)),
            margin={"l": 300},
            showlegend=False,
            xaxis={"title": {"text": "%"}, "rangemode": "tozero"},
            yaxis={"autorange": "reversed", "automargin": True},
        ),
    }


def band_traces(
    days: np.ndarray,
    band: tuple[np.ndarray, np.ndarray],
    colour: str,
    axes: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """A shaded 90% interval of the mean over replicates (``metrics.intervals.mean_band``):
    its lower edge, then its upper edge filled down to it. Drawn before the line it surrounds."""
    lo, hi = band
    return [
        {
            "x": days.tolist(),
            "y": series(edge),
            "mode": "lines",
            "showlegend": False,
            "hoverinfo": "skip",
            "line": {"width": 0, "color": colour},
            "fill": fill,
            "opacity": 0.25,
        }
        | (axes or {})
        | ({} if fill is None else {"name": "90% interval of the mean"})
        for edge, fill in ((lo, None), (hi, "tonexty"))
    ]


def chilling(
    days: np.ndarray,
    per_behaviour: dict[str, tuple[np.ndarray, float]],
    *,
    colours: Sequence[str] = PALETTE,
    bands: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> Figure:
    """One panel per lawful disfavoured behaviour (or per run, on a comparison page): acts per
    100,000 people a day (7-day mean) and its day-0 level as a dashed line. Panels have their own
    y axis: rates differ by 100x. ``bands`` (a run with replicates): a shaded 90% interval of
    the mean around each line."""
    n = len(per_behaviour)
    data: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}
    gap = 0.12 / max(n - 1, 1) if n > 1 else 0
    span = (1 - gap * (n - 1)) / n
    for i, (name, (rate, day0)) in enumerate(per_behaviour.items()):
        suffix = "" if i == 0 else str(i + 1)
        top = 1 - i * (span + gap)
        axis = {
            "domain": [top - span, top],
            "gridcolor": "#eee",
            "rangemode": "tozero",
            "title": {"text": "per 100,000"},
        }
        extra[f"yaxis{suffix}"] = axis
        extra[f"xaxis{suffix}"] = {
            "anchor": f"y{suffix}",
            "gridcolor": "#eee",
            "matches": "x" if i else None,
            "showticklabels": i == n - 1,
            "title": {"text": time_axis(days) if i == n - 1 else ""},
        }
        if bands and name in bands:
            data += band_traces(days, bands[name], colours[i % len(colours)],
                                {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"})  # fmt: skip
        data.append(
            {
                "x": days.tolist(),
                "y": series(rate),
                "name": words(name),
                "mode": "lines",
                "xaxis": f"x{suffix}",
                "yaxis": f"y{suffix}",
                "showlegend": False,
                "line": {"color": colours[i % len(colours)], "width": 2},
                "hovertemplate": "day %{x}: %{y:,.2f} per 100,000<extra>"
                + words(name)
                + "</extra>",
            }
        )
        shapes.append(
            {
                "type": "line",
                "xref": f"x{suffix} domain",
                "yref": f"y{suffix}",
                "x0": 0,
                "x1": 1,
                "y0": day0,
                "y1": day0,
                "line": {"color": "#444", "dash": "dash", "width": 1},
            }
        )
        annotations.append(
            {
                "text": f"<b>{words(name)}</b> (dashed: day 0)",
                "xref": f"x{suffix} domain",
                "yref": f"y{suffix} domain",
                "x": 0,
                "y": 1.0,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12},
            }
        )
    extra["xaxis"] = {k: v for k, v in extra["xaxis"].items() if v is not None}
    return {
        "data": data,
        "layout": layout(
            "Lawful but disfavoured acts per 100,000 people a day (7-day average)",
            height=120 + 190 * n,
            shapes=shapes,
            annotations=annotations,
            margin={"t": 100},
            **extra,
        ),
    }


def appeals_over_time(
    days: np.ndarray,
    filed: np.ndarray,
    decided: np.ndarray,
    won: np.ndarray,
    bands: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> Figure:
    """Cumulative appeals filed, decided, won and pending; ``bands`` (a run with replicates):
    each line's 90% interval of the mean, by name."""
    x = days.tolist()
    lines = {
        "filed": (np.cumsum(filed), PALETTE[0]),
        "decided": (np.cumsum(decided), PALETTE[2]),
        "won": (np.cumsum(won), PALETTE[5]),
        "pending": (np.cumsum(filed) - np.cumsum(decided), "#999"),
    }
    data: list[dict[str, Any]] = []
    for name, (values, colour) in lines.items():
        if bands and name in bands:
            data += band_traces(days, bands[name], colour)
        data.append(
            {
                "x": x,
                "y": series(values),
                "name": name,
                "mode": "lines",
                "line": {
                    "color": colour,
                    "width": 2,
                    "dash": "dot" if name == "pending" else "solid",
                },  # fmt: skip
                "hovertemplate": "%{y:,.0f}",
            }
        )
    return {
        "data": data,
        "layout": layout(
            "Appeals, cumulative (pending: filed but not yet decided)",
            hovermode="x unified",
            xaxis={"title": {"text": time_axis(days)}},
            yaxis={"title": {"text": "appeals"}},
        ),
    }


# Comparison pages (``socialcredit compare``): one colour per run, the same in every chart.

# Warm colours for the causes of wrongful sanctions (a chart whose bars are the runs).
CAUSE_COLOURS = [
    "#d1495b",
    "#f4a261",
    "#6d2e46",
    "#e9c46a",
    "#9c6644",
    "#e5989b",
    "#8c2f39",
    "#b5838d",
]
NOT_IN_RULES = "not in its rules"


def domain_panels(
    domains: Sequence[str],
    runs: Sequence[str],
    colours: Sequence[str],
    rightful: Sequence[Sequence[float | None]],
    wrongful: Sequence[Sequence[float | None]],
    unit: str = "per 100,000 people",
) -> Figure:
    """Small multiples: one panel per run (up to four in a row), the same domains down each and
    the same x axis, so extents compare across panels. ``rightful[i][j]`` is run i in domain j;
    None where the run's rules have no sanction in that domain (written as such in the panel)."""
    n = len(runs)
    cols = min(n, 4)
    rows = math.ceil(n / cols)
    hgap, vgap = 0.05, 0.1 / max(rows - 1, 1) if rows > 1 else 0.0
    width = (1 - hgap * (cols - 1)) / cols
    row_h = (1 - vgap * (rows - 1)) / rows
    labels = [words(d) for d in domains]
    top_value = max(
        [
            (a or 0) + (b or 0)
            for ra, rb in zip(rightful, wrongful, strict=True)
            for a, b in zip(ra, rb, strict=True)
        ],
        default=0,
    )
    xmax = 1.08 * top_value or 1.0
    data: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    extra: dict[str, Any] = {}
    for i, run in enumerate(runs):
        row, col = divmod(i, cols)
        suffix = "" if i == 0 else str(i + 1)
        left = col * (width + hgap)
        top = 1 - row * (row_h + vgap)
        extra[f"xaxis{suffix}"] = {
            "domain": [left, left + width],
            "anchor": f"y{suffix}",
            "range": [0, xmax],
            "gridcolor": "#eee",
            "zeroline": False,
            "nticks": 4,
        }
        extra[f"yaxis{suffix}"] = {
            "domain": [top - row_h, top],
            "anchor": f"x{suffix}",
            "type": "category",
            "categoryorder": "array",
            "categoryarray": labels,
            "range": [len(labels) - 0.5, -0.5],
            "showticklabels": col == 0,
            "gridcolor": "#eee",
            "automargin": True,
        }
        name = words(run)
        right = [0.0 if v is None else v for v in rightful[i]]
        wrong = [0.0 if v is None else v for v in wrongful[i]]
        for values, colour, what in (
            (right, colours[i % len(colours)], "rightful"),
            (wrong, WRONGFUL, "wrongful"),
        ):
            data.append(
                {
                    "type": "bar",
                    "orientation": "h",
                    "y": labels,
                    "x": series(values),
                    "xaxis": f"x{suffix}",
                    "yaxis": f"y{suffix}",
                    "name": what,
                    "showlegend": False,
                    "marker": {"color": colour},
                    "hovertemplate": f"%{{y}}: %{{x:,.1f}} {what}<extra>{name}</extra>",
                }
            )
        annotations.append(
            {
                "text": f"<b>{name}</b>",
                "xref": f"x{suffix} domain",
                "yref": f"y{suffix} domain",
                "x": 0,
                "y": 1,
                "xanchor": "left",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 12, "color": colours[i % len(colours)]},
            }
        )
        annotations += [
            {
                "text": NOT_IN_RULES,
                "xref": f"x{suffix}",
                "yref": f"y{suffix}",
                "x": 0,
                "y": label,
                "xanchor": "left",
                "showarrow": False,
                "font": {"size": 10, "color": "#9aa1a9"},
            }
            for label, v in zip(labels, rightful[i], strict=True)
            if v is None
        ]
    return {
        "data": data,
        "layout": layout(
            f"Sanctions in force {unit} on an average day, by domain (red: wrongfully)",
            height=110 + rows * (50 + 30 * len(domains)),
            barmode="stack",
            bargap=0.3,
            showlegend=False,
            annotations=annotations,
            margin={"t": 80, "l": 110},
            **extra,
        ),
    }


def causes_by_run(
    runs: Sequence[str],
    causes: Sequence[str],
    shares: Sequence[Sequence[float]],
    empty: Sequence[str],
    title: str = "Wrongful share of sanctioned person-days, by the error behind it",
) -> Figure:
    """One stacked horizontal bar per run (or per other row: a group of sanctions): its wrongful
    share of sanctioned person-days, split by the error behind it. ``shares[j][i]`` is cause
    j's part (0-1) in row i; ``empty[i]`` is written where row i has no bar ("" where it has
    one)."""
    labels = [words(r) for r in runs]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": labels,
            "x": series(100 * np.asarray(shares[j], dtype=float)),
            "name": cause,
            "marker": {"color": CAUSE_COLOURS[j % len(CAUSE_COLOURS)]},
            "hovertemplate": f"%{{x:.2f}}%<extra>{cause}</extra>",
        }
        for j, cause in enumerate(causes)
    ]
    notes = [
        {
            "text": text,
            "x": 0,
            "y": label,
            "xanchor": "left",
            "showarrow": False,
            "font": {"size": 11, "color": "#5b6470"},
        }
        for label, text in zip(labels, empty, strict=True)
        if text
    ]
    legend_rows = math.ceil(len(causes) / 2)
    return {
        "data": data,
        "layout": layout(
            title,
            height=max(240, 150 + 20 * legend_rows + 40 * len(runs)),
            barmode="stack",
            margin={"l": 190, "t": 70 + 20 * legend_rows},
            annotations=notes,
            xaxis={"title": {"text": "% of sanctioned person-days"}, "rangemode": "tozero"},
            yaxis={"autorange": "reversed", "automargin": True},
        ),
    }


def run_bars(
    title: str,
    runs: Sequence[str],
    colours: Sequence[str],
    values: Sequence[float],
    texts: Sequence[str],
    unit: str,
) -> Figure:
    """One horizontal bar per run in the run's colour, its value written beside it."""
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [words(r) for r in runs],
                "x": series(values),
                "text": list(texts),
                "textposition": "outside",
                "cliponaxis": False,
                "marker": {"color": [colours[i % len(colours)] for i in range(len(runs))]},
                "hovertemplate": "%{text}<extra></extra>",
            }
        ],
        "layout": layout(
            title,
            height=max(200, 130 + 40 * len(runs)),
            showlegend=False,
            margin={"l": 190, "t": 60, "r": 60},
            xaxis={"title": {"text": unit}, "rangemode": "tozero"},
            yaxis={"autorange": "reversed", "automargin": True},
        ),
    }
