"""Numbers and names as a reader of the pages sees them: thousands separators, sensible
percentages, identifiers as words. Counts, shares and changes come from ``socialcredit.fmt``,
which the terminal uses too, so a number reads the same on the page and in the terminal."""

from __future__ import annotations

from socialcredit.fmt import amount, change, num, pct, ranged

__all__ = [
    "amount",
    "capital",
    "change",
    "dec",
    "num",
    "pct",
    "ranged",
    "ratio",
    "sig",
    "times",
    "words",
]


def dec(x: float, digits: int = 1) -> str:
    """A measured quantity (a score, a rate) with a fixed number of decimals and separators."""
    return f"{x:,.{digits}f}"


def sig(x: float, digits: int = 4) -> str:
    """A setting as the scenario gives it, to a few significant digits: 143.2, 0.005."""
    return f"{x:,.{digits}g}"


def times(x: float) -> str:
    """How many times as many: '2.5', '12'."""
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def ratio(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def words(name: str) -> str:
    """Scenario identifiers read as words in sentences: 'flight-ban' -> 'flight ban'."""
    return name.replace("-", " ").replace("_", " ")


def capital(text: str) -> str:
    """First letter upper-case, for a scenario name that starts a sentence."""
    return text[:1].upper() + text[1:]
