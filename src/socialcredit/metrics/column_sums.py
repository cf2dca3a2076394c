"""Which of a day's tally entries add up to each count column: a plan's recipe, made once.

``collector.record_day`` lays a day's tallies side by side, one row per cell: the *entries*, each
tally flattened, in the order of the shapes given here. The recipe names, for every count column
the day fills, the entries that sum to it. Most columns are one entry (a copy); a tier's column
sums its row of (system tier, shadow tier) pairs; a consequence in force on tiers sums the pairs
whose system tier is under it (and, for its wrongful column, whose shadow tier is not); one on a
list is that list's column; one not in force in the plan's epoch sums nothing (zero).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from socialcredit.carriers import carriers_of
from socialcredit.metrics.layout import MetricLayout, cause_labels
from socialcredit.plan import ERROR_KINDS, NO_LIST, SANCTION, Plan


@dataclass(frozen=True)
class ColumnSums:
    """Count column ``column[j]`` is the sum of the entries ``source[first[j]:first[j + 1]]``."""

    column: np.ndarray  # [J] int64
    first: np.ndarray  # [J + 1] int64
    source: np.ndarray  # int64, indices into a cell's entries
    width: int  # entries per cell


class _Recipe:
    """Collects (column, its entries) pairs, by column and tally names."""

    def __init__(self, layout: MetricLayout, shapes: Mapping[str, tuple[int, ...]]) -> None:
        self.layout = layout
        self.shapes = shapes
        self.offset: dict[str, int] = {}
        width = 0
        for name, shape in shapes.items():  # [cells, ...]: a cell's entries of the tally
            self.offset[name] = width
            width += int(np.prod(shape[1:], dtype=np.int64))
        self.width = width
        self.columns: list[int] = []
        self.sources: list[list[int]] = []

    def entry(self, tally: str, *index: int) -> int:
        """Where ``tally[cell, *index]`` lies in a cell's entries."""
        flat = 0
        for i, n in zip(index, self.shapes[tally][1:], strict=True):
            assert 0 <= i < n, (tally, index)
            flat = flat * n + i
        return self.offset[tally] + flat

    def fill(self, column: str, sources: Sequence[int]) -> None:
        self.columns.append(self.layout.at(column))
        self.sources.append(list(sources))

    def copy(self, prefix: str, names: Sequence[str], tally: str, *lead: int) -> None:
        """Columns ``prefix__NAME``: ``tally[cell, *lead, i]`` for the i-th name."""
        for i, name in enumerate(names):
            self.fill(f"{prefix}__{name}", [self.entry(tally, *lead, i)])

    def done(self) -> ColumnSums:
        assert len(set(self.columns)) == len(self.columns), "a column filled twice"
        first = np.zeros(len(self.sources) + 1, dtype=np.int64)
        first[1:] = np.cumsum([len(s) for s in self.sources])
        return ColumnSums(
            column=np.array(self.columns, dtype=np.int64),
            first=first,
            source=np.array([i for s in self.sources for i in s], dtype=np.int64),
            width=self.width,
        )


def column_sums(
    plan: Plan, layout: MetricLayout, shapes: Mapping[str, tuple[int, ...]]
) -> ColumnSums:
    """The recipe of ``plan``'s count columns from tallies of ``shapes`` (``Tally.shapes``, in
    the order the entries are laid out; each needs the tallies it names below)."""
    r = _Recipe(layout, shapes)
    r.copy("acts", plan.behaviours, "acts")
    r.copy("records_true", plan.sources, "records_true")
    for k, kind in enumerate(ERROR_KINDS):
        r.copy(f"records_{kind}", plan.sources, "records_error", k)
    T = len(plan.tiers)
    for a, tier in enumerate(plan.tiers):
        r.fill(f"tier__{tier}", [r.entry("tier_pairs", a, b) for b in range(T)])
    r.copy("listed", plan.lists, "listed")
    r.copy("listed_wrongful", plan.lists, "listed_wrongful")
    r.copy("list_entries", plan.lists, "entries")
    r.copy("list_complied", plan.lists, "complied")
    for c, name in enumerate(plan.consequences):
        active, wrongful = _under(plan, c, r)
        if plan.consequence_kind[c] == SANCTION:
            r.fill(f"sanction__{name}", active)
            r.fill(f"sanction_wrongful__{name}", wrongful)
            if plan.has_encounters[c]:
                r.fill(f"blocked__{name}", [r.entry("blocked", c)])
                r.fill(f"blocked_wrongful__{name}", [r.entry("blocked_wrongful", c)])
        else:
            r.fill(f"perk__{name}", active)
    r.fill("sanctioned", [r.entry("sanctioned")])
    r.fill("sanctioned_wrongful", [r.entry("wrongful")])
    r.fill("sanction_starts", [r.entry("starts")])
    causes = cause_labels(plan)
    r.copy("wrongful_cause", causes, "causes")
    r.fill("first_sanctioned", [r.entry("first_sanctioned")])
    r.fill("first_wrongfully_sanctioned", [r.entry("first_wrongful")])
    keys = carriers_of(plan).keys
    r.copy("first_under", keys, "first_under")
    r.copy("first_wrongly_under", keys, "first_wrongly_under")
    for w, key in enumerate(keys):
        r.copy(f"carrier_wrongful_cause__{key}", causes, "carrier_causes", w)
    r.fill("appeals_filed", [r.entry("filed")])
    return r.done()


def _under(plan: Plan, c: int, r: _Recipe) -> tuple[list[int], list[int]]:
    """The entries that count the people under consequence ``c``, and those wrongly under it."""
    if not plan.consequence_on[c]:  # not in force in this epoch (from:/until:)
        return [], []
    x = int(plan.consequence_list[c])
    if x != NO_LIST:
        return [r.entry("listed", x)], [r.entry("listed_wrongful", x)]
    on = plan.consequence_tiers[c]
    tiers = range(len(on))
    active = [r.entry("tier_pairs", a, b) for a in tiers if on[a] for b in tiers]
    wrongful = [r.entry("tier_pairs", a, b) for a in tiers if on[a] for b in tiers if not on[b]]
    return active, wrongful
