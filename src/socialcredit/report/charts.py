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
            xaxis={"title": {"text": "day"}},
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
            xaxis={"title": {"text": "day"}},
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
) -> Figure:
    """Horizontal stacked bars, one per category: rightful (grey) plus wrongful (red)."""
    labels = [words(n) for n in names]
    data = [
        {
            "type": "bar",
            "orientation": "h",
            "y": labels,
            "x": series(rightful),
            "name": "rightful",
            "marker": {"color": RIGHTFUL},
            "hovertemplate": "%{x:,.1f} rightful<extra></extra>",
        },
        {
            "type": "bar",
            "orientation": "h",
            "y": labels,
            "x": series(wrongful),
            "name": "wrongful",
            "marker": {"color": WRONGFUL},
            "hovertemplate": "%{x:,.1f} wrongful<extra></extra>",
        },
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


def chilling(days: np.ndarray, per_behaviour: dict[str, tuple[np.ndarray, float]]) -> Figure:
    """One panel per lawful disfavoured behaviour: acts per 100,000 people a day (7-day mean) and
    its day-0 level as a dashed line. Panels have their own y axis: rates differ by 100x."""
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
            "title": {"text": "day" if i == n - 1 else ""},
        }
        data.append(
            {
                "x": days.tolist(),
                "y": series(rate),
                "name": words(name),
                "mode": "lines",
                "xaxis": f"x{suffix}",
                "yaxis": f"y{suffix}",
                "showlegend": False,
                "line": {"color": PALETTE[i % len(PALETTE)], "width": 2},
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
    days: np.ndarray, filed: np.ndarray, decided: np.ndarray, won: np.ndarray
) -> Figure:
    x = days.tolist()
    lines = {
        "filed": (np.cumsum(filed), PALETTE[0]),
        "decided": (np.cumsum(decided), PALETTE[2]),
        "won": (np.cumsum(won), PALETTE[5]),
        "pending": (np.cumsum(filed) - np.cumsum(decided), "#999"),
    }
    data = [
        {
            "x": x,
            "y": series(values),
            "name": name,
            "mode": "lines",
            "line": {"color": colour, "width": 2, "dash": "dot" if name == "pending" else "solid"},
            "hovertemplate": "%{y:,.0f}",
        }
        for name, (values, colour) in lines.items()
    ]
    return {
        "data": data,
        "layout": layout(
            "Appeals, cumulative (pending: filed but not yet decided)",
            hovermode="x unified",
            xaxis={"title": {"text": "day"}},
            yaxis={"title": {"text": "appeals"}},
        ),
    }
