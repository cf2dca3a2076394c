"""Published figures recomputed with our own code: ``socialcredit reproduce NAME``.

Each entry recomputes one paper's figure on the paper's data and writes a page with their figure
beside ours (``reproduction.html``) and the numbers (``NAME.parquet``). One line per paper.
"""

from __future__ import annotations

from socialcredit.reproductions import liu2018
from socialcredit.reproductions.base import Reproduction, ReproductionResult, ResultRow

__all__ = ["REPRODUCTIONS", "Reproduction", "ReproductionResult", "ResultRow"]

REPRODUCTIONS: dict[str, Reproduction] = {
    "liu2018": liu2018.REPRODUCTION,
}
