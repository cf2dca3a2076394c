"""Turn one day's integer tallies into metric columns; shared by every engine.

An engine only has to count (per cell: acts, records, tier pairs, listings, sanctions, causes, a
score histogram). Counts are integers, so they merge across chunks, threads and shards in any order
to the same result; everything derived from them here is computed once, the same way for all
engines: which tally entries sum to each count column is a plan's recipe (``column_sums.py``), and
two compiled loops (``day_kernels.py``) apply it and derive the score statistics.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from socialcredit.carriers import carriers_of
from socialcredit.metrics.column_sums import ColumnSums, column_sums
from socialcredit.metrics.day_kernels import score_stats, sum_columns
from socialcredit.metrics.layout import MetricLayout
from socialcredit.plan import ERROR_KINDS, Plan


@dataclass
class Tally:
    """One day's counts per cell (all int64)."""

    acts: np.ndarray  # [cells, B]
    records_true: np.ndarray  # [cells, S]
    records_error: np.ndarray  # [cells, K, S]
    tier_pairs: np.ndarray  # [cells, T, T] system tier x shadow tier
    listed: np.ndarray  # [cells, L]
    listed_wrongful: np.ndarray  # [cells, L]
    entries: np.ndarray  # [cells, L] people put on the list today
    complied: np.ndarray  # [cells, L] people who left it today by complying
    blocked: np.ndarray  # [cells, C] attempts by people under the consequence (encounters)
    blocked_wrongful: np.ndarray  # [cells, C] of them by people the shadow would not list
    sanctioned: np.ndarray  # [cells]
    wrongful: np.ndarray  # [cells]
    starts: np.ndarray  # [cells]
    causes: np.ndarray  # [cells, 1 + S * K]
    # the wrongful person-days under each sanction carrier (carriers.py), by cause
    carrier_causes: np.ndarray  # [cells, carriers, 1 + S * K]
    # people under a sanction (wrongly) for the first time today: summed over days, the people
    # ever (wrongly) sanctioned, by cell
    first_sanctioned: np.ndarray  # [cells]
    first_wrongful: np.ndarray  # [cells]
    first_under: np.ndarray  # [cells, carriers]: first time under the carrier's sanctions
    first_wrongly_under: np.ndarray  # [cells, carriers]
    filed: np.ndarray  # [cells]
    score_hist: np.ndarray  # [cells, score range]
    shadow_sum: np.ndarray  # [cells]

    @staticmethod
    def shapes(plan: Plan) -> dict[str, tuple[int, ...]]:
        c, B, S, K = plan.cells, len(plan.behaviours), len(plan.sources), len(ERROR_KINDS)
        T, L, W = len(plan.tiers), len(plan.lists), len(carriers_of(plan))
        return {
            "acts": (c, B),
            "records_true": (c, S),
            "records_error": (c, K, S),
            "tier_pairs": (c, T, T),
            "listed": (c, L),
            "listed_wrongful": (c, L),
            "entries": (c, L),
            "complied": (c, L),
            "blocked": (c, len(plan.consequences)),
            "blocked_wrongful": (c, len(plan.consequences)),
            "sanctioned": (c,),
            "wrongful": (c,),
            "starts": (c,),
            "causes": (c, 1 + S * K),
            "carrier_causes": (c, W, 1 + S * K),
            "first_sanctioned": (c,),
            "first_wrongful": (c,),
            "first_under": (c, W),
            "first_wrongly_under": (c, W),
            "filed": (c,),
            "score_hist": (c, plan.score_max - plan.score_min + 1),
            "shadow_sum": (c,),
        }


# The tallies laid side by side as a cell's entries (column_sums.py), in this order; the score
# histogram and the shadow sum go to the score statistics instead.
ENTRY_TALLIES = tuple(f.name for f in fields(Tally) if f.name not in ("score_hist", "shadow_sum"))

# Each plan's recipe and tally shapes, made once rather than daily: every engine calls record_day
# each day, and a day of a small population (ensembles, calibration) is cheap enough for this to
# show.
_recipes: dict[int, tuple[Plan, MetricLayout, ColumnSums, dict[str, tuple[int, ...]]]] = {}


def _recipe(plan: Plan, layout: MetricLayout) -> tuple[ColumnSums, dict[str, tuple[int, ...]]]:
    """(The recipe of ``plan``'s count columns, the shapes of its tallies)."""
    hit = _recipes.get(id(plan))
    if hit is None or hit[0] is not plan or hit[1] is not layout:  # new (or an id reused)
        shapes = Tally.shapes(plan)
        sums = column_sums(plan, layout, {k: shapes[k] for k in ENTRY_TALLIES})
        if len(_recipes) > 64:  # plans of finished runs: let them go
            _recipes.clear()
        hit = _recipes[id(plan)] = (plan, layout, sums, shapes)
    return hit[2], hit[3]


def record_day(
    plan: Plan, layout: MetricLayout, tally: Tally, counts: np.ndarray, stats: np.ndarray
) -> None:
    """Fill one day's rows: ``counts`` [cells, columns] and ``stats`` [cells, 5]."""
    sums, shapes = _recipe(plan, layout)
    cells = plan.cells
    # The kernels index without bounds checks: a shape that does not fit would go unnoticed.
    if (
        any(getattr(tally, k).shape != shape for k, shape in shapes.items())
        or counts.shape != (cells, len(layout.counts))
        or stats.shape != (cells, len(layout.stats))
    ):
        raise ValueError("record_day: the tallies or the rows do not fit the plan")
    entries = np.concatenate(
        [getattr(tally, k).reshape(cells, -1) for k in ENTRY_TALLIES], axis=1, dtype=np.int64
    )
    sum_columns(entries, sums.column, sums.first, sums.source, counts)
    score_stats(tally.score_hist, plan.score_min, tally.shadow_sum, stats)
