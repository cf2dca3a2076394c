"""The metric columns a run produces per day x cell (cell = region x group).

Counts are int64; score statistics are float64. Names are ``what__which`` so they read well in
pandas, Polars and DuckDB alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from socialcredit.carriers import carriers_of
from socialcredit.plan import ERROR_KINDS, PERK, Plan

SCORE_STATS = ("score_mean", "score_p10", "score_p50", "score_p90", "shadow_mean")


def cause_labels(plan: Plan) -> list[str]:
    """Cause code 0 is 'none'; code 1 + s * 3 + k is error kind k of source s."""
    return ["none"] + [f"{s}__{k}" for s in plan.sources for k in ERROR_KINDS]


def carrier_cause_labels(plan: Plan) -> list[str]:
    """``carrier_wrongful_cause__CARRIER__CAUSE`` columns, carrier by carrier, each in cause_labels
    order (so one carrier's columns are a contiguous run of 1 + S * K)."""
    causes = cause_labels(plan)
    return [f"carrier_wrongful_cause__{k}__{c}" for k in carriers_of(plan).keys for c in causes]


@dataclass
class MetricLayout:
    counts: list[str] = field(default_factory=list)
    stats: list[str] = field(default_factory=lambda: list(SCORE_STATS))

    def __post_init__(self) -> None:
        self.index = {name: i for i, name in enumerate(self.counts)}

    def at(self, name: str) -> int:
        return self.index[name]

    def span(self, prefix: str, names: list[str] | tuple[str, ...]) -> slice:
        first = self.index[f"{prefix}__{names[0]}"]
        return slice(first, first + len(names))


def layout_for(plan: Plan) -> MetricLayout:
    cols: list[str] = ["people"]
    cols += [f"acts__{b}" for b in plan.behaviours]
    cols += [f"records_true__{s}" for s in plan.sources]
    for k in ERROR_KINDS:
        cols += [f"records_{k}__{s}" for s in plan.sources]
    cols += [f"tier__{t}" for t in plan.tiers]
    cols += [f"listed__{x}" for x in plan.lists]
    cols += [f"listed_wrongful__{x}" for x in plan.lists]
    # flows of the day: people put on each list, and people leaving it early by complying
    cols += [f"list_entries__{x}" for x in plan.lists]
    cols += [f"list_complied__{x}" for x in plan.lists]
    for c, name in enumerate(plan.consequences):
        if plan.consequence_kind[c] == PERK:
            cols.append(f"perk__{name}")
        else:
            cols += [f"sanction__{name}", f"sanction_wrongful__{name}"]
            if plan.has_encounters[c]:  # attempts by people under it: blocked purchases
                cols += [f"blocked__{name}", f"blocked_wrongful__{name}"]
    cols += ["sanctioned", "sanctioned_wrongful", "sanction_starts"]
    cols += [f"wrongful_cause__{c}" for c in cause_labels(plan)]
    keys = carriers_of(plan).keys
    cols += ["first_sanctioned", "first_wrongfully_sanctioned"]
    cols += [f"first_under__{k}" for k in keys]
    cols += [f"first_wrongly_under__{k}" for k in keys]
    cols += carrier_cause_labels(plan)
    cols += ["appeals_filed", "appeals_decided", "appeals_won"]
    return MetricLayout(counts=cols)
