"""What a reproduction is and what it hands back: rows of the README's table.

A reproduction recomputes a published figure with our own code on the paper's data or
parameters and sets our numbers beside the numbers the paper reports ("theirs"), each row saying
where theirs was read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class ResultRow:
    """One quantity: the paper's number (as text: a value read off a figure carries its reading
    precision) beside ours, with our 90% interval where ours is sampled."""

    paper: str
    figure: str
    quantity: str
    theirs: str
    ours: float
    interval: tuple[float, float] | None = None
    decimals: int = 1  # how ours is shown: as precise as the comparison needs, no more

    def ours_text(self) -> str:
        text = f"{self.ours:,.{self.decimals}f}"
        if self.interval is None:
            return text
        low, high = (f"{x:,.{self.decimals}f}" for x in self.interval)
        return f"{text} ({low} to {high})"


@dataclass(frozen=True)
class ReproductionResult:
    rows: list[ResultRow]
    page: Path  # reproduction.html
    files: list[Path]  # everything written, the page included


class Reproduction(Protocol):
    """A registered reproduction (``REPRODUCTIONS`` in ``__init__``)."""

    @property
    def name(self) -> str: ...

    @property
    def paper(self) -> str: ...

    @property
    def figure(self) -> str: ...

    def run(self, out: Path, seed: int, quick: bool) -> ReproductionResult:
        """Compute, write the page and the data under ``out``, and return the table's rows."""
        ...
