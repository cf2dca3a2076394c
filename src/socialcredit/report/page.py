"""The page shell: inline CSS, plotly.js embedded once, chart slots and the script that fills them.

Everything the page needs is inside the file, so it opens offline, from an e-mail attachment or a
USB stick, and renders the same in ten years.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from socialcredit.errors import OutputError
from socialcredit.report.fmt import h

CSS = """
:root { --ink: #1f2328; --muted: #5b6470; --line: #e3e6ea; --accent: #0072B2; --bad: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto,
  "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #f6f7f9; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 60px; background: #fff; }
header { border-bottom: 3px solid var(--ink); margin-bottom: 8px; }
h1 { font-size: 1.9rem; line-height: 1.2; margin: 8px 0 6px; }
h2 { font-size: 1.35rem; margin: 40px 0 8px; padding-top: 12px; border-top: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 22px 0 6px; }
p, li { max-width: 78ch; }
.sub { color: var(--muted); margin: 0 0 14px; }
nav { font-size: .9rem; margin: 10px 0 0; display: flex; flex-wrap: wrap; gap: 2px 16px; }
nav a { color: var(--accent); text-decoration: none; white-space: nowrap; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px;
  margin: 18px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card b { display: block; font-size: 1.7rem; line-height: 1.2; }
.card span { color: var(--muted); font-size: .88rem; }
.card.bad b { color: var(--bad); }
.chart { width: 100%; min-height: 200px; margin: 8px 0 18px; }
.note { color: var(--muted); font-size: .88rem; }
table { border-collapse: collapse; margin: 10px 0 18px; font-size: .9rem; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left;
  vertical-align: top; }
th { background: #f2f4f7; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
table.screen { font-size: .85rem; }
table.screen td:nth-child(3) { min-width: 16em; }
.flag { color: var(--bad); font-weight: 700; }
.ok { color: #1a7f37; }
details { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; margin: 12px 0; }
summary { cursor: pointer; font-weight: 600; }
details table { font-size: .82rem; }
details td:last-child { min-width: 18em; }
pre { background: #f6f8fa; padding: 12px; overflow-x: auto; font-size: .8rem; }
.scroll { overflow-x: auto; }
footer { margin-top: 40px; color: var(--muted); font-size: .85rem; }
.warn { border: 1px solid #e0b252; border-left: 6px solid #e69f00; background: #fff8e6;
  border-radius: 6px; padding: 8px 14px; margin: 14px 0; }
.swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px;
  margin-right: .35em; vertical-align: -.05em; }
table.side { table-layout: fixed; }
table.side th:first-child { width: 26%; }
table.side td:first-child { color: var(--muted); }
table.side td.num { white-space: normal; }
ul.findings li { margin: 6px 0; }
table.side td.sub { padding-left: 22px; }
"""

# Draw every chart once the library is parsed; a failure in one chart must not blank the others.
BOOT = """
(function () {
  var figures = JSON.parse(document.getElementById("figures").textContent);
  Object.keys(figures).forEach(function (id) {
    var f = figures[id];
    try {
      Plotly.newPlot(id, f.data, f.layout, {responsive: true, displaylogo: false});
    } catch (e) {
      document.getElementById(id).textContent = "This chart could not be drawn: " + e;
      throw e;
    }
  });
})();
"""


@dataclass
class Page:
    """Collects chart specs while sections write their HTML; renders the whole file at the end."""

    figures: dict[str, dict[str, Any]] = field(default_factory=dict)

    def chart(self, figure: dict[str, Any]) -> str:
        slot = f"chart-{len(self.figures) + 1}"
        self.figures[slot] = figure
        height = figure["layout"].get("height", 360)
        return f'<div class="chart" id="{slot}" style="height:{height}px"></div>'

    def render(self, title: str, body: str) -> str:
        # "<" escaped so no string in the data can close the script element early.
        payload = json.dumps(self.figures, separators=(",", ":"), allow_nan=False)
        payload = payload.replace("<", "\\u003c")
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{h(title)}</title><style>{CSS}</style>"
            f"<script>{plotly_js()}</script></head>\n<body><main>{body}</main>\n"
            f'<script type="application/json" id="figures">{payload}</script>\n'
            f"<script>{BOOT}</script></body></html>\n"
        )


@cache
def plotly_js() -> str:
    """plotly.min.js as shipped inside the ``plotly`` Python package (found without importing it:
    importing plotly costs time the report does not need)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise OutputError(
            "report.html: the plotting library is not installed. "
            "Fix: pip install plotly (it is a dependency of socialcredit; reinstall the package)."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OutputError(
            f"{path}: could not read plotly.js ({exc.strerror}). Fix: reinstall plotly."
        ) from None
