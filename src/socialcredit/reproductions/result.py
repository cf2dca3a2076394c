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
    ``low``-``high`` the 90% interval of our runs."""

    paper: str
    figure: str
    quantity: str
    theirs: float
    theirs_source: str
    ours: float
    low: float
    high: float


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
