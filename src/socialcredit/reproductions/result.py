"""What a reproduction hands back: one row per compared number, and where its files went.

A row pairs a paper's published number with ours, so the command line, the page and the README
table read from the same record. The registry (``__init__.py``) holds the objects that make them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Row:
    """One compared number: the paper's (``theirs``, with where it was read) beside ours, with
    ``low``-``high`` the 90% interval of our runs (or of our sample)."""

    paper: str
    figure: str
    quantity: str
    theirs: float
    theirs_source: str
    ours: float
    low: float | None = None  # None: ours is exact (a sum over the paper's tables), not sampled
    high: float | None = None
    digits: int = 3  # decimals shown, as many as the comparison needs
    theirs_text: str | None = None  # what the paper says where it gives no number ("< 0")

    def theirs_shown(self) -> str:
        return self.theirs_text or f"{self.theirs:.{self.digits}f}"

    def ours_shown(self) -> str:
        """'0.926 (0.823-0.997)', '-17.31 (-17.45 to -17.17)' (signed bounds: 'to'), or the
        value alone where there is no interval."""
        ours = f"{self.ours:.{self.digits}f}"
        if self.low is None or self.high is None:
            return ours
        joint = " to " if min(self.low, self.high) < 0 else "-"
        return f"{ours} ({self.low:.{self.digits}f}{joint}{self.high:.{self.digits}f})"


@dataclass(frozen=True)
class ReproductionResult:
    name: str
    rows: list[Row]
    page: Path
    data: Path


class Reproduction(Protocol):
    """A published result we re-run: its citation, the figure it redraws, and how to run it."""

    @property
    def name(self) -> str: ...

    @property
    def paper(self) -> str: ...

    @property
    def figure(self) -> str: ...

    def run(self, out: Path, seed: int, quick: bool) -> ReproductionResult: ...
