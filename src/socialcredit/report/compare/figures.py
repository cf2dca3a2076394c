"""The figures compare shows with their 90% intervals, and whether two runs differ on one.

A run made with ``--replicates R`` has, for each number of its summary, the mean over R seeds and
a 90% interval of that mean (metrics/intervals.py). Two runs differ on a figure where the 90%
interval of the difference of their means (Welch's t, ``difference_interval``) excludes 0;
otherwise they are not distinguishable at this number of replicates. A run of one replicate has
no interval: from it the page cannot tell a difference from noise, and says so.

The page shows rates per 100,000 people and per average day; a rate is the summary's number
times a constant of the run, so its interval and the difference's scale the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from socialcredit.metrics.intervals import difference_interval
from socialcredit.report.fmt import amount, num

if TYPE_CHECKING:  # run.py imports this module: the type only, to avoid the cycle
    from socialcredit.report.compare.run import Run


@dataclass(frozen=True)
class Figure:
    words: str  # as the page names it
    path: tuple[str, ...]  # in summary.json, and in its ``intervals``
    scale: Callable[[Run], float]  # the page's figure is this times the summary's number
    show: str  # the filter that writes it (report/templating.py)
    unit: str = ""  # what a difference is counted in, where the filter does not say


def _one(run: Run) -> float:
    return 1.0


def _per_person(run: Run) -> float:
    return run.per_person(1.0)


def _per_day(run: Run) -> float:
    return run.per_day(1.0)


FIGURES: dict[str, Figure] = {
    "ever": Figure("people sanctioned at least once", ("people_ever_sanctioned",), _one, "num"),
    "ever_wrongly": Figure(
        "people wrongly sanctioned at some point",
        ("people_ever_wrongfully_sanctioned",),
        _one,
        "num",
    ),
    "ever_rate": Figure(
        "people sanctioned at least once, per 100,000",
        ("people_ever_sanctioned",),
        _per_person,
        "amount",
        " per 100,000",
    ),
    "ever_wrongly_rate": Figure(
        "people wrongly sanctioned at some point, per 100,000",
        ("people_ever_wrongfully_sanctioned",),
        _per_person,
        "amount",
        " per 100,000",
    ),
    "average": Figure(
        "under a sanction on an average day, per 100,000",
        ("sanctioned_person_days",),
        _per_day,
        "amount",
        " per 100,000",
    ),
    "average_wrongly": Figure(
        "wrongly under a sanction on an average day, per 100,000",
        ("wrongfully_sanctioned_person_days",),
        _per_day,
        "amount",
        " per 100,000",
    ),
    "wrongful_share": Figure(
        "wrongful share of sanctioned person-days", ("wrongful_share",), _one, "pct", " points"
    ),
    "cross_share": Figure(
        "cross-context share of sanction-days", ("cross_context_share",), _one, "pct", " points"
    ),
    "chilling_change": Figure(
        "lawful disfavoured acts, last 30 days vs day 0",
        ("chilling", "change"),
        _one,
        "pct",
        " points",
    ),
    "appeals_filed": Figure(
        "appeals filed, per 100,000", ("appeals", "filed"), _per_person, "amount", " per 100,000"
    ),
    "appeals_won": Figure(
        "appeals won, per 100,000", ("appeals", "won"), _per_person, "amount", " per 100,000"
    ),
}
# The figures the page tests for a difference: rates and shares, which stay comparable between
# runs of different sizes (a count of people is tested through its rate).
TESTED = (
    "ever_rate",
    "ever_wrongly_rate",
    "average",
    "average_wrongly",
    "wrongful_share",
    "cross_share",
    "chilling_change",
    "appeals_filed",
    "appeals_won",
)


def _at(node: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def value(run: Run, name: str) -> float | None:
    """The figure as the page shows it (the mean over replicates); None: undefined."""
    figure = FIGURES[name]
    x = _at(run.s, figure.path)
    return None if x is None else figure.scale(run) * float(x)


def bounds(run: Run, name: str) -> list[float] | None:
    """The figure's 90% interval; None for a run of one replicate or an undefined figure."""
    figure = FIGURES[name]
    b = _at(run.s.get("intervals", {}), figure.path)
    if b is None:
        return None
    scale = figure.scale(run)
    return [scale * float(b[0]), scale * float(b[1])]


# What a verdict can say: the intervals show a difference, or do not; the figure was the same in
# every replicate of both; a run has one replicate (no interval); the figure is undefined.
DIFFER, INDISTINCT, SAME, SINGLE, UNDEFINED = "differ", "indistinct", "same", "single", "undefined"


@dataclass(frozen=True)
class Verdict:
    name: str  # the figure's key in FIGURES
    a: Run
    b: Run
    kind: str  # one of the five above
    difference: float | None  # a - b as the page shows the figure; None: undefined
    interval: list[float] | None  # its 90% interval; None unless both runs have intervals

    @property
    def figure(self) -> Figure:
        return FIGURES[self.name]

    @property
    def text(self) -> str:
        return difference_text(self)


def verdict(a: Run, b: Run, name: str) -> Verdict:
    """Whether ``a`` and ``b`` differ on the figure ``name``, beyond the noise of their seeds."""
    va, vb = value(a, name), value(b, name)
    difference = None if va is None or vb is None else va - vb
    if a.replicates < 2 or b.replicates < 2:
        return Verdict(name, a, b, SINGLE, difference, None)
    ba, bb = bounds(a, name), bounds(b, name)
    if va is None or vb is None or ba is None or bb is None:
        return Verdict(name, a, b, UNDEFINED, difference, None)
    lo, hi = difference_interval(va, ba, a.replicates, vb, bb, b.replicates)
    if lo == hi == 0:
        kind = SAME
    elif lo > 0 or hi < 0:
        kind = DIFFER
    else:
        kind = INDISTINCT
    return Verdict(name, a, b, kind, va - vb, [lo, hi])


def _signed(x: float, show: str) -> str:
    """A difference as the page writes it: '+1.2', '-0.35' (shares in percentage points)."""
    text = num(x) if show == "num" else amount(100 * x if show == "pct" else x)
    return text if text.startswith("-") or text == "0" else f"+{text}"


def difference_text(v: Verdict) -> str:
    """'+1.2 points; 90% interval +0.8 to +1.6': a - b, with the interval where there is one."""
    if v.difference is None:
        return "n/a"
    show, unit = v.figure.show, v.figure.unit
    text = f"{_signed(v.difference, show)}{unit}"
    if v.interval is not None and v.kind != SAME:
        lo, hi = (_signed(x, show) for x in v.interval)
        text += f"; 90% interval {lo} to {hi}"
    return text
