"""Published results re-run with our own code: ``socialcredit reproduce NAME``.

Each reproduction redraws a paper's figure beside ours (``reproduction.html``), writes our curves
(parquet) and returns the rows of the README's table. The registry has one line per paper, so
papers added side by side merge without conflict. Importing it runs nothing.
"""

from __future__ import annotations

from socialcredit.errors import ConfigError
from socialcredit.reproductions.damour2020 import Damour2020
from socialcredit.reproductions.ensign2018 import Ensign2018
from socialcredit.reproductions.liu2018 import Liu2018
from socialcredit.reproductions.result import Reproduction, ReproductionResult, Row

REPRODUCTIONS: dict[str, Reproduction] = {
    "damour2020": Damour2020(),
    "ensign2018": Ensign2018(),
    "liu2018": Liu2018(),
}

__all__ = ["REPRODUCTIONS", "Reproduction", "ReproductionResult", "Row", "find"]


def find(name: str) -> Reproduction:
    """The reproduction called ``name``; a ConfigError naming the known ones otherwise."""
    try:
        return REPRODUCTIONS[name]
    except KeyError:
        raise ConfigError(
            f"no reproduction named {name!r}",
            path="NAME",
            expected="one of " + ", ".join(sorted(REPRODUCTIONS)),
            fix="run `socialcredit reproduce " + sorted(REPRODUCTIONS)[0] + "`",
        ) from None
