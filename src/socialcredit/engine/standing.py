"""Tables both engines use to turn standing (tier, lists) into sanctions, and the metric arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from socialcredit.metrics.layout import MetricLayout
from socialcredit.plan import SANCTION, Plan


@dataclass(frozen=True)
class SanctionTables:
    tier_sanctioned: np.ndarray  # [T] bool: some sanction applies at this tier
    wrong_tier: np.ndarray  # [T, T] bool: a sanction applies at tier a but not at shadow tier b
    list_sanctioned: np.ndarray  # [L] bool: the list carries some sanction

    @staticmethod
    def of(plan: Plan) -> SanctionTables:
        sanction = (plan.consequence_kind == SANCTION) & plan.consequence_on
        tier_c = plan.consequence_tiers & sanction[:, None]  # [C, T]
        lists = [(sanction & (plan.consequence_list == x)).any() for x in range(len(plan.lists))]
        return SanctionTables(
            tier_sanctioned=tier_c.any(axis=0),
            wrong_tier=(tier_c[:, :, None] & ~tier_c[:, None, :]).any(axis=0),
            list_sanctioned=np.array(lists, dtype=bool),
        )


def fresh_counts_row(plan: Plan, layout: MetricLayout) -> np.ndarray:
    """One day's counts [cell, column] before the day runs: the people, and zeros."""
    row = np.zeros((plan.cells, len(layout.counts)), dtype=np.int64)
    row[:, layout.at("people")] = plan.cell_people
    return row


def metric_arrays(plan: Plan, layout: MetricLayout) -> tuple[np.ndarray, np.ndarray]:
    """Zeroed per-day metrics: counts [day, cell, column] int64 and stats [day, cell, 5], one
    row per reported day (engine day t is row t - plan.warmup; ``metric_rows``)."""
    counts = np.zeros((plan.days, plan.cells, len(layout.counts)), dtype=np.int64)
    stats = np.zeros((plan.days, plan.cells, len(layout.stats)), dtype=np.float64)
    counts[:] = fresh_counts_row(plan, layout)
    return counts, stats


def metric_rows(plan: Plan, layout: MetricLayout, counts: np.ndarray, stats: np.ndarray,
                t: int) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """The rows engine day ``t`` records into: its reported day's, or, during a warm-up, rows
    of their own that nobody reads (a warm-up's days are not reported, nor kept)."""
    row = t - plan.warmup
    if row >= 0:
        return counts[row], stats[row]
    return fresh_counts_row(plan, layout), np.zeros(stats.shape[1:], stats.dtype)
