"""Turn one day's integer tallies into metric columns; shared by every engine.

An engine only has to count (per cell: acts, records, tier pairs, listings, sanctions, causes, a
score histogram). Counts are integers, so they merge across chunks, threads and shards in any order
to the same result; everything derived from them here is computed once, the same way for all
engines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from socialcredit.carriers import carriers_of
from socialcredit.metrics.layout import MetricLayout, carrier_cause_labels
from socialcredit.plan import ERROR_KINDS, NO_LIST, SANCTION, Plan


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


# The carrier columns of a plan's layout, derived once per plan rather than once per day: every
# engine calls record_day daily, and a day of a small population (ensembles, calibration) is
# cheap enough that re-deriving them showed in profiles (about 0.4 ms a day).
_carrier_columns: dict[int, tuple[Plan, tuple[str, ...], str | None]] = {}


def _carriers(plan: Plan) -> tuple[tuple[str, ...], str | None]:
    """(carrier keys, the first carrier-cause column) of ``plan``."""
    hit = _carrier_columns.get(id(plan))
    if hit is None or hit[0] is not plan:  # a new plan (or an id reused by one)
        keys = carriers_of(plan).keys
        first = carrier_cause_labels(plan)[0] if keys else None
        if len(_carrier_columns) > 64:  # plans of finished runs: let them go
            _carrier_columns.clear()
        hit = _carrier_columns[id(plan)] = (plan, keys, first)
    return hit[1], hit[2]


def record_day(
    plan: Plan, layout: MetricLayout, tally: Tally, counts: np.ndarray, stats: np.ndarray
) -> None:
    """Fill one day's rows: ``counts`` [cells, columns] and ``stats`` [cells, 5]."""
    L, out = layout, counts
    out[:, L.span("acts", plan.behaviours)] = tally.acts
    out[:, L.span("records_true", plan.sources)] = tally.records_true
    for k, kind in enumerate(ERROR_KINDS):
        out[:, L.span(f"records_{kind}", plan.sources)] = tally.records_error[:, k]
    joint = tally.tier_pairs
    out[:, L.span("tier", plan.tiers)] = joint.sum(axis=2)
    if plan.lists:
        out[:, L.span("listed", plan.lists)] = tally.listed
        out[:, L.span("listed_wrongful", plan.lists)] = tally.listed_wrongful
        out[:, L.span("list_entries", plan.lists)] = tally.entries
        out[:, L.span("list_complied", plan.lists)] = tally.complied
    for c, name in enumerate(plan.consequences):
        x = int(plan.consequence_list[c])
        if not plan.consequence_on[c]:  # not in force in this epoch (from:/until:)
            active = wrongful = np.zeros(plan.cells, np.int64)
        elif x != NO_LIST:
            active, wrongful = tally.listed[:, x], tally.listed_wrongful[:, x]
        else:
            on = plan.consequence_tiers[c]
            active = joint[:, on, :].sum(axis=(1, 2))
            wrongful = joint[:, on][:, :, ~on].sum(axis=(1, 2))
        if plan.consequence_kind[c] == SANCTION:
            out[:, L.at(f"sanction__{name}")] = active
            out[:, L.at(f"sanction_wrongful__{name}")] = wrongful
            if plan.has_encounters[c]:
                out[:, L.at(f"blocked__{name}")] = tally.blocked[:, c]
                out[:, L.at(f"blocked_wrongful__{name}")] = tally.blocked_wrongful[:, c]
        else:
            out[:, L.at(f"perk__{name}")] = active
    out[:, L.at("sanctioned")] = tally.sanctioned
    out[:, L.at("sanctioned_wrongful")] = tally.wrongful
    out[:, L.at("sanction_starts")] = tally.starts
    first = L.at("wrongful_cause__none")
    out[:, first : first + tally.causes.shape[1]] = tally.causes
    out[:, L.at("first_sanctioned")] = tally.first_sanctioned
    out[:, L.at("first_wrongfully_sanctioned")] = tally.first_wrongful
    keys, first_cause = _carriers(plan)
    if keys and first_cause is not None:
        out[:, L.span("first_under", keys)] = tally.first_under
        out[:, L.span("first_wrongly_under", keys)] = tally.first_wrongly_under
        first = L.at(first_cause)
        out[:, first : first + tally.carrier_causes[0].size] = tally.carrier_causes.reshape(
            len(tally.carrier_causes), -1
        )
    out[:, L.at("appeals_filed")] = tally.filed

    # Score statistics from the integer histogram: exact, and the same for every engine.
    hist = tally.score_hist
    people = hist.sum(axis=1)
    values = np.arange(plan.score_min, plan.score_max + 1, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        stats[:, 0] = hist @ values / people
        # The q-quantile of a cell is the first score whose cumulative count reaches
        # ceil(q * people). One searchsorted for every cell and quantile: each cell's cumulative
        # counts are lifted by cell * (most people + 1), so the rows laid end to end still rise
        # and no row's targets fall into another's (a third of a small run's day went into
        # comparing every cell's whole cumulative histogram with each target).
        cells, width = hist.shape
        lift = np.arange(cells, dtype=np.int64) * (int(people.max(initial=0)) + 1)
        rising = (np.cumsum(hist, axis=1) + lift[:, None]).ravel()
        rows = np.arange(cells, dtype=np.int64) * width
        for i, q in enumerate((0.1, 0.5, 0.9)):
            target = np.ceil(q * people).astype(np.int64) + lift
            idx = np.searchsorted(rising, target, side="left") - rows
            stats[:, 1 + i] = np.where(people > 0, plan.score_min + idx, np.nan)
        stats[:, 4] = tally.shadow_sum / people
