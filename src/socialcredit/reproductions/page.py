"""The Jinja2 environment reproduction pages render with: this package's templates first, then
the report's, so a page extends the report's shell (``base.html.j2``: inline CSS, plotly.js
embedded once, so it opens offline) and uses its macros and number filters."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined

from socialcredit.report import charts
from socialcredit.report.page import Page, Section, plotly_js
from socialcredit.report.templating import FILTERS


def layout(title: str, *, height: int = 360, **extra: Any) -> dict[str, Any]:
    """The report's chart layout with the legend under the plot: a reproduction's chart lists
    theirs and ours, up to eight entries, which the report's legend row above the plot would
    stack into the title."""
    below = {"legend": {"y": -0.3, "yanchor": "top"}, "margin": {"b": 40}}
    return charts.layout(title, height=height + 80, **(below | extra))


@cache
def environment() -> Environment:
    """Made on first use, not at import (as the report's)."""
    env = Environment(
        loader=ChoiceLoader([
            PackageLoader("socialcredit.reproductions", "templates"),
            PackageLoader("socialcredit.report", "templates"),
        ]),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )  # fmt: skip
    env.filters.update(FILTERS)
    return env


def render(
    page: Page, sections: list[Section], template: str = "reproduction.html.j2", **context: Any
) -> str:
    """``template`` (which extends the report's shell) with its sections, the charts collected
    in ``page``, plotly.js."""
    nav = [(s.anchor, s.heading) for s in sections]
    return (
        environment()
        .get_template(template)
        .render(
            sections=sections,
            nav=nav,
            figures=page.figures_json(),
            plotly_js=plotly_js(),
            **context,
        )
    )
