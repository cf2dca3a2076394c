"""What the page shell needs besides the sections: the charts' slots and data, and plotly.js.

Everything the page needs is inside the file, so it opens offline, from an e-mail attachment or a
USB stick, and renders the same in ten years. The shell itself is ``templates/base.html.j2``.
"""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from socialcredit.errors import OutputError
from socialcredit.report.templating import render

# A string in the charts' JSON must not end the <script> element that holds it, nor open a
# comment or an entity there: these characters are written as JSON escapes, which JSON.parse
# reads back unchanged.
SCRIPT_SAFE = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"))


@dataclass(frozen=True)
class Chart:
    """A chart's place on the page; its data goes in the page's figures, under ``slot``."""

    slot: str
    height: int


@dataclass(frozen=True)
class Section:
    """One section of a page: its anchor (the nav links to it), its heading, and the template
    that renders its data (as ``d``)."""

    anchor: str
    heading: str
    template: str
    data: Any


@dataclass
class Page:
    """Collects chart specs while the sections' data is built, in the order a reader meets them."""

    figures: dict[str, dict[str, Any]] = field(default_factory=dict)

    def chart(self, figure: dict[str, Any]) -> Chart:
        slot = f"chart-{len(self.figures) + 1}"
        self.figures[slot] = figure
        return Chart(slot=slot, height=figure["layout"].get("height", 360))

    def figures_json(self) -> Markup:
        payload = json.dumps(self.figures, separators=(",", ":"), allow_nan=False)
        for char, code in SCRIPT_SAFE:
            payload = payload.replace(char, code)
        return Markup(payload)  # escaped for a <script> element just above

    def render(self, template: str, **context: Any) -> str:
        """The whole file: ``template`` (which extends the shell) with the charts and plotly.js."""
        # plotly.js is the library as plotly ships it, not user data: the shell writes it as it
        # is (autoescape off for that one value; a Markup of 5 MB would be copied twice).
        return render(template, figures=self.figures_json(), plotly_js=plotly_js(), **context)


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
