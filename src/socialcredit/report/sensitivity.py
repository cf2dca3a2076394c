"""sensitivity.html: which assumption drives each headline number, from a sensitivity folder.

Built from the folder's ``sensitivity.json`` and ``sensitivity.parquet`` alone (as report.html
is from its run folder), offline and self-contained: plotly.js embedded, one bar chart per
output with the 95% intervals of its indices, and a sentence per output that names the factors
that matter and says how little the rest explain.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from socialcredit.errors import OutputError
from socialcredit.report.build import write_atomic
from socialcredit.report.charts import PALETTE, layout, series
from socialcredit.report.page import Chart, Page, Section
from socialcredit.version import __version__

SENSITIVITY_JSON = "sensitivity.json"
SENSITIVITY_HTML = "sensitivity.html"
TOP = 15  # factors in a chart; the table lists them all
NAMED = 3  # factors a sentence may name
MOSTLY = 0.8  # the named factors are those that, together, make this share of the ranking index


def describe(path: str) -> str:
    """A key path in words: ``sources[court-records].errors.bookkeeping`` -> 'the bookkeeping
    error rate of court records'."""
    m = re.fullmatch(r"sources\[(.+)\]\.errors\.(\w+)", path)
    if m:
        return f"the {_w(m[2])} error rate of {_w(m[1])}"
    patterns = (
        (r"sources\[(.+)\]\.(\w+)", "the {1} of {0}"),
        (r"behaviours\[(.+)\]\.rate", "the rate of {0}"),
        (r"regime\.rules\[(.+)\]\.points", "the points for {0}"),
        (r"regime\.lists\[(.+)\]\.(\w+)", "the {1} of the {0} list"),
        (r"population\.regions\[(.+)\]\.(\w+)", "the {1} of the {0} region"),
        (r"regime\.recovery\.(\w+)", "the recovery's {0}"),
        (r"response\.(\w+)", "the response's {0}"),
        (r"appeals\.(\w+)", "the appeals' {0}"),
        (r"population\.(\w+)", "the population's {0}"),
    )
    for pattern, text in patterns:
        m = re.fullmatch(pattern, path)
        if m:
            return text.format(*(_w(g) for g in m.groups()))
    return path


def _w(name: str) -> str:
    return name.replace("_", " ").replace("-", " ")


@dataclass(frozen=True)
class Ranked:
    path: str
    words: str
    value: float
    low: float | None
    high: float | None
    other: float | None  # sigma (Morris) or S1 (Sobol)
    other_low: float | None
    other_high: float | None
    zero: bool  # its interval reaches 0: indistinguishable from no influence


@dataclass(frozen=True)
class Output:
    key: str
    words: str
    factors: list[Ranked]
    named: list[Ranked]
    rest: int
    rest_total: float
    chart: Chart


def build(folder: Path) -> tuple[dict[str, Any], list[Section], Page]:
    try:
        s = json.loads((folder / SENSITIVITY_JSON).read_text(encoding="utf-8"))
        table = pq.read_table(folder / "sensitivity.parquet").to_pylist()
    except (OSError, ValueError) as exc:
        raise OutputError(
            f"{folder}: cannot read {SENSITIVITY_JSON} or sensitivity.parquet ({exc}). "
            "Fix: pass the folder `socialcredit sensitivity` wrote."
        ) from None
    page = Page()
    ranked_by = s["ranked_by"]
    other = "sigma" if ranked_by == "mu_star" else "S1"
    sections = []
    for key, words in s["outputs"].items():
        rows = [r for r in table if r["output"] == key]
        by_factor: dict[str, dict[str, Any]] = {}
        for r in rows:
            by_factor.setdefault(r["factor"], {})[r["index"]] = r
        factors = [
            Ranked(path, describe(path), x[ranked_by]["value"], x[ranked_by]["ci_low"],
                   x[ranked_by]["ci_high"], x[other]["value"], x[other]["ci_low"],
                   x[other]["ci_high"],
                   x[ranked_by]["ci_low"] is not None and x[ranked_by]["ci_low"] <= 0)
            for path, x in sorted(by_factor.items(), key=lambda kv: kv[1][ranked_by]["rank"])
        ]  # fmt: skip
        total = sum(max(f.value, 0.0) for f in factors)
        named: list[Ranked] = []
        for f in factors[:NAMED]:
            if f.value <= 0 or (named and sum(n.value for n in named) >= MOSTLY * total):
                break
            named.append(f)
        out = Output(key, words, factors, named, len(factors) - len(named),
                     sum(f.value for f in factors[len(named):]),
                     page.chart(_bars(words, factors[:TOP], ranked_by)))  # fmt: skip
        sections.append(Section(key, words[0].upper() + words[1:], "sensitivity/output.html.j2",
                                out))  # fmt: skip
    sections.append(Section("factors", "The factors varied", "sensitivity/factors.html.j2", s))
    return s, sections, page


def _bars(words: str, factors: list[Ranked], index: str) -> dict[str, Any]:
    shown = list(reversed(factors))  # the largest at the top
    low = [f.value - f.low if f.low is not None else 0.0 for f in shown]
    high = [f.high - f.value if f.high is not None else 0.0 for f in shown]
    label = "mu* (Morris)" if index == "mu_star" else "total-order index ST (Sobol)"
    return {
        "data": [{
            "type": "bar", "orientation": "h", "marker": {"color": PALETTE[0]},
            "x": series(f.value for f in shown), "y": [f.path for f in shown],
            "error_x": {"type": "data", "symmetric": False, "array": series(high),
                        "arrayminus": series(low), "color": "#222"},
            "hovertemplate": "%{y}: %{x}<extra></extra>",
        }],
        "layout": layout(f"What drives {words}", height=120 + 24 * len(shown),
                         xaxis={"title": {"text": f"{label}, with its 95% interval"},
                                "rangemode": "tozero"},
                         yaxis={"automargin": True}, margin={"l": 20}),
    }  # fmt: skip


def render(folder: Path) -> str:
    s, sections, page = build(folder)
    nav = [(x.anchor, x.heading) for x in sections]
    return page.render(
        "sensitivity.html.j2", study=s, sections=sections, nav=nav, version=__version__
    )


def write_sensitivity_page(folder: Path) -> Path:
    path = Path(folder) / SENSITIVITY_HTML
    write_atomic(path, render(Path(folder)))
    return path
