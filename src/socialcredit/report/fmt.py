"""Numbers and HTML snippets as a reader sees them: thousands separators, sensible percentages."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape


def num(n: float) -> str:
    """A count with thousands separators: 1775 -> '1,775'."""
    return f"{round(n):,}"


def pct(x: float | None) -> str:
    """A share as a percentage with as many decimals as a small share needs to be seen."""
    if x is None:
        return "n/a"
    p = 100 * x
    if p == 0:
        return "0%"
    if abs(p) >= 10:
        return f"{p:,.0f}%"
    if abs(p) >= 1:
        return f"{p:.1f}%"
    if abs(p) >= 0.01:
        return f"{p:.2f}%"
    return "<0.01%"


def change(x: float | None) -> str:
    """A relative change with its sign: '-10%', '+3.9%', '0%'."""
    if x is None:
        return "n/a"
    p = 100 * x
    if abs(p) < 0.05:
        return "0%"
    return f"{p:+.0f}%" if abs(p) >= 10 else f"{p:+.1f}%"


def dec(x: float, digits: int = 1) -> str:
    """A measured quantity (a score, a rate) with a fixed number of decimals and separators."""
    return f"{x:,.{digits}f}"


def amount(x: float) -> str:
    """A rate or an average (per 100,000, people on an average day): decimals only where small."""
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.1f}"
    return f"{x:.2f}"


def ratio(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def words(name: str) -> str:
    """Scenario identifiers read as words in sentences: 'flight-ban' -> 'flight ban'."""
    return name.replace("-", " ").replace("_", " ")


def capital(text: str) -> str:
    """First letter upper-case, for a scenario name that starts a sentence."""
    return text[:1].upper() + text[1:]


def h(text: object) -> str:
    return escape(str(text), quote=True)


def join_words(items: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def table(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    numeric: Sequence[int] = (),
    raw: bool = False,
    cls: str = "",
) -> str:
    """An HTML table; cells are escaped unless ``raw`` (callers that build their own markup)."""
    right = set(numeric)

    def cell(tag: str, i: int, text: str) -> str:
        align = ' class="num"' if i in right else ""
        return f"<{tag}{align}>{text if raw else h(text)}</{tag}>"

    head = "".join(cell("th", i, h(x) if raw else x) for i, x in enumerate(header))
    body = "".join(
        "<tr>" + "".join(cell("td", i, x) for i, x in enumerate(row)) + "</tr>" for row in rows
    )
    css = f' class="{cls}"' if cls else ""
    return f"<table{css}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
