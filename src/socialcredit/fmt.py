"""Numbers as a reader sees them, in the terminal and on the pages alike.

The summary table that ``socialcredit run`` prints and the HTML pages show the same shares, so
both format them here: the same number reads the same in both places. Plain Python, no imports
(but typing), so the command line stays quick to start.
"""

from __future__ import annotations

from collections.abc import Callable


def num(n: float) -> str:
    """A count with thousands separators: 1775 -> '1,775'."""
    return f"{round(n):,}"


def amount(x: float) -> str:
    """A rate or an average (per 100,000, people on an average day): decimals only where small."""
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 1:
        return f"{x:.1f}"
    return f"{x:.2f}"


def pct(x: float | None) -> str:
    """A share (0.123) as a percentage with as many decimals as the share needs to be seen:
    whole percent from 10% ('12%'), one decimal from 1% ('3.4%'), two below ('0.27%'),
    '<0.01%' for a share too small for that, and '0%' only for nothing at all. None (nothing to
    take a share of) is 'n/a'."""
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


def ranged(x: float | None, bounds: list[float] | None, show: Callable[[float], str]) -> str:
    """A mean with its interval where there is one: '3.5% (3.1-3.9%)', '1,204 (1,150-1,260)',
    '-10% (-12 to -8%)' (signed bounds are joined by 'to'); the unit is written once, after the
    upper bound."""
    if x is None:
        return "n/a"
    if bounds is None:
        return show(x)
    lo, hi = show(bounds[0]), show(bounds[1])
    if lo.endswith("%") and hi.endswith("%"):
        lo = lo[:-1]
    signed = lo[:1] in "+-" or hi[:1] in "+-"
    return f"{show(x)} ({lo}{' to ' if signed else '-'}{hi})"


def change(x: float | None) -> str:
    """A relative change with its sign: '-10%', '+3.9%', '0%'."""
    if x is None:
        return "n/a"
    p = 100 * x
    if abs(p) < 0.05:
        return "0%"
    return f"{p:+.0f}%" if abs(p) >= 10 else f"{p:+.1f}%"
