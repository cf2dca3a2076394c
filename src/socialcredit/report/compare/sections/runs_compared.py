"""The runs compared: which scenario, folder, size and seed, and a warning where they differ."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from socialcredit.report.compare.run import Run
from socialcredit.report.page import Page

TEMPLATE = "compare/runs_compared.html.j2"


@dataclass(frozen=True)
class Difference:
    """A setting the runs do not share, and which runs have which value."""

    key: str  # "seed", "people" or "days"
    what: str  # as the warning names it
    values: list[tuple[Any, list[Run]]]


@dataclass(frozen=True)
class RunsCompared:
    runs: list[Run]
    differences: list[Difference]  # empty: the runs are on an equal footing
    seeds_differ: bool
    sizes_differ: bool  # people or days


def differences(runs: Sequence[Run]) -> list[Difference]:
    out = []
    for key, what in (("seed", "seed"), ("people", "number of people"), ("days", "days")):
        by_value: dict[Any, list[Run]] = {}
        for r in runs:
            by_value.setdefault(r.s[key], []).append(r)
        if len(by_value) > 1:
            out.append(Difference(key, what, list(by_value.items())))
    return out


def build(runs: Sequence[Run], page: Page) -> RunsCompared:
    return RunsCompared(
        runs=list(runs),
        differences=differences(runs),
        seeds_differ=len({r.s["seed"] for r in runs}) > 1,
        sizes_differ=len({r.people for r in runs}) > 1 or len({r.days for r in runs}) > 1,
    )
