"""The Jinja2 environment both pages render with.

Templates ship inside the package (``report/templates``). Every value is escaped on output unless
it was marked safe where it was built (plotly.js, the charts' JSON): scenario names, behaviour
names and sources come from users' YAML files. A name a template uses but the data lacks is an
error, not a blank on the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from socialcredit.report import fmt


def and_join(items: Iterable[Any]) -> Markup:
    """'a', 'a and b', 'a, b and c'. Each item is escaped unless it is already markup (the
    output of a macro), so user text stays text."""
    parts = [escape(x) for x in items]
    if len(parts) <= 1:
        return Markup("").join(parts)
    return Markup(", ").join(parts[:-1]) + Markup(" and ") + parts[-1]


def within(x: float | None, bounds: list[float] | None, show: str) -> str:
    """``x`` shown by the filter named ``show``, with its 90% interval where it has one:
    '3.5% (3.1-3.9%)' (fmt.ranged, as the terminal writes it)."""
    return fmt.ranged(x, bounds, FILTERS[show])


FILTERS: dict[str, Any] = {
    "amount": fmt.amount,
    "and_join": and_join,
    "capital": fmt.capital,
    "change": fmt.change,
    "dec": fmt.dec,
    "num": fmt.num,
    "pct": fmt.pct,
    "ratio": fmt.ratio,
    "sig": fmt.sig,
    "times": fmt.times,
    "words": fmt.words,
    "within": within,
}


@cache
def environment() -> Environment:
    """Made on first use, not at import: importing the report compiles no template."""
    env = Environment(
        loader=PackageLoader("socialcredit.report", "templates"),
        autoescape=True,  # every template here is HTML
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,  # the page ends with a newline, as a text file does
    )
    env.filters.update(FILTERS)
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
