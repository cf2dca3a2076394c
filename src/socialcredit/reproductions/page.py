"""reproduction.html: a paper's figure redrawn beside ours, offline like report.html.

The page extends the report's shell (``report/templates/base.html.j2``: plotly.js embedded once,
the charts drawn from their JSON) with templates of its own (``templates/``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined

from socialcredit.report.page import Chart, Page, Section, plotly_js
from socialcredit.report.templating import FILTERS
from socialcredit.reproductions.base import ResultRow
from socialcredit.version import __version__


@dataclass(frozen=True)
class Pair:
    """One panel of the paper's figure: theirs on the left, ours on the right."""

    caption: str
    theirs: Chart
    ours: Chart


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()


@dataclass(frozen=True)
class About:
    """The page's header and footer."""

    name: str
    paper: str
    figure: str
    theirs: str  # where the paper's numbers were read
    ours: str  # how ours were made (seed, sample size)


@cache
def environment() -> Environment:
    """Ours first, then the report's (the shell, the macros, the CSS); made on first use."""
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


def rows_table(rows: list[ResultRow]) -> Table:
    return Table(
        ["Quantity", "Theirs", "Ours (90% interval)", "Where theirs is read"],
        [[r.quantity, r.theirs, r.ours_text(), r.figure] for r in rows],
        numeric=(1, 2),
    )


def render(page: Page, about: About, sections: list[Section], **context: Any) -> str:
    return (
        environment()
        .get_template("reproduction.html.j2")
        .render(
            figures=page.figures_json(),
            plotly_js=plotly_js(),
            sections=sections,
            nav=[(s.anchor, s.heading) for s in sections],
            about=about,
            version=__version__,
            **context,
        )
    )
